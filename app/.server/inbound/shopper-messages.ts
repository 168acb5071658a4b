// A shopper's WhatsApp messages after consent/inbound.ts has applied the consent keywords: each one is routed
// (automations/inbound-route.ts), acted on and recorded for the merchant's Inbox, in one transaction per
// message. The InboundMessage row's unique wamid makes a redelivered webhook a no-op.
import type { Prisma } from "@prisma/client";
import type { Clock } from "../clock";
import { isUniqueViolation, retryOnContention, type Db, type DbTx } from "../db";
import { routeInbound, type InboundRoute } from "../automations/inbound-route";
import { planAutoReply, planWismoAnswer, type InboundSender, type OrderQuestion, type WismoOrder } from "../automations/wismo";
import type { FeedbackAnswer } from "../automations/feedback";
import type { MessagePlan } from "../automations/types";
import { classifyMessage } from "../consent/inbound";
import { customerKey } from "../identity";
import { enqueuePlans } from "../ingest/enqueue";
import type { InboundMessage } from "../whatsapp/types";
import type { ShopFilter } from "./shop-scope";

export type InboundHandling = InboundRoute["kind"] | "unassigned" | "too_late";

export interface ShopperMessageCounts {
  recorded: number;
  duplicate: number;
  consent: number;
  feedback: number;
  wismo: number;
  fallback: number;
  unsupported: number;
  /** No shop knows the sender: recorded without a shop, not answered. */
  unassigned: number;
  /** An order question or other text that arrived after the 24-hour window: recorded, not answered. */
  too_late: number;
  /** Answers planned into the outbox. */
  planned: number;
}

export function emptyShopperMessageCounts(): ShopperMessageCounts {
  return { recorded: 0, duplicate: 0, consent: 0, feedback: 0, wismo: 0, fallback: 0, unsupported: 0, unassigned: 0, too_late: 0, planned: 0 };
}

/** WhatsApp's customer service window: free-form replies only within 24 hours of the shopper's message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3_600_000;
/** A feedback answer counts for a request sent within this long. */
export const FEEDBACK_ANSWER_WINDOW_MS = 14 * 86_400_000;
const MAX_ORDERS_LOOKED_AT = 20;

const phoneOf = (waId: string) => (waId.replace(/\D/g, "") === "" ? null : `+${waId.replace(/\D/g, "")}`);

function recipientWhere(sender: InboundSender): Prisma.MessageWhereInput[] {
  return [...(sender.phone ? [{ to: sender.phone }] : []), ...(sender.waUserId ? [{ waUserId: sender.waUserId }] : [])];
}

/** `shops`: the shops of the number the messages reached (shop-scope.ts); nothing outside them is read or written. */
export async function handleShopperMessages(deps: { db: Db; clock: Clock }, messages: InboundMessage[], shops: ShopFilter): Promise<ShopperMessageCounts> {
  const counts = emptyShopperMessageCounts();
  for (const message of messages) {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await retryOnContention(() => deps.db.$transaction((tx) => handleOne(tx, message, shops, deps.clock.now()), { maxWait: 10_000, timeout: 30_000 }));
        if (outcome === "duplicate") counts.duplicate += 1;
        else {
          counts.recorded += 1;
          counts[outcome.handledAs] += 1;
          counts.planned += outcome.planned;
        }
        break;
      } catch (error) {
        // The same message delivered twice at once: the loser sees the winner's row on its retry.
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }
  return counts;
}

interface Handled {
  shop: string | null;
  handledAs: InboundHandling;
  reason: string;
  replyMessageId?: string | null;
  planned: number;
}

async function handleOne(tx: DbTx, message: InboundMessage, shops: ShopFilter, now: Date): Promise<"duplicate" | Handled> {
  if (await tx.inboundMessage.findUnique({ where: { waMessageId: message.waMessageId }, select: { id: true } })) return "duplicate";
  const sender: InboundSender = { waMessageId: message.waMessageId, phone: phoneOf(message.from), waUserId: message.userId ?? null };
  const consent = classifyMessage(message);
  const awaited = consent.action === null ? await awaitedFeedback(tx, message, sender, shops) : null;
  const route = routeInbound(message, { consentMatched: consent.action !== null ? (consent.matched ?? consent.action) : null, feedbackAwaited: awaited !== null });

  // Meta redelivers webhooks for up to 7 days; free-form text is only accepted within 24 h of the shopper's message.
  const windowClosed = now.getTime() - message.timestamp.getTime() >= CUSTOMER_SERVICE_WINDOW_MS;
  let handled: Handled;
  switch (route.kind) {
    case "consent":
      handled = { shop: await latestContactShop(tx, sender, shops), handledAs: "consent", reason: `consent keyword (${route.matched}); applied to the consent log`, planned: 0 };
      break;
    case "feedback":
      handled = await storeFeedback(tx, message, awaited!, route.answer);
      break;
    case "wismo":
      handled = windowClosed ? await tooLate(tx, sender, shops, message, now) : await answerOrderQuestion(tx, sender, shops, route.question, now);
      break;
    case "fallback":
      handled = windowClosed ? await tooLate(tx, sender, shops, message, now) : await autoReply(tx, sender, shops, now);
      break;
    case "unsupported":
      handled = { shop: await latestContactShop(tx, sender, shops), handledAs: "unsupported", reason: `not answered: ${route.reason}`, planned: 0 };
      break;
  }
  await tx.inboundMessage.create({
    data: {
      shop: handled.shop,
      waMessageId: message.waMessageId,
      phone: sender.phone,
      waUserId: sender.waUserId,
      type: message.type,
      text: message.text ?? message.buttonText ?? null,
      handledAs: handled.handledAs,
      reason: handled.reason,
      replyMessageId: handled.replyMessageId ?? null,
      at: message.timestamp,
      receivedAt: now,
    },
  });
  return handled;
}

type FeedbackRequest = { id: string; shop: string; orderId: string | null; customerKey: string | null };

/** The feedback request this message may answer: the one a tap refers to, else the latest unanswered one sent. */
async function awaitedFeedback(tx: DbTx, message: InboundMessage, sender: InboundSender, shops: ShopFilter): Promise<FeedbackRequest | null> {
  const select = { id: true, shop: true, orderId: true, customerKey: true } as const;
  let request: FeedbackRequest | null = null;
  if (message.contextWaMessageId) {
    request = await tx.message.findFirst({ where: { shop: shops, waMessageId: message.contextWaMessageId, flow: "feedback" }, select });
  } else if (recipientWhere(sender).length > 0) {
    request = await tx.message.findFirst({
      // Sent before the shopper wrote (a late-delivered message cannot answer a later question), and recently.
      where: { shop: shops, OR: recipientWhere(sender), flow: "feedback", sentAt: { not: null, lte: message.timestamp, gte: new Date(message.timestamp.getTime() - FEEDBACK_ANSWER_WINDOW_MS) } },
      orderBy: { sentAt: "desc" },
      select,
    });
  }
  if (request === null) return null;
  const answered = await tx.feedbackResponse.findFirst({ where: { shop: request.shop, messageId: request.id }, select: { id: true } });
  return answered ? null : request;
}

async function storeFeedback(tx: DbTx, message: InboundMessage, request: FeedbackRequest, answer: FeedbackAnswer): Promise<Handled> {
  await tx.feedbackResponse.create({
    data: {
      shop: request.shop,
      messageId: request.id,
      orderId: request.orderId,
      customerKey: request.customerKey,
      score: answer.score,
      comment: answer.comment,
      waMessageId: message.waMessageId,
      receivedAt: message.timestamp,
    },
  });
  return { shop: request.shop, handledAs: "feedback", reason: `feedback score ${answer.score} stored${answer.comment ? " with a comment" : ""}`, planned: 0 };
}

/** The shop a message without context most likely belongs to: our latest message to the sender, else their latest order, else their consent. */
async function latestContactShop(tx: DbTx, sender: InboundSender, shops: ShopFilter): Promise<string | null> {
  const who = recipientWhere(sender);
  if (who.length === 0) return null;
  const message = await tx.message.findFirst({ where: { shop: shops, OR: who }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { shop: true } });
  if (message) return message.shop;
  const order = sender.phone ? await tx.order.findFirst({ where: { shop: shops, phone: sender.phone }, orderBy: { createdAt: "desc" }, select: { shop: true } }) : null;
  if (order) return order.shop;
  const consent = await tx.consent.findFirst({ where: { shop: shops, OR: consentWhere(sender) }, orderBy: { updatedAt: "desc" }, select: { shop: true } });
  return consent?.shop ?? null;
}

/** The sender's consent rows: by phone and by WhatsApp user id. */
function consentWhere(sender: InboundSender): ({ phone: string } | { waUserId: string })[] {
  return [...(sender.phone ? [{ phone: sender.phone }] : []), ...(sender.waUserId ? [{ waUserId: sender.waUserId }] : [])];
}

/** The sender's own orders (by phone), newest first, with their fulfillments. */
async function ownOrders(tx: DbTx, phone: string | null, shops: ShopFilter): Promise<WismoOrder[]> {
  if (phone === null) return [];
  const orders = await tx.order.findMany({ where: { shop: shops, phone }, orderBy: { createdAt: "desc" }, take: MAX_ORDERS_LOOKED_AT });
  if (orders.length === 0) return [];
  const fulfillments = await tx.fulfillment.findMany({ where: { orderId: { in: orders.map((o) => o.id) } } });
  return orders.map((o) => ({
    id: o.id,
    shop: o.shop,
    name: o.name,
    locale: o.locale,
    cancelled: o.cancelledAt !== null,
    orderStatusUrl: o.orderStatusUrl,
    customerKey: o.customerKey,
    createdAt: o.createdAt,
    fulfillments: fulfillments.filter((f) => f.orderId === o.id),
  }));
}

async function shopLocales(tx: DbTx, shops: string[]): Promise<Record<string, string>> {
  const rows = await tx.shop.findMany({ where: { domain: { in: [...new Set(shops)] } }, select: { domain: true, locale: true } });
  return Object.fromEntries(rows.map((r) => [r.domain, r.locale]));
}

/** Enqueues one answer and says what became of it (planned, off, or already sent today). */
async function enqueueAnswer(tx: DbTx, shop: string, plan: MessagePlan, now: Date): Promise<{ planned: number; replyMessageId: string | null; outcome: string }> {
  const planned = await enqueuePlans(tx, shop, [plan], now);
  const row = await tx.message.findUnique({ where: { shop_dedupeKey: { shop, dedupeKey: plan.dedupeKey } }, select: { id: true, status: true, statusReason: true } });
  if (planned === 0) return { planned, replyMessageId: null, outcome: "already answered" };
  if (row?.status === "SKIPPED") return { planned, replyMessageId: row.id, outcome: `not answered (${row.statusReason ?? "skipped"})` };
  return { planned, replyMessageId: row?.id ?? null, outcome: "answer planned" };
}

async function answerOrderQuestion(tx: DbTx, sender: InboundSender, shops: ShopFilter, question: OrderQuestion, now: Date): Promise<Handled> {
  const orders = await ownOrders(tx, sender.phone, shops);
  const contactShop = await latestContactShop(tx, sender, shops);
  const candidates = [...orders.map((o) => o.shop), ...(contactShop ? [contactShop] : [])];
  const [locales, consents] = await Promise.all([
    shopLocales(tx, candidates),
    consentWhere(sender).length === 0 ? [] : tx.consent.findMany({ where: { shop: { in: candidates }, OR: consentWhere(sender) }, select: { shop: true, locale: true } }),
  ]);
  const consentLocales = Object.fromEntries(consents.filter((c) => c.locale !== null).map((c) => [c.shop, c.locale]));
  const decision = planWismoAnswer(
    { sender, question, ownOrders: orders, fallbackShop: contactShop ? { domain: contactShop, locale: locales[contactShop] ?? "de" } : null, shopLocales: locales, consentLocales },
    now,
  );
  if (decision === null) return { shop: null, handledAs: "unassigned", reason: "asked about an order, but no shop knows this sender; not answered", planned: 0 };
  const answer = await enqueueAnswer(tx, decision.shop, decision.plan, now);
  const about = decision.order ? `order ${decision.order.name}` : question.orderNumber ? "an order number that is not theirs or unknown" : "an order, but none is known for this number";
  return { shop: decision.shop, handledAs: "wismo", reason: `asked about ${about}; ${answer.outcome}`, replyMessageId: answer.replyMessageId, planned: answer.planned };
}

async function tooLate(tx: DbTx, sender: InboundSender, shops: ShopFilter, message: InboundMessage, now: Date): Promise<Handled> {
  const hours = Math.floor((now.getTime() - message.timestamp.getTime()) / 3_600_000);
  const reason = `not answered: the message reached Momento ${hours} h after it was written, when WhatsApp's 24-hour reply window had closed`;
  return { shop: await latestContactShop(tx, sender, shops), handledAs: "too_late", reason, planned: 0 };
}

async function autoReply(tx: DbTx, sender: InboundSender, shops: ShopFilter, now: Date): Promise<Handled> {
  const shop = await latestContactShop(tx, sender, shops);
  if (shop === null) return { shop: null, handledAs: "unassigned", reason: "no shop knows this sender; not answered", planned: 0 };
  const [shopRow, order, consent] = await Promise.all([
    tx.shop.findUnique({ where: { domain: shop }, select: { locale: true } }),
    sender.phone ? tx.order.findFirst({ where: { shop, phone: sender.phone }, orderBy: { createdAt: "desc" }, select: { locale: true, customerKey: true } }) : null,
    tx.consent.findFirst({ where: { shop, OR: consentWhere(sender) }, select: { locale: true } }),
  ]);
  const plan = planAutoReply(sender, order?.customerKey ?? customerKey({ phone: sender.phone }), { locale: order?.locale ?? consent?.locale ?? null, shopLocale: shopRow?.locale ?? null }, now);
  const answer = await enqueueAnswer(tx, shop, plan, now);
  const outcome = answer.outcome === "already answered" ? "the automatic reply went out today already" : answer.outcome;
  return { shop, handledAs: "fallback", reason: `a message for the team; ${outcome}`, replyMessageId: answer.replyMessageId, planned: answer.planned };
}
