// The shopper ticked the WhatsApp box in checkout: consent REQUESTED, with its evidence.
// (The double opt-in confirmation message and the YES/STOP handling come with the consent issue.)
import type { Clock } from "../clock";
import type { DbTx } from "../db";

export interface OptInRequest {
  shop: string;
  phone: string;
  checkoutToken: string | null;
  locale: string | null;
  source: string;
  wording?: string;
  wordingVersion?: string;
}

export async function recordOptInRequest(db: DbTx, clock: Clock, request: OptInRequest): Promise<{ changed: boolean }> {
  const now = clock.now();
  const existing = await db.consent.findUnique({ where: { shop_phone: { shop: request.shop, phone: request.phone } } });
  // A confirmed subscriber ticking the box again stays confirmed; revoked or redacted ones may re-request.
  if (existing && (existing.state === "REQUESTED" || existing.state === "CONFIRMED")) return { changed: false };
  const evidence = JSON.stringify({ at: now.toISOString(), checkoutToken: request.checkoutToken, locale: request.locale, wording: request.wording ?? null, wordingVersion: request.wordingVersion ?? null, source: request.source });
  const consent = existing
    ? await db.consent.update({ where: { id: existing.id }, data: { state: "REQUESTED", locale: request.locale, updatedAt: now } })
    : await db.consent.create({ data: { shop: request.shop, phone: request.phone, state: "REQUESTED", locale: request.locale, updatedAt: now } });
  await db.consentEvent.create({ data: { consentId: consent.id, shop: request.shop, fromState: existing?.state ?? "NONE", toState: "REQUESTED", source: request.source, evidence, at: now } });
  return { changed: true };
}
