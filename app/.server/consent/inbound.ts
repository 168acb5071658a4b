// What the shopper tells us on WhatsApp, as consent actions (DESIGN.md §3, API-FACTS.md A4/A6): a tap on
// the opt-in confirmation or a reply like JA confirms, STOP revokes, START re-runs the double opt-in;
// WhatsApp's own marketing controls (user_preferences) and error 131050 revoke as well.
import type { Consent } from "@prisma/client";
import type { DbTx } from "../db";
import { CONSENT_BUTTON_PAYLOADS } from "../automations/consent-messages";
import type { MessagePlan } from "../automations/types";
import { enqueuePlans } from "../ingest/enqueue";
import type { ShopFilter } from "../inbound/shop-scope";
import type { InboundMessage, ParsedWebhook, StatusUpdate, UserPreferenceUpdate } from "../whatsapp/types";
import { confirmConsent, requestConsent, revokeConsent } from "./lifecycle";
import { ALLOWED_TRANSITIONS, findConsent, type ConsentSource, type ConsentState } from "./state";

export type ConsentAction = "confirm" | "decline" | "revoke" | "resume";

/** One thing WhatsApp told us that may change a recipient's consent. */
export interface ConsentInbound {
  /** Unique per signal, so a redelivered webhook changes nothing twice: the inbound wamid, the failed message's wamid, … */
  signalId: string;
  phone: string | null;
  waUserId: string | null;
  /** null: the signal matches no consent action. */
  action: ConsentAction | null;
  source: ConsentSource;
  /** Our name for what matched, e.g. "text:JA BITTE", "button:CONSENT_YES" — never the shopper's own words. */
  matched: string | null;
  /** The inbound message id, the proof of a confirmation or opt-out on WhatsApp itself. */
  inboundWaMessageId: string | null;
  /** The wamid of our message this one refers to (a quick-reply tap, a failed send): names its shop exactly. */
  contextWaMessageId: string | null;
  /** Our message id from biz_opaque_callback_data (failed sends), when Meta sent it. */
  contextMessageId: string | null;
  /** When it happened on WhatsApp. */
  at: Date;
}

/** Replies, compared after normalizeReply (case, whitespace, punctuation and emoji do not matter). */
export const REPLY_KEYWORDS: Readonly<Record<string, ConsentAction>> = {
  "ja": "confirm",
  "ja bitte": "confirm",
  "ja anmelden": "confirm",
  "yes": "confirm",
  "yes subscribe": "confirm",
  "nein": "decline",
  "nein danke": "decline",
  "no": "decline",
  "no thanks": "decline",
  "stop": "revoke",
  "stopp": "revoke",
  "abmelden": "revoke",
  "unsubscribe": "revoke",
  "start": "resume",
  "resume": "resume",
};

export const BUTTON_PAYLOAD_ACTIONS: Readonly<Record<string, ConsentAction>> = {
  [CONSENT_BUTTON_PAYLOADS.yes]: "confirm",
  [CONSENT_BUTTON_PAYLOADS.no]: "decline",
};

/** WhatsApp's "stop/resume marketing" controls (user_preferences, category marketing_messages). */
export const PREFERENCE_ACTIONS: Readonly<Record<string, ConsentAction>> = { stop: "revoke", resume: "resume" };

/** Meta: "This recipient has chosen to stop receiving marketing messages on WhatsApp from your business." */
export const MARKETING_STOPPED_ERROR = 131050;

export function normalizeReply(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Extended_Pictographic}]|\u200d|\ufe0f/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The action of one inbound message: a known button payload first, else its button title or text as a keyword. */
export function classifyMessage(message: Pick<InboundMessage, "type" | "text" | "buttonPayload" | "buttonText">): {
  action: ConsentAction | null;
  source: ConsentSource;
  matched: string | null;
} {
  const isButton = message.buttonPayload !== undefined || message.buttonText !== undefined;
  if (isButton) {
    const byPayload = message.buttonPayload !== undefined ? BUTTON_PAYLOAD_ACTIONS[message.buttonPayload] : undefined;
    if (byPayload) return { action: byPayload, source: "whatsapp_button", matched: `button:${message.buttonPayload}` };
    for (const label of [message.buttonText, message.buttonPayload]) {
      const keyword = label === undefined ? undefined : normalizeReply(label);
      if (keyword && REPLY_KEYWORDS[keyword]) return { action: REPLY_KEYWORDS[keyword], source: "whatsapp_button", matched: `button:${keyword.toUpperCase()}` };
    }
    return { action: null, source: "whatsapp_button", matched: null };
  }
  const keyword = message.text === undefined ? undefined : normalizeReply(message.text);
  if (keyword && REPLY_KEYWORDS[keyword]) return { action: REPLY_KEYWORDS[keyword], source: "whatsapp_reply", matched: `text:${keyword.toUpperCase()}` };
  return { action: null, source: "whatsapp_reply", matched: null };
}

/** Meta's wa_id is the E.164 number without "+"; "" for a username-only user. */
function phoneOf(waId: string): string | null {
  const digits = waId.replace(/\D/g, "");
  return digits === "" ? null : `+${digits}`;
}

/** Every signal of a parsed webhook that concerns consent: inbound messages, marketing preferences, 131050 failures. */
export function consentInboundsFromWebhook(webhook: Pick<ParsedWebhook, "inbound" | "userPreferences" | "statuses">): ConsentInbound[] {
  return [
    ...webhook.inbound.map(fromMessage),
    ...webhook.userPreferences.map(fromPreference),
    ...webhook.statuses.filter(stoppedMarketing).map(fromFailedStatus),
  ];
}

function fromMessage(message: InboundMessage): ConsentInbound {
  const { action, source, matched } = classifyMessage(message);
  return {
    signalId: message.waMessageId,
    phone: phoneOf(message.from),
    waUserId: message.userId ?? null,
    action,
    source,
    matched,
    inboundWaMessageId: message.waMessageId,
    contextWaMessageId: message.contextWaMessageId ?? null,
    contextMessageId: null,
    at: message.timestamp,
  };
}

function fromPreference(preference: UserPreferenceUpdate): ConsentInbound {
  const action = preference.category === "marketing_messages" ? (PREFERENCE_ACTIONS[preference.value] ?? null) : null;
  const who = preference.userId ?? preference.waId;
  return {
    signalId: `user_preferences:${who}:${preference.value}:${preference.timestamp.getTime()}`,
    phone: phoneOf(preference.waId),
    waUserId: preference.userId ?? null,
    action,
    source: "user_preferences",
    matched: action ? `user_preferences:${preference.value}` : null,
    inboundWaMessageId: null,
    contextWaMessageId: null,
    contextMessageId: null,
    at: preference.timestamp,
  };
}

function stoppedMarketing(status: StatusUpdate): boolean {
  return status.status === "failed" && status.errors.some((e) => e.code === MARKETING_STOPPED_ERROR);
}

function fromFailedStatus(status: StatusUpdate): ConsentInbound {
  return {
    signalId: `error_131050:${status.waMessageId}`,
    phone: phoneOf(status.recipientId),
    waUserId: status.userId ?? null,
    action: "revoke",
    source: "error_131050",
    matched: `error:${MARKETING_STOPPED_ERROR}`,
    inboundWaMessageId: null,
    contextWaMessageId: status.waMessageId,
    contextMessageId: status.bizOpaqueCallbackData ?? null,
    at: status.timestamp,
  };
}

// ------------------------------------------------------------------------------------------ which shop

export interface ShopCandidates {
  /** The shop of our message the signal refers to, when it names one. */
  contextShop: string | null;
  /** The shop of the latest message to this recipient. */
  latestMessageShop: string | null;
  /** The recipient's consent rows in every shop, most recently changed first. */
  consents: { shop: string; state: string }[];
}

/**
 * Which shops a signal belongs to (docs/decisions/004-inbound-shop-resolution.md). One business number serves
 * every shop, so a shopper cannot tell them apart: an opt-out applies wherever the number has consent; any
 * other action goes to the one shop it most likely answers.
 */
export function chooseShops(action: ConsentAction, candidates: ShopCandidates): string[] {
  const { contextShop, latestMessageShop, consents } = candidates;
  const latestIn = (state: ConsentState) => consents.find((c) => c.state === state)?.shop ?? null;
  const single = (preferred: string | null) => {
    const shop = contextShop ?? preferred ?? latestMessageShop ?? consents[0]?.shop ?? null;
    return shop === null ? [] : [shop];
  };
  switch (action) {
    case "revoke": {
      const shops = new Set(consents.filter((c) => c.state !== "REDACTED").map((c) => c.shop));
      if (contextShop) shops.add(contextShop);
      if (shops.size === 0 && latestMessageShop) shops.add(latestMessageShop);
      return [...shops];
    }
    case "confirm":
    case "decline":
      return single(latestIn("REQUESTED"));
    case "resume":
      return single(latestIn("REVOKED"));
  }
}

/**
 * The signal's shop(s) among `shops` (the receiving number's, step 0); the latest message to the sender is
 * looked up only when nothing better decides.
 */
async function resolveShops(tx: DbTx, inbound: ConsentInbound, action: ConsentAction, shops: ShopFilter): Promise<string[]> {
  const recipient = [...(inbound.phone ? [{ phone: inbound.phone }] : []), ...(inbound.waUserId ? [{ waUserId: inbound.waUserId }] : [])];
  const messageRecipient = [...(inbound.phone ? [{ to: inbound.phone }] : []), ...(inbound.waUserId ? [{ waUserId: inbound.waUserId }] : [])];
  const context =
    (inbound.contextWaMessageId ? await tx.message.findFirst({ where: { waMessageId: inbound.contextWaMessageId, shop: shops }, select: { shop: true } }) : null) ??
    (inbound.contextMessageId ? await tx.message.findFirst({ where: { id: inbound.contextMessageId, shop: shops }, select: { shop: true } }) : null);
  const consents = recipient.length === 0
    ? []
    : await tx.consent.findMany({ where: { shop: shops, OR: recipient }, orderBy: { updatedAt: "desc" }, select: { shop: true, state: true } });
  const candidates: ShopCandidates = { contextShop: context?.shop ?? null, latestMessageShop: null, consents };
  const withoutLatest = chooseShops(action, candidates);
  if (!dependsOnLatestMessage(action, candidates) || messageRecipient.length === 0) return withoutLatest;
  const latest = await tx.message.findFirst({ where: { shop: shops, OR: messageRecipient }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { shop: true } });
  return chooseShops(action, { ...candidates, latestMessageShop: latest?.shop ?? null });
}

/** Whether chooseShops would consult the latest message's shop for these candidates. */
function dependsOnLatestMessage(action: ConsentAction, { contextShop, consents }: ShopCandidates): boolean {
  if (action === "revoke") return contextShop === null && !consents.some((c) => c.state !== "REDACTED");
  if (contextShop !== null) return false;
  const preferred: ConsentState = action === "resume" ? "REVOKED" : "REQUESTED";
  return !consents.some((c) => c.state === preferred);
}

// ------------------------------------------------------------------------------------------ applying

export interface InboundConsentCounts {
  confirmed: number;
  revoked: number;
  requested: number;
  /** "No" taps and replies: recorded here, no state change. */
  declined: number;
  /** Matched an action that changed nothing (already in that state, or a redelivered webhook). */
  unchanged: number;
  /** Matched no consent action (other text, other buttons, other preferences). */
  noAction: number;
  /** Matched an action, but no shop knows the recipient. */
  noShop: number;
  /** Messages planned (double opt-in requests, opt-out confirmations). */
  planned: number;
}

export function emptyInboundConsentCounts(): InboundConsentCounts {
  return { confirmed: 0, revoked: 0, requested: 0, declined: 0, unchanged: 0, noAction: 0, noShop: 0, planned: 0 };
}

type ChangingAction = Exclude<ConsentAction, "decline">;
const TARGET_STATE: Record<ChangingAction, Exclude<ConsentState, "NONE">> = { confirm: "CONFIRMED", revoke: "REVOKED", resume: "REQUESTED" };
const COUNT_OF: Record<ChangingAction, keyof InboundConsentCounts> = { confirm: "confirmed", revoke: "revoked", resume: "requested" };

/** Whether this consent already holds an event caused by the signal (Meta redelivers webhooks for days). */
async function alreadyApplied(tx: DbTx, consent: Consent | null, signalId: string): Promise<boolean> {
  if (!consent) return false;
  const needle = JSON.stringify({ signalId }).slice(1, -1);
  return (await tx.consentEvent.count({ where: { consentId: consent.id, evidence: { contains: needle } } })) > 0;
}

/**
 * Applies the signals that belong to one shop, in order, and enqueues the messages that follow, all in the
 * caller's transaction.
 */
export async function handleInboundMessages(tx: DbTx, shop: string, inbound: ConsentInbound[], now: Date): Promise<InboundConsentCounts> {
  const counts = emptyInboundConsentCounts();
  for (const signal of inbound) {
    if (signal.action === null) {
      counts.noAction += 1;
      continue;
    }
    if (signal.action === "decline") {
      counts.declined += 1;
      continue;
    }
    const who = { shop, phone: signal.phone, waUserId: signal.waUserId };
    const before = await findConsent(tx, shop, who);
    const from = (before?.state ?? "NONE") as ConsentState;
    // Not a move from here (a second STOP, a JA without a pending request), or already applied once.
    if (!ALLOWED_TRANSITIONS[from].includes(TARGET_STATE[signal.action]) || (await alreadyApplied(tx, before, signal.signalId))) {
      counts.unchanged += 1;
      continue;
    }
    const evidence = { signalId: signal.signalId, matched: signal.matched, happenedAt: signal.at.toISOString() };
    const answer = {
      ...who,
      source: signal.source,
      inboundWaMessageId: signal.inboundWaMessageId,
      contextWaMessageId: signal.contextWaMessageId,
      evidence: signal.source === "error_131050" ? { ...evidence, failedWaMessageId: signal.contextWaMessageId } : evidence,
    };
    let plans: MessagePlan[];
    switch (signal.action) {
      case "confirm":
        plans = await confirmConsent(tx, answer, now);
        break;
      case "revoke":
        plans = await revokeConsent(tx, answer, now);
        break;
      case "resume":
        plans = await requestConsent(tx, { ...who, source: signal.source, evidence: { ...evidence, inboundWaMessageId: signal.inboundWaMessageId } }, now);
        break;
    }
    counts.planned += await enqueuePlans(tx, shop, plans, now);
    counts[COUNT_OF[signal.action]] += 1;
  }
  return counts;
}

/**
 * Resolves each signal's shop(s) among `shops`, the shops of the number the signals reached, and applies them
 * per shop; returns what happened, without phones or texts.
 */
export async function applyConsentInbounds(tx: DbTx, inbound: ConsentInbound[], now: Date, shops: ShopFilter): Promise<InboundConsentCounts> {
  const total = emptyInboundConsentCounts();
  const byShop = new Map<string, ConsentInbound[]>();
  for (const signal of inbound) {
    if (signal.action === null) {
      total.noAction += 1;
      continue;
    }
    const resolved = await resolveShops(tx, signal, signal.action, shops);
    if (resolved.length === 0) total.noShop += 1;
    for (const shop of resolved) byShop.set(shop, [...(byShop.get(shop) ?? []), signal]);
  }
  for (const [shop, signals] of byShop) {
    const counts = await handleInboundMessages(tx, shop, signals, now);
    for (const key of Object.keys(total) as (keyof InboundConsentCounts)[]) total[key] += counts[key];
  }
  return total;
}
