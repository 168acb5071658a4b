// Lifecycle-flow fixtures: Shopify's real fulfillment sample for the real order sample, delivered signed through
// the real routes, and the consent harness (worker, real client, Cloud API simulator) on one virtual clock.
import { db } from "~/shopify.server";
import { fixture } from "../fixtures";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { resetMessagesAndConsent } from "../consent/helpers";

export const PHONE = "+4915112345678";
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The real fulfillments/create sample (it belongs to the orders/create sample's order #9999), with times and changes. */
export function fulfillmentPayload(at: Date, overrides: Record<string, unknown> = {}) {
  return {
    ...fixture<Record<string, unknown>>("shopify/fulfillments_create.json"),
    status: "success",
    created_at: at.toISOString(),
    updated_at: at.toISOString(),
    ...overrides,
  };
}

export async function deliver(topic: string, payload: unknown, webhookId?: string): Promise<Response> {
  const response = await deliverShopifyWebhook({ topic, payload, ...(webhookId ? { webhookId } : {}) });
  if (response.status !== 200) throw new Error(`${topic} answered ${response.status}`);
  return response;
}

/** The orders/create sample as a live German order with the test phone, placed at `at`. */
export function orderAt(at: Date, overrides: Record<string, unknown> = {}) {
  return germanOrder({ created_at: at.toISOString(), updated_at: at.toISOString(), ...overrides });
}

export async function resetFlows(): Promise<void> {
  await db.feedbackResponse.deleteMany();
  await db.inboundMessage.deleteMany();
  await db.fulfillment.deleteMany();
  await resetMessagesAndConsent();
  await db.order.deleteMany();
  await db.customer.deleteMany();
  await db.webhookEvent.deleteMany();
  await db.shop.deleteMany();
}

export function flowMessages(flow: string) {
  return db.message.findMany({ where: { flow }, orderBy: { createdAt: "asc" }, include: { events: { orderBy: { id: "asc" } } } });
}
