// The shopper ticked the WhatsApp box in checkout: consent REQUESTED, with its evidence.
import type { Clock } from "../clock";
import type { DbTx } from "../db";
import { transitionConsent, type ConsentSource } from "./state";

export interface OptInRequest {
  shop: string;
  phone: string;
  checkoutToken: string | null;
  locale: string | null;
  source: ConsentSource;
  wording?: string;
  wordingVersion?: string;
}

export async function recordOptInRequest(db: DbTx, clock: Clock, request: OptInRequest): Promise<{ changed: boolean }> {
  const at = clock.now();
  const { changed } = await transitionConsent(db, {
    shop: request.shop,
    phone: request.phone,
    to: "REQUESTED",
    source: request.source,
    locale: request.locale,
    at,
    evidence: { at: at.toISOString(), checkoutToken: request.checkoutToken, locale: request.locale, wording: request.wording ?? null, wordingVersion: request.wordingVersion ?? null, source: request.source },
  });
  return { changed };
}
