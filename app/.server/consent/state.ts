// The consent state machine (DESIGN.md §3): the only place a Consent row changes state. Every change
// appends a ConsentEvent with its evidence, in the caller's transaction; CONFIRMED and REVOKED are
// also queued for the write-back to Shopify (unless the change came from Shopify itself).
import type { Consent } from "@prisma/client";
import type { DbTx } from "../db";
import { refreshSubscribers, rollupConsentTransition } from "../analytics/rollups";
import { dropCachedRetention } from "../analytics/retention-cache";

export type ConsentState = "NONE" | "REQUESTED" | "CONFIRMED" | "REVOKED" | "REDACTED";

/** Where a change came from; kept on every ConsentEvent. */
export type ConsentSource =
  | "checkout"
  | "checkout_marker"
  | "back_in_stock_signup"
  | "whatsapp_reply"
  | "whatsapp_button"
  | "user_preferences"
  | "error_131050"
  | "admin"
  | "shopify"
  | "gdpr"
  | "test";

/** Which moves are allowed; anything else is not a change (the event is not recorded). */
export const ALLOWED_TRANSITIONS: Readonly<Record<ConsentState, readonly ConsentState[]>> = {
  NONE: ["REQUESTED", "REVOKED", "REDACTED"],
  REQUESTED: ["CONFIRMED", "REVOKED", "REDACTED"],
  CONFIRMED: ["REVOKED", "REDACTED"],
  REVOKED: ["REQUESTED", "REDACTED"],
  REDACTED: [],
};

export interface ConsentChange {
  shop: string;
  /** E.164; at least one of phone and waUserId. */
  phone?: string | null;
  waUserId?: string | null;
  to: Exclude<ConsentState, "NONE">;
  source: ConsentSource;
  /** Proof: timestamp, checkout token, wording and version, locale, inbound wamid … (no message bodies). */
  evidence: Record<string, unknown>;
  at: Date;
  locale?: string | null;
  customerId?: string | null;
  /** False for changes that came from Shopify, so the write-back never loops. */
  writeBack?: boolean;
}

export interface ConsentChangeResult {
  changed: boolean;
  from: ConsentState;
  consent: Consent;
  eventId: number | null;
}

/** The consent row of a recipient, matched on the phone or the business-scoped user id. */
export async function findConsent(tx: DbTx, shop: string, who: { phone?: string | null; waUserId?: string | null }): Promise<Consent | null> {
  const or = [...(who.phone ? [{ phone: who.phone }] : []), ...(who.waUserId ? [{ waUserId: who.waUserId }] : [])];
  if (or.length === 0) return null;
  return tx.consent.findFirst({ where: { shop, OR: or }, orderBy: { updatedAt: "desc" } });
}

export async function transitionConsent(tx: DbTx, change: ConsentChange): Promise<ConsentChangeResult> {
  if (!change.phone && !change.waUserId) throw new Error("a consent change needs a phone or a WhatsApp user id");
  const existing = await findConsent(tx, change.shop, change);
  const from = (existing?.state ?? "NONE") as ConsentState;
  const identity = {
    phone: existing?.phone ?? change.phone ?? null,
    waUserId: existing?.waUserId ?? change.waUserId ?? null,
    customerId: change.customerId ?? existing?.customerId ?? null,
    locale: change.locale ?? existing?.locale ?? null,
  };
  if (!ALLOWED_TRANSITIONS[from].includes(change.to)) {
    // Not a change, but a row that learns a missing identifier keeps it (matching on either later).
    const consent = existing
      ? await tx.consent.update({ where: { id: existing.id }, data: identity })
      : await tx.consent.create({ data: { shop: change.shop, state: "NONE", updatedAt: change.at, ...identity } });
    if (consent.phone && !existing?.phone) await refreshSubscribers(tx, change.shop, { phone: consent.phone });
    if (consent.phone && existing && !existing.phone) await dropCachedRetention(tx, change.shop);
    return { changed: false, from, consent, eventId: null };
  }
  const consent = existing
    ? await tx.consent.update({ where: { id: existing.id }, data: { ...identity, state: change.to, updatedAt: change.at } })
    : await tx.consent.create({ data: { shop: change.shop, state: change.to, updatedAt: change.at, ...identity } });
  const event = await tx.consentEvent.create({
    data: { consentId: consent.id, shop: change.shop, fromState: from, toState: change.to, source: change.source, evidence: JSON.stringify(change.evidence), at: change.at },
  });
  await rollupConsentTransition(tx, change.shop, event);
  // A consent that learns its phone: the customers with that phone read its log from now on, for past periods too.
  if (consent.phone && existing && !existing.phone) await dropCachedRetention(tx, change.shop);
  if (consent.phone && (from === "CONFIRMED" || change.to === "CONFIRMED" || !existing?.phone)) await refreshSubscribers(tx, change.shop, { phone: consent.phone });
  if ((change.to === "CONFIRMED" || change.to === "REVOKED") && change.writeBack !== false) {
    await tx.shopifySync.create({
      data: {
        shop: change.shop,
        kind: "whatsapp_consent",
        dedupeKey: `whatsapp_consent:${event.id}`,
        payload: JSON.stringify({ consentId: consent.id, phone: consent.phone, customerId: consent.customerId, state: change.to, at: change.at.toISOString() }),
        nextAttemptAt: change.at,
        createdAt: change.at,
      },
    });
  }
  return { changed: true, from, consent, eventId: event.id };
}
