// Live shoppers for `npm run demo`: a few orders placed "now" with the WhatsApp box ticked, delivered to the
// running app as signed Shopify webhooks. The app records their opt-in requests and the worker sends the
// opt-in confirmations and order confirmations to the simulator, so the phone view has chats waiting to
// be answered the moment the demo is up. Payloads are the real orders/create sample with these values.
import { readFileSync } from "node:fs";
import path from "node:path";
import { OPT_IN_ATTRIBUTE, OPT_IN_PHONE_ATTRIBUTE } from "../../app/.server/ingest/shopify-payloads";
import { shopifyWebhookRequest } from "../../simulator/shopify-webhooks";

export interface LiveShopper {
  first: string;
  last: string;
  /** E.164 */
  phone: string;
  locale: "de" | "en";
  total: string;
}

export const LIVE_SHOPPERS: readonly LiveShopper[] = [
  { first: "Lena", last: "Hoffmann", phone: "+4915123450001", locale: "de", total: "34.80" },
  { first: "Tom", last: "Baker", phone: "+4917612345002", locale: "en", total: "21.50" },
  { first: "Mia", last: "Schulz", phone: "+4916098765003", locale: "de", total: "57.30" },
];

const root = path.resolve(import.meta.dirname, "../..");

export function orderFor(shopper: LiveShopper, index: number, shop: string, now: Date): Record<string, unknown> {
  const sample = JSON.parse(readFileSync(path.join(root, "tests/fixtures/shopify/orders_create.json"), "utf8")) as Record<string, unknown>;
  const orderId = 7_700_000_000_001 + index;
  const customerId = 8_800_000_000_001 + index;
  const at = now.toISOString();
  const customer = sample.customer as Record<string, unknown>;
  const address = (sample.billing_address ?? {}) as Record<string, unknown>;
  const who = { first_name: shopper.first, last_name: shopper.last, phone: shopper.phone, country_code: "DE", country: "Germany", city: "Berlin" };
  return {
    ...sample,
    id: orderId,
    admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
    name: `#${2001 + index}`,
    order_number: 2001 + index,
    token: `live${index}${now.getTime().toString(36)}`,
    checkout_token: `live-checkout-${index}-${now.getTime().toString(36)}`,
    created_at: at,
    updated_at: at,
    processed_at: at,
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    currency: "EUR",
    presentment_currency: "EUR",
    total_price: shopper.total,
    customer_locale: shopper.locale,
    phone: shopper.phone,
    email: `${shopper.first.toLowerCase()}@example.com`,
    contact_email: `${shopper.first.toLowerCase()}@example.com`,
    note_attributes: [
      { name: OPT_IN_ATTRIBUTE, value: "1" },
      { name: OPT_IN_PHONE_ATTRIBUTE, value: shopper.phone },
    ],
    order_status_url: `https://${shop}/orders/${orderId}/authenticate?key=demo`,
    billing_address: { ...address, ...who },
    shipping_address: { ...address, ...who },
    customer: { ...customer, id: customerId, admin_graphql_api_id: `gid://shopify/Customer/${customerId}`, first_name: shopper.first, last_name: shopper.last, phone: shopper.phone, email: `${shopper.first.toLowerCase()}@example.com` },
  };
}

/** Posts one signed orders/create per live shopper; returns how many the app accepted. */
export async function seedLiveShoppers(appUrl: string, apiSecret: string, shop: string, now = new Date()): Promise<number> {
  let accepted = 0;
  for (const [index, shopper] of LIVE_SHOPPERS.entries()) {
    const request = shopifyWebhookRequest(appUrl, apiSecret, { topic: "orders/create", shop, webhookId: `demo-live-${now.getTime()}-${index}`, payload: orderFor(shopper, index, shop, now), triggeredAt: now });
    const response = await fetch(request);
    if (response.ok) accepted += 1;
  }
  return accepted;
}
