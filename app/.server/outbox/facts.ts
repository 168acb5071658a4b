// Loads what the send-time gate needs to know about one message, just before it is sent.
import type { Message, Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import { loadCartRecoveryFacts } from "../cart-recovery/send-facts";
import { FLOW_IDS, type FlowId } from "../settings/schema";
import { effectiveSettings, parseStoredJson } from "../settings/store";
import { loadTemplateApproval } from "../templates/whatsapp-templates";
import { CART_RECOVERY_FLOW, type ConsentState, type SendFacts } from "./gate";
import { CAPPED_FLOWS, flowSendPolicy, type OutboxPolicy } from "./policy";
import { recipientZone } from "./recipient-time";

export type FactsMessage = Pick<Message, "id" | "shop" | "to" | "waUserId" | "orderId"> & Partial<Pick<Message, "flow" | "checkoutToken" | "template" | "language" | "text">>;

const GATE_SETTINGS = ["quietHours", "marketingCapPer7Days", "flows"] as const;

const isSettingsFlow = (flow: string): flow is FlowId => (FLOW_IDS as readonly string[]).includes(flow);

const CONSENT_STATES: readonly ConsentState[] = ["NONE", "REQUESTED", "CONFIRMED", "REVOKED", "REDACTED"];
const CONSENT_STRENGTH: Record<ConsentState, number> = { NONE: 0, REQUESTED: 1, CONFIRMED: 2, REVOKED: -1, REDACTED: -1 };

function asConsentState(state: string): ConsentState {
  // An unknown state must never grant more than no consent at all.
  return (CONSENT_STATES as readonly string[]).includes(state) ? (state as ConsentState) : "NONE";
}

/**
 * A phone and a WhatsApp user id may sit on two consent rows for the same person (DESIGN.md §3). A revocation
 * on either wins; otherwise the stronger consent counts.
 */
export function combineConsentStates(states: ConsentState[]): ConsentState | null {
  if (states.length === 0) return null;
  const blocked = states.find((s) => s === "REDACTED") ?? states.find((s) => s === "REVOKED");
  if (blocked) return blocked;
  return states.reduce((a, b) => (CONSENT_STRENGTH[b] > CONSENT_STRENGTH[a] ? b : a));
}

/**
 * The same recipient in earlier messages of this shop. The phone is preferred because (shop, to, sentAt)
 * is indexed; a username-only recipient is matched by its user id.
 */
function sameRecipient(message: FactsMessage): Prisma.MessageWhereInput | null {
  if (message.to !== null) return { shop: message.shop, to: message.to };
  if (message.waUserId !== null) return { shop: message.shop, waUserId: message.waUserId };
  return null;
}

export async function loadSendFacts(
  db: DbTx,
  message: FactsMessage,
  policy: Pick<OutboxPolicy, "after131049Ms" | "marketingCapWindowMs">,
  /** The send time: a cart reminder whose step-1 time has come gets its checkout decided here if nobody did yet. */
  now: Date,
): Promise<SendFacts> {
  // The same shape fits Consent and InboundMessage: both name a recipient by phone and/or WhatsApp user id.
  const identifiers: (Prisma.ConsentWhereInput & Prisma.InboundMessageWhereInput)[] = [];
  if (message.to !== null) identifiers.push({ phone: message.to });
  if (message.waUserId !== null) identifiers.push({ waUserId: message.waUserId });
  const recipient = sameRecipient(message);

  const isCartReminder = message.flow === CART_RECOVERY_FLOW && !!message.checkoutToken;
  // First and on its own: it may write (the step-1 decision) in a transaction of its own.
  const cartRecovery = isCartReminder ? await loadCartRecoveryFacts(db, message.shop, message.checkoutToken!, now) : undefined;
  const [consents, order, checkout, shop, lastSent, limited, marketingSentInWindow, template, lastInbound] = await Promise.all([
    identifiers.length === 0
      ? Promise.resolve([])
      : db.consent.findMany({ where: { shop: message.shop, OR: identifiers }, select: { state: true } }),
    message.orderId === null
      ? Promise.resolve(null)
      : db.order.findFirst({ where: { shop: message.shop, id: message.orderId }, select: { cancelledAt: true, addressCountry: true } }),
    message.checkoutToken
      ? db.checkout.findUnique({ where: { shop_token: { shop: message.shop, token: message.checkoutToken } }, select: { addressCountry: true } })
      : Promise.resolve(null),
    db.shop.findUnique({ where: { domain: message.shop }, select: { settings: true, timezone: true } }),
    recipient === null
      ? Promise.resolve(null)
      : db.message.findFirst({
          where: { ...recipient, id: { not: message.id }, sentAt: { not: null } },
          orderBy: { sentAt: "desc" },
          select: { sentAt: true },
        }),
    recipient === null
      ? Promise.resolve([])
      : db.message.findMany({
          where: { ...recipient, id: { not: message.id }, errorCode: 131049 },
          select: { sendAfter: true, failedAt: true },
        }),
    // Only the cap's flows need it. Indexed by (shop, to, sentAt) or (shop, waUserId, sentAt): a range over one recipient's sends.
    recipient === null || !flowSendPolicy(message.flow ?? "").frequencyCapped
      ? Promise.resolve(0)
      : db.message.count({
          where: { ...recipient, id: { not: message.id }, sentAt: { gt: new Date(now.getTime() - policy.marketingCapWindowMs), lte: now }, flow: { in: [...CAPPED_FLOWS] } },
        }),
    message.template && message.language ? loadTemplateApproval(db, message.shop, message.template, message.language) : Promise.resolve(undefined),
    // Free-form text only: the shopper's last message to this shop (the Inbox's record, indexed by phone and time).
    message.text == null || identifiers.length === 0
      ? Promise.resolve(null)
      : db.inboundMessage.findFirst({ where: { shop: message.shop, OR: identifiers }, orderBy: { at: "desc" }, select: { at: true } }),
  ]);

  // A failed message blocks from its failure; one retried after 131049 was moved 24 h on (sendAfter), and any
  // later deferral only moves it further, whatever became of it since.
  let marketingBlockedUntil: Date | null = null;
  for (const row of limited) {
    const until = row.failedAt ? new Date(row.failedAt.getTime() + policy.after131049Ms) : row.sendAfter;
    if (!marketingBlockedUntil || until > marketingBlockedUntil) marketingBlockedUntil = until;
  }

  // Only the keys the gate reads are parsed (a shop's stored settings also carry its synced template list).
  const stored = parseStoredJson(shop?.settings);
  const settings = effectiveSettings(Object.fromEntries(GATE_SETTINGS.filter((key) => key in stored).map((key) => [key, stored[key]])));
  return {
    consent: combineConsentStates(consents.map((c) => asConsentState(c.state))),
    orderCancelled: order === null ? null : order.cancelledAt !== null,
    lastSentToRecipientAt: lastSent?.sentAt ?? null,
    marketingBlockedUntil,
    ...(isCartReminder ? { cartRecovery } : {}),
    ...(template && template.state !== "not_synced" ? { template } : {}),
    settings: {
      flowEnabled: message.flow !== undefined && isSettingsFlow(message.flow) ? settings.flows[message.flow].enabled : true,
      quietHours: settings.quietHours,
      marketingCap: settings.marketingCapPer7Days,
    },
    recipientZone: recipientZone({
      addressCountry: order?.addressCountry ?? checkout?.addressCountry ?? null,
      phone: message.to,
      shopTimeZone: shop?.timezone ?? "Europe/Berlin",
    }),
    marketingSentInWindow,
    lastInboundAt: lastInbound?.at ?? null,
  };
}
