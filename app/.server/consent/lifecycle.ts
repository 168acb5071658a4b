// The consent lifecycle (DESIGN.md §3): what happens around each transition. Callers get back the
// messages that follow (double opt-in request, opt-out confirmation) and enqueue them in the same
// transaction. Every state change goes through transitionConsent (state.ts).
import type { DbTx } from "../db";
import type { MessagePlan } from "../automations/types";
import { transitionConsent, type ConsentSource } from "./state";

export interface Recipient {
  shop: string;
  phone?: string | null;
  waUserId?: string | null;
}

export interface ConsentRequest extends Recipient {
  source: ConsentSource;
  locale?: string | null;
  customerId?: string | null;
  checkoutToken?: string | null;
  wording?: string | null;
  wordingVersion?: string | null;
  /** Extra proof to keep (no message bodies). */
  evidence?: Record<string, unknown>;
}

export interface ConsentAnswer extends Recipient {
  source: ConsentSource;
  /** The inbound message id (the proof of a confirmation or opt-out), when there is one. */
  inboundWaMessageId?: string | null;
  evidence?: Record<string, unknown>;
  /** False when the change came from Shopify (no write-back). */
  writeBack?: boolean;
}

/** NONE/REVOKED → REQUESTED; plans the double opt-in request. */
export async function requestConsent(tx: DbTx, request: ConsentRequest, now: Date): Promise<MessagePlan[]> {
  await transitionConsent(tx, {
    shop: request.shop,
    phone: request.phone,
    waUserId: request.waUserId,
    to: "REQUESTED",
    source: request.source,
    locale: request.locale,
    customerId: request.customerId,
    at: now,
    evidence: { at: now.toISOString(), checkoutToken: request.checkoutToken ?? null, locale: request.locale ?? null, wording: request.wording ?? null, wordingVersion: request.wordingVersion ?? null, source: request.source, ...request.evidence },
  });
  return [];
}

/** REQUESTED → CONFIRMED. */
export async function confirmConsent(tx: DbTx, answer: ConsentAnswer, now: Date): Promise<MessagePlan[]> {
  await transitionConsent(tx, { ...answer, to: "CONFIRMED", at: now, evidence: { at: now.toISOString(), inboundWaMessageId: answer.inboundWaMessageId ?? null, ...answer.evidence } });
  return [];
}

/** Any → REVOKED at once. */
export async function revokeConsent(tx: DbTx, answer: ConsentAnswer, now: Date): Promise<MessagePlan[]> {
  await transitionConsent(tx, { ...answer, to: "REVOKED", at: now, evidence: { at: now.toISOString(), inboundWaMessageId: answer.inboundWaMessageId ?? null, ...answer.evidence } });
  return [];
}
