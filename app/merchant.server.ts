// Adapters shared by the merchant pages (Setup, Settings, Automations, Message log): the dependencies
// their server functions get, built once from the environment.
import { getEnv } from "./env.server";
import { db, getClock } from "./shopify.server";
import { encryptionKey } from "./.server/crypto";
import type { MerchantDeps } from "./.server/onboarding/deps";

let key: Buffer | undefined;

/** The AES-256-GCM key of the shops' WhatsApp secrets (also read by the WhatsApp webhook route). */
export function secretsKey(): Buffer {
  key ??= encryptionKey(getEnv().TOKEN_ENCRYPTION_KEY);
  return key;
}

export function merchantDeps(): MerchantDeps {
  const env = getEnv();
  return {
    db,
    clock: getClock(),
    secretsKey: secretsKey(),
    cloudApi: { baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION },
    appUrl: env.SHOPIFY_APP_URL,
    sharedPhoneNumberId: env.DEMO_MODE ? null : env.WHATSAPP_PHONE_NUMBER_ID,
    // The simulator accepts exactly the app-wide test credentials; offering them is demo-only.
    demoCredentials: env.DEMO_MODE
      ? {
          phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
          wabaId: process.env.WHATSAPP_BUSINESS_ACCOUNT_ID || "100000000000002",
          accessToken: env.WHATSAPP_ACCESS_TOKEN,
          appSecret: env.WHATSAPP_APP_SECRET,
          verifyToken: env.WHATSAPP_VERIFY_TOKEN,
          appId: process.env.WHATSAPP_APP_ID || "100000000000003",
        }
      : null,
  };
}
