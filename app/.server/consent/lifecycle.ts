// The consent lifecycle (DESIGN.md §3): what happens around each transition. Callers get back the
// messages that follow (double opt-in request, opt-out confirmation) and enqueue them in the same
// transaction. Every state change goes through transitionConsent (state.ts).
import type { Consent, Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import type { MessagePlan } from "../automations/types";
import {
  planOptInConfirmation,
  planOptOutConfirmation,
  shopDisplayName,
  shouldRequestConfirmation,
  type ConsentMessageContext,
} from "../automations/consent-messages";
import { eventReason } from "../outbox/events";
import { TEMPLATE_NAMES, templateWordingVersion, type TemplateLanguage } from "../templates/catalogue";
import { findConsent, transitionConsent, type ConsentSource } from "./state";
import { rollupMessagesMoved } from "../analytics/rollups";

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
  /** The wamid of our message the shopper answered (a quick-reply tap carries it). */
  contextWaMessageId?: string | null;
  evidence?: Record<string, unknown>;
  /** False when the change came from Shopify (no write-back). */
  writeBack?: boolean;
}

/** Requests the shopper started on WhatsApp itself: answered with a new confirmation request at once. */
const ASKED_ON_WHATSAPP: ReadonlySet<ConsentSource> = new Set(["whatsapp_reply", "whatsapp_button", "user_preferences"]);

/**
 * Which revocations the shopper hears back about on WhatsApp: those they made there (or through WhatsApp's own
 * controls). Unticking at checkout is visible on the checkout page; a merchant's or Shopify's change is theirs to tell.
 */
const CONFIRMS_OPT_OUT: Readonly<Record<ConsentSource, boolean>> = {
  whatsapp_reply: true,
  whatsapp_button: true,
  user_preferences: true,
  error_131050: true,
  checkout: false,
  checkout_marker: false,
  back_in_stock_signup: false,
  admin: false,
  shopify: false,
  gdpr: false,
  test: false,
};

/** The shop's name and locale, from the Shop row (which may not exist yet), with the consent's locale. */
async function messageContext(tx: DbTx, shop: string, locale: string | null | undefined): Promise<ConsentMessageContext> {
  const row = await tx.shop.findUnique({ where: { domain: shop }, select: { locale: true, settings: true } });
  return { shopName: shopDisplayName(shop, row?.settings), locale: locale ?? null, shopLocale: row?.locale ?? null };
}

/** NONE/REVOKED → REQUESTED; plans the double opt-in request (at most one per number per 30 days). */
export async function requestConsent(tx: DbTx, request: ConsentRequest, now: Date): Promise<MessagePlan[]> {
  const result = await transitionConsent(tx, {
    shop: request.shop,
    phone: request.phone,
    waUserId: request.waUserId,
    to: "REQUESTED",
    source: request.source,
    locale: request.locale,
    customerId: request.customerId,
    at: now,
    evidence: {
      ...request.evidence,
      at: now.toISOString(),
      checkoutToken: request.checkoutToken ?? null,
      locale: request.locale ?? null,
      wording: request.wording ?? null,
      wordingVersion: request.wordingVersion ?? null,
      source: request.source,
    },
  });
  if (!result.changed) return [];
  const { consent } = result;
  if (!shouldRequestConfirmation({ lastRequestedAt: consent.confirmationRequestedAt, now, shopperAskedOnWhatsApp: ASKED_ON_WHATSAPP.has(request.source) })) {
    return [];
  }
  await tx.consent.update({ where: { id: consent.id }, data: { confirmationRequestedAt: now } });
  return [planOptInConfirmation(consent, await messageContext(tx, request.shop, request.locale ?? consent.locale), now)];
}

/** The proof kept with a confirmation: which request it answers and which wording the shopper saw. */
async function confirmationProof(tx: DbTx, consent: Consent, contextWaMessageId: string | null | undefined): Promise<Record<string, unknown>> {
  const requestEvent = await tx.consentEvent.findFirst({ where: { consentId: consent.id, toState: "REQUESTED" }, orderBy: { id: "desc" } });
  const requestEvidence = parseEvidence(requestEvent?.evidence);
  const doiWhere: Prisma.MessageWhereInput = { shop: consent.shop, flow: "opt_in_confirmation", dedupeKey: { startsWith: `opt_in_confirmation:${consent.id}:` } };
  const doi =
    (contextWaMessageId ? await tx.message.findFirst({ where: { ...doiWhere, waMessageId: contextWaMessageId } }) : null) ??
    (await tx.message.findFirst({ where: { ...doiWhere, sentAt: { not: null } }, orderBy: { sentAt: "desc" } }));
  const confirmationTemplate = doi
    ? { name: doi.template, language: doi.language, wordingVersion: templateWordingVersion(doi.template, doi.language as TemplateLanguage), messageId: doi.id, waMessageId: doi.waMessageId }
    : null;
  const requestWordingVersion = typeof requestEvidence.wordingVersion === "string" ? requestEvidence.wordingVersion : null;
  return {
    // The wording the shopper agreed to: the checkout's when the request came from there, else the confirmation template's.
    wordingVersion: requestWordingVersion ?? confirmationTemplate?.wordingVersion ?? templateWordingVersion(TEMPLATE_NAMES.optInConfirmation, "de"),
    request: requestEvent
      ? {
          eventId: requestEvent.id,
          at: requestEvent.at.toISOString(),
          source: requestEvent.source,
          checkoutToken: requestEvidence.checkoutToken ?? null,
          wording: requestEvidence.wording ?? null,
          wordingVersion: requestWordingVersion,
          locale: requestEvidence.locale ?? null,
        }
      : null,
    confirmationTemplate,
  };
}

function parseEvidence(json: string | null | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? "{}");
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** REQUESTED → CONFIRMED, with the inbound message id and the wording version as proof. From any other state: nothing. */
export async function confirmConsent(tx: DbTx, answer: ConsentAnswer, now: Date): Promise<MessagePlan[]> {
  const existing = await findConsent(tx, answer.shop, answer);
  // Only a pending request can be confirmed; checking first keeps the proof lookups off every stray "yes".
  if (existing?.state !== "REQUESTED") return [];
  const proof = await confirmationProof(tx, existing, answer.contextWaMessageId);
  await transitionConsent(tx, {
    shop: answer.shop,
    phone: answer.phone,
    waUserId: answer.waUserId,
    to: "CONFIRMED",
    source: answer.source,
    writeBack: answer.writeBack,
    at: now,
    evidence: {
      ...answer.evidence,
      at: now.toISOString(),
      source: answer.source,
      inboundWaMessageId: answer.inboundWaMessageId ?? null,
      contextWaMessageId: answer.contextWaMessageId ?? null,
      ...proof,
    },
  });
  return [];
}

/**
 * Any → REVOKED at once: every scheduled marketing message to the recipient is cancelled in the same
 * transaction, and a revocation the shopper made on WhatsApp is confirmed to them (utility).
 */
export async function revokeConsent(tx: DbTx, answer: ConsentAnswer, now: Date): Promise<MessagePlan[]> {
  const result = await transitionConsent(tx, {
    shop: answer.shop,
    phone: answer.phone,
    waUserId: answer.waUserId,
    to: "REVOKED",
    source: answer.source,
    writeBack: answer.writeBack,
    at: now,
    evidence: { ...answer.evidence, at: now.toISOString(), source: answer.source, inboundWaMessageId: answer.inboundWaMessageId ?? null },
  });
  const { consent } = result;
  await cancelScheduledMarketing(tx, answer.shop, { phone: consent.phone ?? answer.phone, waUserId: consent.waUserId ?? answer.waUserId }, now);
  const wasInTouch = result.from === "REQUESTED" || result.from === "CONFIRMED";
  if (!result.changed || result.eventId === null || !wasInTouch || !CONFIRMS_OPT_OUT[answer.source]) return [];
  return [planOptOutConfirmation(consent, await messageContext(tx, answer.shop, consent.locale), result.eventId, now)];
}

/** Cancels every SCHEDULED marketing message to the recipient (anything not UTILITY counts as marketing, as at send time). */
export async function cancelScheduledMarketing(
  tx: DbTx,
  shop: string,
  who: { phone?: string | null; waUserId?: string | null },
  now: Date,
): Promise<number> {
  const identifiers: Prisma.MessageWhereInput[] = [...(who.phone ? [{ to: who.phone }] : []), ...(who.waUserId ? [{ waUserId: who.waUserId }] : [])];
  if (identifiers.length === 0) return 0;
  const scheduled = await tx.message.findMany({
    where: { shop, status: "SCHEDULED", category: { not: "UTILITY" }, OR: identifiers },
    select: { id: true },
  });
  let cancelled = 0;
  for (const { id } of scheduled) {
    // Conditional, like every outbox write: a worker that claimed the row in the meantime keeps it (its gate re-checks consent).
    const { count } = await tx.message.updateMany({ where: { id, status: "SCHEDULED" }, data: { status: "CANCELLED", statusReason: "consent_revoked" } });
    if (count !== 1) continue;
    await rollupMessagesMoved(tx, [id], "SCHEDULED", "CANCELLED");
    await tx.messageEvent.create({
      data: {
        messageId: id,
        status: "CANCELLED",
        reason: eventReason("consent_revoked", "The recipient revoked their consent; scheduled marketing to them is cancelled."),
        source: "planner",
        at: now,
      },
    });
    cancelled += 1;
  }
  return cancelled;
}
