import { TEMPLATE_NAMES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import { bodyText, type MessagePlan } from "./types";

export interface OrderForConfirmation {
  /** Our Order row id. */
  id: string;
  name: string;
  totalPrice: string;
  currency: string;
  locale: string | null;
  /** E.164, or null when the order has no usable phone. */
  phone: string | null;
  /** True when the order had phone candidates but none of them parsed. */
  phoneInvalid: boolean;
  customerKey: string | null;
  firstName: string | null;
  orderStatusUrl: string | null;
  cancelled: boolean;
  /** The image of the first line item that has one (an IMAGE header shows it). */
  imageUrl?: string | null;
  /** Without an image: the first line item's variant, whose image the send path looks up (decision 011). */
  firstVariantId?: string | null;
}

const GREETING_FALLBACK: Record<TemplateLanguage, string> = { de: "zusammen", en: "there" };
const NUMBER_LOCALE: Record<TemplateLanguage, string> = { de: "de-DE", en: "en-US" };

// Building an Intl.NumberFormat costs far more than formatting with one (it showed in the ingest profile).
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: string, currency: string, language: TemplateLanguage): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  const key = `${language}:${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(NUMBER_LOCALE[language], { style: "currency", currency });
    moneyFormats.set(key, format);
  }
  return format.format(value);
}

/** Body {{1}}–{{3}}: name, order number, total (also the Automations preview's, from a stored order). */
export function orderConfirmationParameters(order: Pick<OrderForConfirmation, "firstName" | "name" | "totalPrice" | "currency">, language: TemplateLanguage): string[] {
  return [order.firstName?.trim() || GREETING_FALLBACK[language], order.name, formatMoney(order.totalPrice, order.currency, language)];
}

/** orders/create → the order confirmation (utility), at once, in the shopper's language. */
export function planOrderConfirmation(order: OrderForConfirmation, shop: { locale: string }, now: Date): MessagePlan[] {
  if (order.cancelled) return [];
  const language = templateLanguage(order.locale, shop.locale);
  const skipReason = order.phone ? undefined : order.phoneInvalid ? "invalid_phone" : "no_phone";
  return [
    {
      flow: "order_confirmation",
      dedupeKey: `order_confirmation:${order.id}`,
      to: order.phone,
      customerKey: order.customerKey,
      category: "UTILITY",
      template: TEMPLATE_NAMES.orderConfirmation,
      language,
      components: [bodyText(...orderConfirmationParameters(order, language))],
      media: order.imageUrl ? { image: order.imageUrl } : { image: null, variantId: order.firstVariantId ?? null },
      linkUrl: order.orderStatusUrl ?? undefined,
      orderId: order.id,
      sendAfter: now,
      skipReason,
    },
  ];
}
