// Win-back and loyalty (DESIGN.md §5): pure planners from a customer's order history to the message that should
// exist. The discount code is not part of the plan: it is created right before the send (retention/prepare-send.ts).
import { TEMPLATE_NAMES, templateLanguage } from "../templates/catalogue";
import { cleanParameter } from "./cart-recovery";
import { bodyText, type MessagePlan } from "./types";

const DAY = 86_400_000;
const GREETING_FALLBACK = { de: "zusammen", en: "there" } as const;

export interface CustomerHistory {
  customerKey: string;
  phone: string | null;
  firstName: string | null;
  /** The customer record's locale (their latest order's, or Shopify's customer record's from the history import). */
  locale: string | null;
  /** Non-cancelled, non-test orders, oldest first: Shopify id, creation time and the order's customer_locale. */
  orders: { shopifyOrderId: string; createdAt: Date; locale?: string | null }[];
}

/** The locale a retention message is written for: the customer's latest order that has one, else their record's. */
export function customerLocale(customer: Pick<CustomerHistory, "locale" | "orders">): string | null {
  for (let i = customer.orders.length - 1; i >= 0; i -= 1) {
    const locale = customer.orders[i].locale;
    if (locale) return locale;
  }
  return customer.locale;
}

export type RetentionDecision = { plan: MessagePlan } | { plan: null; reason: string };

const nameOf = (c: Pick<CustomerHistory, "firstName">, language: "de" | "en") => (c.firstName?.trim() ? cleanParameter(c.firstName, 40) : GREETING_FALLBACK[language]);

/** Win-back body {{1}}–{{2}}: name, shop ({{3}}–{{5}} are the code's, offerParameters, at send time). */
export function winBackParameters(customer: Pick<CustomerHistory, "firstName">, shopName: string, language: "de" | "en"): string[] {
  return [nameOf(customer, language), cleanParameter(shopName, 40)];
}

/** Loyalty body {{1}}–{{2}}: name, the k of the k-th order ({{3}}–{{5}} as for win-back). */
export function loyaltyParameters(customer: Pick<CustomerHistory, "firstName">, orderCount: number, language: "de" | "en"): string[] {
  return [nameOf(customer, language), String(orderCount)];
}

export function winBackDedupeKey(customerKey: string, onlyOrderId: string): string {
  return `win_back:${customerKey}:${onlyOrderId}`;
}

/**
 * Win-back: a one-time buyer (exactly one non-cancelled, non-test order) whose order is at least `days` old gets
 * one offer. The key names the customer and that one order, so it is planned once per order history.
 */
/** `shop.url`: where the message's button leads (the storefront). */
export function planWinBack(customer: CustomerHistory, settings: { days: number }, shop: { locale: string; name: string; url: string }, now: Date): RetentionDecision {
  if (customer.orders.length !== 1) return { plan: null, reason: customer.orders.length === 0 ? "no_orders" : "not_a_one_time_buyer" };
  const [order] = customer.orders;
  const dueAt = new Date(order.createdAt.getTime() + settings.days * DAY);
  if (dueAt > now) return { plan: null, reason: "not_due" };
  if (!customer.phone) return { plan: null, reason: "no_phone" };
  const language = templateLanguage(customerLocale(customer), shop.locale);
  return {
    plan: {
      flow: "win_back",
      dedupeKey: winBackDedupeKey(customer.customerKey, order.shopifyOrderId),
      to: customer.phone,
      customerKey: customer.customerKey,
      category: "MARKETING",
      template: TEMPLATE_NAMES.winBack,
      language,
      components: [bodyText(...winBackParameters(customer, shop.name, language))],
      linkUrl: shop.url,
      sendAfter: now,
    },
  };
}

export function loyaltyDedupeKey(customerKey: string, orderCount: number): string {
  return `loyalty:${customerKey}:${orderCount}`;
}

/** Loyalty: the thank-you after exactly the k-th order (a later order plans nothing; the key makes it once). */
export function planLoyalty(customer: CustomerHistory, settings: { orderCount: number }, shop: { locale: string; url: string }, now: Date): RetentionDecision {
  if (customer.orders.length !== settings.orderCount) return { plan: null, reason: "not_the_kth_order" };
  const language = templateLanguage(customerLocale(customer), shop.locale);
  return {
    plan: {
      flow: "loyalty",
      dedupeKey: loyaltyDedupeKey(customer.customerKey, settings.orderCount),
      to: customer.phone,
      customerKey: customer.customerKey,
      category: "MARKETING",
      template: TEMPLATE_NAMES.loyaltyThanks,
      language,
      components: [bodyText(...loyaltyParameters(customer, settings.orderCount, language))],
      linkUrl: shop.url,
      sendAfter: now,
      ...(customer.phone ? {} : { skipReason: "no_phone" }),
    },
  };
}

/** The storefront of a shop domain (a myshopify domain redirects to the shop's primary domain). */
export function storefrontUrl(shopDomain: string): string {
  return `https://${shopDomain}/`;
}

/** Lifetime value: the sum of the non-cancelled, non-test orders' totals (decimal strings), in cents. */
export function lifetimeValueCents(totals: string[]): number {
  return totals.reduce((sum, t) => sum + Math.round(Number(t) * 100 || 0), 0);
}

/** A customer above the threshold is tagged, once; without a Shopify customer id there is nobody to tag. */
export function shouldTagVip(lifetimeCents: number, thresholdAmount: number | null, shopifyCustomerId: string | null): boolean {
  return thresholdAmount !== null && shopifyCustomerId !== null && lifetimeCents > Math.round(thresholdAmount * 100);
}

/** The code's parameters appended to the planned body ({{3}} code, {{4}} percent, {{5}} last day in the shop's zone). */
export function offerParameters(discount: { code: string; percent: number; endsAt: Date }, language: "de" | "en", timeZone: string): string[] {
  const lastDay = new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-US", {
    timeZone,
    ...(language === "de" ? { day: "2-digit", month: "2-digit", year: "numeric" } : { month: "long", day: "numeric", year: "numeric" }),
  } as Intl.DateTimeFormatOptions).format(discount.endsAt);
  return [discount.code, String(discount.percent), lastDay];
}
