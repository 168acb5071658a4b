// Loads what the send-time gate needs to know about one message, just before it is sent.
import type { Message, Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import { loadCartRecoveryFacts } from "../cart-recovery/send-facts";
import { FLOW_IDS, type FlowId } from "../settings/schema";
import { effectiveSettings, parseStoredJson, timeZoneOf } from "../settings/store";
import { loadTemplateApproval, templateApproval, type TemplateApproval } from "../templates/whatsapp-templates";
import { CART_RECOVERY_FLOW, type CartRecoveryFacts, type ConsentState, type SendFacts } from "./gate";
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

  return assembleSendFacts(message, policy, {
    consents: consents.map((c) => c.state), order, checkout, shop, lastSentAt: lastSent?.sentAt ?? null, limited,
    marketingSentInWindow, template, lastInboundAt: lastInbound?.at ?? null, cartRecovery: isCartReminder ? { value: cartRecovery ?? null } : null,
  });
}

/** What the queries found for one message, before it is turned into the gate's facts. */
interface LoadedFacts {
  consents: string[];
  order: { cancelledAt: Date | null; addressCountry: string | null } | null;
  checkout: { addressCountry: string | null } | null;
  shop: { settings: string | null; timezone: string | null } | null;
  lastSentAt: Date | null;
  limited: { sendAfter: Date; failedAt: Date | null }[];
  marketingSentInWindow: number;
  template: TemplateApproval | undefined;
  lastInboundAt: Date | null;
  /** Cart reminders only. */
  cartRecovery: { value: CartRecoveryFacts | null } | null;
}

function assembleSendFacts(message: FactsMessage, policy: Pick<OutboxPolicy, "after131049Ms">, loaded: LoadedFacts): SendFacts {
  const { order, checkout, shop, limited, template } = loaded;
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
    consent: combineConsentStates(loaded.consents.map(asConsentState)),
    orderCancelled: order === null ? null : order.cancelledAt !== null,
    lastSentToRecipientAt: loaded.lastSentAt,
    marketingBlockedUntil,
    ...(loaded.cartRecovery ? { cartRecovery: loaded.cartRecovery.value } : {}),
    ...(template && template.state !== "not_synced" ? { template } : {}),
    settings: {
      flowEnabled: message.flow !== undefined && isSettingsFlow(message.flow) ? settings.flows[message.flow].enabled : true,
      quietHours: settings.quietHours,
      marketingCap: settings.marketingCapPer7Days,
    },
    recipientZone: recipientZone({
      addressCountry: order?.addressCountry ?? checkout?.addressCountry ?? null,
      phone: message.to,
      shopTimeZone: timeZoneOf(shop),
    }),
    marketingSentInWindow: loaded.marketingSentInWindow,
    lastInboundAt: loaded.lastInboundAt,
    flowTemplate: message.flow !== undefined && isSettingsFlow(message.flow) ? settings.flows[message.flow].template : null,
  };
}

/** Whether loadSendFactsForBatch can load a message's facts; the others need loadSendFacts of their own. */
export function batchableForFacts(message: FactsMessage): boolean {
  // Cart reminders may decide their checkout (a write) and re-check relevance; free-form text reads the inbox.
  const isCartReminder = message.flow === CART_RECOVERY_FLOW && !!message.checkoutToken;
  return !isCartReminder && message.text == null;
}

/**
 * loadSendFacts for many messages to different recipients at once, in a fixed number of set-based queries instead
 * of several per message. Only for messages batchableForFacts accepts, and at most one per recipient: the facts of
 * a recipient's second message depend on whether the first one is sent.
 */
export async function loadSendFactsForBatch(
  db: DbTx,
  messages: (FactsMessage & Pick<Message, "flow">)[],
  policy: Pick<OutboxPolicy, "after131049Ms" | "marketingCapWindowMs">,
  now: Date,
): Promise<Map<string, SendFacts>> {
  const result = new Map<string, SendFacts>();
  if (messages.length === 0) return result;
  const unique = <T>(values: (T | null | undefined)[]): T[] => [...new Set(values.filter((v): v is T => v !== null && v !== undefined))];
  const ids = messages.map((m) => m.id);
  const shops = unique(messages.map((m) => m.shop));
  const phones = unique(messages.map((m) => m.to));
  const waUserIds = unique(messages.map((m) => m.waUserId));
  const orderIds = unique(messages.map((m) => m.orderId));
  const checkoutTokens = unique(messages.map((m) => m.checkoutToken));
  const templateNames = unique(messages.map((m) => (m.template && m.language ? m.template : null)));
  const languages = unique(messages.map((m) => (m.template && m.language ? m.language : null)));
  const byPhoneOnly = unique(messages.map((m) => (m.to === null ? m.waUserId : null)));
  const cappedPhones = unique(messages.map((m) => (flowSendPolicy(m.flow).frequencyCapped ? m.to : null)));
  const cappedWaUserIds = unique(messages.map((m) => (flowSendPolicy(m.flow).frequencyCapped && m.to === null ? m.waUserId : null)));
  const identifiers: (Prisma.ConsentWhereInput & Prisma.MessageWhereInput)[] = [];
  if (phones.length > 0) identifiers.push({ to: { in: phones } });
  if (waUserIds.length > 0) identifiers.push({ waUserId: { in: waUserIds } });
  const consentIdentifiers: Prisma.ConsentWhereInput[] = [];
  if (phones.length > 0) consentIdentifiers.push({ phone: { in: phones } });
  if (waUserIds.length > 0) consentIdentifiers.push({ waUserId: { in: waUserIds } });
  const capFrom = new Date(now.getTime() - policy.marketingCapWindowMs);
  const none = <T>(value: T) => Promise.resolve(value);

  const [consents, orders, checkouts, shopRows, lastSentByPhone, lastSentByWaUser, limited, cappedByPhone, cappedByWaUser, connections, templates] = await Promise.all([
    consentIdentifiers.length === 0
      ? none([])
      : db.consent.findMany({ where: { shop: { in: shops }, OR: consentIdentifiers }, select: { shop: true, phone: true, waUserId: true, state: true } }),
    orderIds.length === 0
      ? none([])
      : db.order.findMany({ where: { shop: { in: shops }, id: { in: orderIds } }, select: { shop: true, id: true, cancelledAt: true, addressCountry: true } }),
    checkoutTokens.length === 0
      ? none([])
      : db.checkout.findMany({ where: { shop: { in: shops }, token: { in: checkoutTokens } }, select: { shop: true, token: true, addressCountry: true } }),
    db.shop.findMany({ where: { domain: { in: shops } }, select: { domain: true, settings: true, timezone: true } }),
    phones.length === 0
      ? none([])
      : db.message.groupBy({ by: ["shop", "to"], where: { shop: { in: shops }, to: { in: phones }, id: { notIn: ids }, sentAt: { not: null } }, _max: { sentAt: true } }),
    byPhoneOnly.length === 0
      ? none([])
      : db.message.groupBy({ by: ["shop", "waUserId"], where: { shop: { in: shops }, waUserId: { in: byPhoneOnly }, id: { notIn: ids }, sentAt: { not: null } }, _max: { sentAt: true } }),
    identifiers.length === 0
      ? none([])
      : db.message.findMany({
          where: { shop: { in: shops }, OR: identifiers, id: { notIn: ids }, errorCode: 131049 },
          select: { shop: true, to: true, waUserId: true, sendAfter: true, failedAt: true },
        }),
    cappedPhones.length === 0
      ? none([])
      : db.message.groupBy({
          by: ["shop", "to"],
          where: { shop: { in: shops }, to: { in: cappedPhones }, id: { notIn: ids }, sentAt: { gt: capFrom, lte: now }, flow: { in: [...CAPPED_FLOWS] } },
          _count: { _all: true },
        }),
    cappedWaUserIds.length === 0
      ? none([])
      : db.message.groupBy({
          by: ["shop", "waUserId"],
          where: { shop: { in: shops }, waUserId: { in: cappedWaUserIds }, id: { notIn: ids }, sentAt: { gt: capFrom, lte: now }, flow: { in: [...CAPPED_FLOWS] } },
          _count: { _all: true },
        }),
    templateNames.length === 0 ? none([]) : db.whatsAppConnection.findMany({ where: { shop: { in: shops } }, select: { shop: true, templatesSyncedAt: true } }),
    templateNames.length === 0
      ? none([])
      : db.whatsAppTemplate.findMany({
          where: { shop: { in: shops }, name: { in: templateNames }, language: { in: languages } },
          select: { shop: true, name: true, language: true, status: true, rejectedReason: true, components: true },
        }),
  ]);

  const key = (...parts: (string | null)[]) => parts.join("\u0000");
  const shopOf = new Map(shopRows.map((row) => [row.domain, row]));
  const orderOf = new Map(orders.map((row) => [key(row.shop, row.id), row]));
  const checkoutOf = new Map(checkouts.map((row) => [key(row.shop, row.token), row]));
  const lastSentOf = new Map([
    ...lastSentByPhone.map((row) => [key("to", row.shop, row.to), row._max.sentAt] as const),
    ...lastSentByWaUser.map((row) => [key("wa", row.shop, row.waUserId), row._max.sentAt] as const),
  ]);
  const cappedOf = new Map([
    ...cappedByPhone.map((row) => [key("to", row.shop, row.to), row._count._all] as const),
    ...cappedByWaUser.map((row) => [key("wa", row.shop, row.waUserId), row._count._all] as const),
  ]);
  const syncedAtOf = new Map(connections.map((row) => [row.shop, row.templatesSyncedAt]));
  const templateOf = new Map(templates.map((row) => [key(row.shop, row.name, row.language), row]));

  for (const message of messages) {
    const sameShop = <T extends { shop: string }>(row: T) => row.shop === message.shop;
    const isRecipient = (row: { phone?: string | null; to?: string | null; waUserId: string | null }) =>
      (message.to !== null && (row.phone ?? row.to) === message.to) || (message.waUserId !== null && row.waUserId === message.waUserId);
    // sameRecipient(): by phone when there is one, else by WhatsApp user id.
    const recipientKey = message.to !== null ? key("to", message.shop, message.to) : message.waUserId !== null ? key("wa", message.shop, message.waUserId) : null;
    const isSameRecipient = (row: { to: string | null; waUserId: string | null }) =>
      message.to !== null ? row.to === message.to : message.waUserId !== null && row.waUserId === message.waUserId;
    const syncedAt = syncedAtOf.get(message.shop);
    let template: TemplateApproval | undefined = message.template && message.language
      ? syncedAt ? templateApproval(syncedAt, templateOf.get(key(message.shop, message.template, message.language)) ?? null) : ({ state: "not_synced" } as const)
      : undefined;
    // Not approved in this language: whether another language may stand in is the per-message loader's rare path.
    if (template?.state === "not_approved") template = await loadTemplateApproval(db, message.shop, message.template!, message.language!);
    result.set(message.id, assembleSendFacts(message, policy, {
      consents: consents.filter((row) => sameShop(row) && isRecipient(row)).map((row) => row.state),
      order: message.orderId === null ? null : orderOf.get(key(message.shop, message.orderId)) ?? null,
      checkout: message.checkoutToken ? checkoutOf.get(key(message.shop, message.checkoutToken)) ?? null : null,
      shop: shopOf.get(message.shop) ?? null,
      lastSentAt: recipientKey === null ? null : lastSentOf.get(recipientKey) ?? null,
      limited: limited.filter((row) => sameShop(row) && isSameRecipient(row)),
      marketingSentInWindow: recipientKey !== null && flowSendPolicy(message.flow).frequencyCapped ? cappedOf.get(recipientKey) ?? 0 : 0,
      template,
      lastInboundAt: null,
      cartRecovery: null,
    }));
  }
  return result;
}
