// Shipping update (DESIGN.md §5): a fulfillment with a tracking number → one utility template with carrier,
// tracking number and tracking link, at once. One message per (fulfillment, tracking number): a duplicate or
// out-of-order webhook plans the same dedupeKey again, which the outbox ignores.
import { TEMPLATE_NAMES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import { bodyText, type MessagePlan } from "./types";

export interface ShippingOrder {
  /** Our Order row id. */
  id: string;
  name: string;
  phone: string | null;
  locale: string | null;
  customerKey: string | null;
  firstName: string | null;
  cancelled: boolean;
}

export interface ShippingFulfillment {
  shopifyFulfillmentId: string;
  /** pending | open | success | cancelled | error | failure */
  status: string;
  trackingCompany: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
}

export interface ShippingEvent {
  order: ShippingOrder;
  fulfillment: ShippingFulfillment;
  /** The fulfillment as we knew it before this payload (null: first time seen). */
  previous: Pick<ShippingFulfillment, "trackingNumber"> | null;
  /** The payload is older than the state we hold: it changes nothing. */
  stale: boolean;
}

const GREETING_FALLBACK: Record<TemplateLanguage, string> = { de: "zusammen", en: "there" };
const CARRIER_FALLBACK: Record<TemplateLanguage, string> = { de: "dem Versanddienstleister", en: "the carrier" };
/** Fulfillment statuses under which nothing is on its way. */
export const NOT_SHIPPING: ReadonlySet<string> = new Set(["cancelled", "error", "failure"]);

export function shippingDedupeKey(shopifyFulfillmentId: string, trackingNumber: string): string {
  return `shipping_update:${shopifyFulfillmentId}:${trackingNumber}`;
}

/** Why a fulfillment event plans no shipping update, or null when it plans one. */
export function shippingUpdateBlocker(event: ShippingEvent): string | null {
  const { order, fulfillment, previous, stale } = event;
  if (stale) return "older than the fulfillment state we have";
  if (order.cancelled) return "the order is cancelled";
  if (NOT_SHIPPING.has(fulfillment.status)) return `the fulfillment is ${fulfillment.status}`;
  if (!fulfillment.trackingNumber) return "no tracking number yet";
  if (previous?.trackingNumber === fulfillment.trackingNumber) return "tracking number unchanged";
  return null;
}

/** Body {{1}}–{{4}}: name, order number, carrier, tracking number. */
export function shippingParameters(
  order: Pick<ShippingOrder, "firstName" | "name">,
  fulfillment: Pick<ShippingFulfillment, "trackingCompany"> & { trackingNumber: string },
  language: TemplateLanguage,
): string[] {
  return [order.firstName?.trim() || GREETING_FALLBACK[language], order.name, fulfillment.trackingCompany?.trim() || CARRIER_FALLBACK[language], fulfillment.trackingNumber];
}

export function planShippingUpdate(event: ShippingEvent, shop: { locale: string }, now: Date): MessagePlan[] {
  if (shippingUpdateBlocker(event) !== null) return [];
  const { order, fulfillment } = event;
  const trackingNumber = fulfillment.trackingNumber!;
  const language = templateLanguage(order.locale, shop.locale);
  const link = fulfillment.trackingUrl ?? undefined;
  return [
    {
      flow: "shipping_update",
      dedupeKey: shippingDedupeKey(fulfillment.shopifyFulfillmentId, trackingNumber),
      to: order.phone,
      customerKey: order.customerKey,
      category: "UTILITY",
      template: link ? TEMPLATE_NAMES.shippingUpdate : TEMPLATE_NAMES.shippingUpdateNoLink,
      language,
      components: [bodyText(...shippingParameters(order, { ...fulfillment, trackingNumber }, language))],
      linkUrl: link,
      orderId: order.id,
      sendAfter: now,
      skipReason: order.phone ? undefined : "no_phone",
    },
  ];
}
