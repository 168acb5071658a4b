// "Where is my order?" (WISMO) and the polite fallback: a shopper's own text inside the 24-hour customer service
// window gets a free-form answer. Only the sender's own orders (matched by their phone) are ever described.
import { createHash } from "node:crypto";
import { FREE_FORM_REPLIES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import { NOT_SHIPPING } from "./shipping-update";
import type { MessagePlan } from "./types";

export interface OrderQuestion {
  /** The order number the shopper named ("#1001", "Bestellung 1001"), digits only; null when none. */
  orderNumber: string | null;
  /** The language of the phrase that matched; null when only a number was given. */
  language: TemplateLanguage | null;
}

function fold(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .replace(/[’']/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

// Phrases after fold(): umlauts spelled out, lower case, apostrophes dropped.
const GERMAN = [
  /\bwo (ist|bleibt) (meine|mein|die|das) (bestellung|paket|lieferung|sendung)/,
  /\bwann (kommt|kommen|erhalte|bekomme) (ich )?(meine|mein|die|das)? ?(bestellung|paket|lieferung|sendung)/,
  /\bbestell(ungs)?status\b/,
  /\bstatus (meiner|der) bestellung/,
  /\bsendungs(verfolgung|nummer)/,
  /\btracking ?(link|nummer)\b/,
  /\b(meine|mein) (bestellung|paket|lieferung) (ist )?(noch )?(nicht|nie) (angekommen|da)/,
  /\bbestell(ung|nummer|nr)\.? ?#?\d{3,}/,
];
const ENGLISH = [
  /\bwheres? (is )?(my|the) (order|package|parcel|delivery|shipment)/,
  /\bwhen (will|does|do) (i get |i receive )?(my|the) (order|package|parcel|delivery)/,
  /\border status\b/,
  /\bstatus of (my|the) order/,
  /\btrack(ing)? (my |the )?(order|package|parcel|shipment|number|link)/,
  /\b(my )?(order|package|parcel) (has )?(not|never|hasnt|didnt) (arrived|come|shown up|arrive)/,
  /\border (number |no\.? |nr\.? )?#?\d{3,}/,
  /\bwismo\b/,
];

const NUMBER_AFTER_WORD = /\b(?:bestellung|bestellnummer|bestellnr|order|order number|order no|order nr)\.? ?#?(\d{3,})\b/;
const HASH_NUMBER = /#\s?(\d{3,})\b/;

/** Whether a text asks about an order, and which one; null when it does not. */
export function detectOrderQuestion(text: string): OrderQuestion | null {
  const folded = fold(text);
  const numbered = NUMBER_AFTER_WORD.exec(folded) ?? HASH_NUMBER.exec(folded);
  const orderNumber = numbered ? numbered[1] : null;
  const language: TemplateLanguage | null = GERMAN.some((p) => p.test(folded)) ? "de" : ENGLISH.some((p) => p.test(folded)) ? "en" : null;
  if (language === null && orderNumber === null) return null;
  return { orderNumber, language };
}

export interface WismoFulfillment {
  status: string;
  shipmentStatus: string | null;
  trackingCompany: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  sourceUpdatedAt: Date;
}

export interface WismoOrder {
  id: string;
  shop: string;
  name: string;
  locale: string | null;
  cancelled: boolean;
  orderStatusUrl: string | null;
  customerKey: string | null;
  createdAt: Date;
  fulfillments: WismoFulfillment[];
}

const CARRIER_FALLBACK: Record<TemplateLanguage, string> = { de: "dem Versanddienstleister", en: "the carrier" };
const digitsOf = (value: string) => value.replace(/\D/g, "");

/**
 * The order the question is about, among the sender's own orders: the one with the named number, else the
 * newest. A number that is not one of theirs finds nothing — another customer's order is never described.
 */
export function chooseOrder(question: OrderQuestion, ownOrders: readonly WismoOrder[]): WismoOrder | null {
  if (question.orderNumber !== null) return ownOrders.find((o) => digitsOf(o.name) === question.orderNumber) ?? null;
  return [...ownOrders].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0] ?? null;
}

const fill = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

/** The latest state of an order in one or two sentences, with the tracking (or order status) link. */
export function describeOrder(order: WismoOrder, language: TemplateLanguage): string {
  const t = FREE_FORM_REPLIES[language];
  const shipped = order.fulfillments
    .filter((f) => !NOT_SHIPPING.has(f.status))
    .sort((a, b) => b.sourceUpdatedAt.getTime() - a.sourceUpdatedAt.getTime());
  const latest = shipped[0];
  let status: string;
  let link: string | null = null;
  if (order.cancelled) status = t.cancelled;
  else if (!latest) status = t.unfulfilled;
  else {
    const delivered = latest.shipmentStatus === "delivered";
    const values = { carrier: latest.trackingCompany?.trim() || CARRIER_FALLBACK[language], tracking: latest.trackingNumber ?? "" };
    if (latest.trackingNumber) status = fill(delivered ? t.delivered : t.shipped, values);
    else status = delivered ? t.deliveredNoTracking : t.shippedNoTracking;
    link = latest.trackingUrl ? fill(t.trackingLink, { url: latest.trackingUrl }) : null;
  }
  if (link === null && order.orderStatusUrl && !order.cancelled) link = fill(t.orderLink, { url: order.orderStatusUrl });
  return [fill(t.orderStatus, { order: order.name, status }), link].filter(Boolean).join("\n");
}

export interface InboundSender {
  /** The inbound wamid: one answer per shopper message, however often Meta redelivers it. */
  waMessageId: string;
  phone: string | null;
  waUserId: string | null;
}

export interface WismoInput {
  sender: InboundSender;
  question: OrderQuestion;
  ownOrders: readonly WismoOrder[];
  /** The shop the answer comes from when no order is found (the sender's latest contact). */
  fallbackShop: { domain: string; locale: string } | null;
  shopLocales: Readonly<Record<string, string>>;
  /** The locale of the sender's consent record in each shop that has one (checkout or signup language). */
  consentLocales: Readonly<Record<string, string | null>>;
}

export interface WismoDecision {
  shop: string;
  plan: MessagePlan;
  order: WismoOrder | null;
}

function freeForm(flow: "wismo" | "auto_reply", dedupeKey: string, sender: InboundSender, customerKey: string | null, language: TemplateLanguage, text: string, now: Date, orderId?: string): MessagePlan {
  return {
    flow,
    dedupeKey,
    to: sender.phone,
    waUserId: sender.waUserId,
    customerKey,
    // Answers to the shopper's own message: utility-grade, exempt from quiet hours (outbox/policy.ts).
    category: "UTILITY",
    template: "",
    text,
    language,
    components: [],
    orderId,
    sendAfter: now,
  };
}

/** The answer to an order question; null when no shop can answer (the sender is unknown everywhere). */
export function planWismoAnswer(input: WismoInput, now: Date): WismoDecision | null {
  const { sender, question } = input;
  const order = chooseOrder(question, input.ownOrders);
  const shop = order?.shop ?? input.fallbackShop?.domain ?? null;
  if (shop === null) return null;
  // The language the shopper wrote in; else the one rule: their order's (or consent's) locale, else the shop's.
  const language = question.language ?? templateLanguage(order?.locale ?? input.consentLocales[shop], input.shopLocales[shop] ?? input.fallbackShop?.locale);
  const t = FREE_FORM_REPLIES[language];
  const text = order
    ? describeOrder(order, language)
    : question.orderNumber !== null
      ? fill(t.unknownNumber, { number: question.orderNumber })
      : t.noOrder;
  return {
    shop,
    order,
    plan: freeForm("wismo", `wismo:${sender.waMessageId}`, sender, order?.customerKey ?? null, language, text, now, order?.id),
  };
}

/** A stable, non-reversible name for a recipient in a dedupeKey (the key is shown in the admin). */
function recipientDigest(sender: Pick<InboundSender, "phone" | "waUserId">): string {
  return createHash("sha256").update(sender.phone ?? sender.waUserId ?? "").digest("hex").slice(0, 16);
}

/**
 * "We'll get back to you": one per recipient, shop and UTC day — the dedupeKey makes the second one a no-op.
 * `locale`: the recipient's latest order's, else their consent's.
 */
export function planAutoReply(sender: InboundSender, customerKey: string | null, locales: { locale: string | null; shopLocale: string | null }, now: Date): MessagePlan {
  const day = now.toISOString().slice(0, 10);
  const language = templateLanguage(locales.locale, locales.shopLocale);
  return freeForm("auto_reply", `auto_reply:${recipientDigest(sender)}:${day}`, sender, customerKey, language, FREE_FORM_REPLIES[language].fallback, now);
}
