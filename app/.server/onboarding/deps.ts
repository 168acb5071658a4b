import type { Clock } from "../clock";
import type { Db } from "../db";
import type { WhatsAppCredentials } from "./connection";

/** What the merchant pages' server functions need, handed in by the routes (app/merchant.server.ts). */
export interface MerchantDeps {
  db: Db;
  clock: Clock;
  /** AES-256-GCM key for the shops' WhatsApp secrets. */
  secretsKey: Buffer;
  /** Where the Cloud API is: Meta's Graph API, or the simulator in the demo and tests. */
  cloudApi: { baseUrl: string; apiVersion: string; fetch?: typeof fetch };
  /** The app's public URL (the WhatsApp callback URL is built from it). */
  appUrl: string;
  /**
   * The environment's app-wide number (WHATSAPP_PHONE_NUMBER_ID), which no shop may claim as its own; null in the
   * demo, where the one demo shop connects to the simulator's only number on purpose.
   */
  sharedPhoneNumberId: string | null;
  /** Demo only: the simulator's credentials (and its app id), offered as a one-click fill. Null everywhere else. */
  demoCredentials: (WhatsAppCredentials & { appId: string }) | null;
}
