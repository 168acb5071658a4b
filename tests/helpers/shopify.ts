import { expect } from "vitest";
import { shopifyWebhookRequest, type ShopifyDelivery } from "../../simulator/shopify-webhooks";
import { callRoute } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";

export const TEST_SHOP = "momento-test.myshopify.com";

let seq = 0;
export function nextWebhookId(): string {
  seq += 1;
  return `wh-${process.pid}-${Date.now()}-${seq}`;
}

/** Signs a delivery like Shopify does and posts it through the real route for its topic. */
export function deliverShopifyWebhook(
  delivery: Partial<ShopifyDelivery> & Pick<ShopifyDelivery, "topic" | "payload">,
  options: { hmac?: string; secret?: string } = {},
): Promise<Response> {
  const request = shopifyWebhookRequest(
    process.env.SHOPIFY_APP_URL!,
    options.secret ?? process.env.SHOPIFY_API_SECRET!,
    { shop: TEST_SHOP, webhookId: nextWebhookId(), ...delivery },
    { hmac: options.hmac },
  );
  return callRoute(request);
}

/** The real orders/create sample, made into a live German order with a phone (ids and shape untouched). */
export function germanOrder(overrides: Record<string, unknown> = {}) {
  const order = fixture<Record<string, unknown>>("shopify/orders_create.json");
  // Shipped to and billed in Germany too: the address country decides the quiet hours' time zone.
  const german = (address: unknown) => (address ? { ...(address as Record<string, unknown>), country: "Germany", country_code: "DE", province: null, province_code: null } : address);
  return {
    ...order,
    shipping_address: german(order.shipping_address),
    billing_address: german(order.billing_address),
    cancelled_at: null,
    cancel_reason: null,
    test: false,
    customer_locale: "de",
    currency: "EUR",
    total_price: "49.90",
    phone: "+49 151 12345678",
    created_at: "2026-03-02T10:00:00+01:00",
    updated_at: "2026-03-02T10:00:00+01:00",
    ...overrides,
  };
}

/** Who places an order: a Shopify customer id, a phone, an email — identity is only what is given. */
export interface Buyer {
  customerId?: number;
  phone?: string;
  email?: string;
}

let buyerOrderSeq = 0;
/** An orders/create payload (the real sample's shape) for a buyer, with an id of its own; no address phones, so identity is what we give. */
export function buyerOrder(buyer: Buyer, createdAt: string, total: string, extra: Record<string, unknown> = {}) {
  buyerOrderSeq += 1;
  const id = 5000 + buyerOrderSeq;
  return germanOrder({
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    phone: buyer.phone ?? null,
    email: buyer.email ?? null,
    contact_email: buyer.email ?? null,
    customer: buyer.customerId ? { id: buyer.customerId, admin_graphql_api_id: `gid://shopify/Customer/${buyer.customerId}`, email: buyer.email ?? null, phone: null, first_name: "X" } : null,
    billing_address: null,
    shipping_address: null,
    total_price: total,
    created_at: createdAt,
    updated_at: createdAt,
    ...extra,
  });
}

/** Delivers through the real route and expects it taken (a refusal names its reason). */
export async function deliverAccepted(topic: string, payload: Record<string, unknown>, webhookId?: string): Promise<void> {
  const response = await deliverShopifyWebhook({ topic, payload, ...(webhookId ? { webhookId } : {}) });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}
