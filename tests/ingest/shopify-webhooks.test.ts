import { readFileSync, existsSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { routeFileFor } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";
import { deliverShopifyWebhook, germanOrder, nextWebhookId, TEST_SHOP } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

beforeEach(async () => {
  for (const table of ["messageEvent", "message", "webhookEvent", "order", "customer", "checkout", "session", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

async function counts() {
  return { events: await db.webhookEvent.count(), orders: await db.order.count(), messages: await db.message.count() };
}

describe("orders/create through the real route", () => {
  it("persists the event, projects the order and plans one German order confirmation", async () => {
    const response = await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    expect(response.status).toBe(200);

    const order = await db.order.findFirstOrThrow();
    expect(order).toMatchObject({ shop: TEST_SHOP, shopifyOrderId: "820982911946154508", name: "#9999", phone: "+4915112345678", totalPrice: "49.90" });
    const message = await db.message.findFirstOrThrow({ include: { events: true } });
    expect(message).toMatchObject({
      flow: "order_confirmation",
      dedupeKey: `order_confirmation:${order.id}`,
      to: "+4915112345678",
      category: "UTILITY",
      template: "momento_order_confirmation",
      language: "de",
      status: "SCHEDULED",
      orderId: order.id,
      linkUrl: "https://jsmith.myshopify.com/548380009/orders/123456abcd/authenticate?key=abcdefg",
    });
    expect(JSON.parse(message.components)).toEqual([
      { type: "body", parameters: [{ type: "text", text: "John" }, { type: "text", text: "#9999" }, { type: "text", text: "49,90\u00a0€" }] },
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: message.id }] },
    ]);
    expect(message.events.map((e) => [e.status, e.source])).toEqual([["SCHEDULED", "planner"]]);
  });

  it("writes English for an English-speaking shopper", async () => {
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ customer_locale: "en-US", currency: "USD" }) });
    const message = await db.message.findFirstOrThrow();
    expect(message.language).toBe("en");
    expect(JSON.parse(message.components)[0].parameters[2].text).toBe("$49.90");
  });

  it("yields one message when the same delivery arrives twice", async () => {
    const webhookId = nextWebhookId();
    expect((await deliverShopifyWebhook({ topic: "orders/create", webhookId, payload: germanOrder() })).status).toBe(200);
    expect((await deliverShopifyWebhook({ topic: "orders/create", webhookId, payload: germanOrder() })).status).toBe(200);
    expect(await counts()).toEqual({ events: 1, orders: 1, messages: 1 });
  });

  it("yields one message when the same order comes in two deliveries with different webhook ids", async () => {
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    expect(await counts()).toEqual({ events: 2, orders: 1, messages: 1 });
  });

  it("yields one message when orders/updated overtakes orders/create, and keeps the newer state", async () => {
    await deliverShopifyWebhook({ topic: "orders/updated", payload: germanOrder({ updated_at: "2026-03-02T11:00:00+01:00", total_price: "59.90" }) });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    expect(await counts()).toEqual({ events: 2, orders: 1, messages: 1 });
    expect((await db.order.findFirstOrThrow()).totalPrice).toBe("59.90");
  });

  it("plans nothing when the cancellation arrived before the creation", async () => {
    await deliverShopifyWebhook({ topic: "orders/cancelled", payload: germanOrder({ cancelled_at: "2026-03-02T10:30:00+01:00", updated_at: "2026-03-02T10:30:00+01:00" }) });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    expect(await counts()).toEqual({ events: 2, orders: 1, messages: 0 });
    expect((await db.webhookEvent.findFirstOrThrow({ where: { topic: "orders/create" } })).note).toMatch(/cancelled/);
  });

  it("records a skipped message with the reason when the order has no usable phone", async () => {
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ phone: null, billing_address: null, shipping_address: null, customer: { ...(fixture("shopify/orders_create.json").customer as object), phone: null } }) });
    expect(await db.message.findFirstOrThrow()).toMatchObject({ status: "SKIPPED", statusReason: "no_phone" });
    await db.message.deleteMany();
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ phone: "12", billing_address: null, shipping_address: null, customer: null }) });
    expect(await db.message.findFirstOrThrow()).toMatchObject({ status: "SKIPPED", statusReason: "invalid_phone" });
  });
});

describe("bad input", () => {
  it("answers 401 to a bad HMAC and writes nothing", async () => {
    const response = await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() }, { secret: "not-the-secret" });
    expect(response.status).toBe(401);
    expect(await counts()).toEqual({ events: 0, orders: 0, messages: 0 });
  });

  it("answers 400 with a reason to malformed JSON and writes nothing", async () => {
    const response = await deliverShopifyWebhook({ topic: "orders/create", payload: '{"id": 1,' });
    expect(response.status).toBe(400);
    expect(await response.text()).toBe("Malformed JSON body");
    expect(await counts()).toEqual({ events: 0, orders: 0, messages: 0 });
  });

  it("records, but does not project, a payload without the fields we need", async () => {
    const response = await deliverShopifyWebhook({ topic: "orders/create", payload: { id: 1 } });
    expect(response.status).toBe(200);
    expect(await counts()).toEqual({ events: 1, orders: 0, messages: 0 });
    expect((await db.webhookEvent.findFirstOrThrow()).note).toMatch(/^skipped: order payload not usable \(admin_graphql_api_id/);
  });
});

describe("every subscribed topic", () => {
  const toml = readFileSync(new URL("../../shopify.app.toml", import.meta.url), "utf8");
  const subscriptions = [...toml.matchAll(/# Handled by: \/(app\/routes\/[^ ]+)[^\n]*\n\s*\[\[webhooks.subscriptions\]\]\n\s*(?:compliance_)?topics = \["([^"]+)"\]\n\s*uri = "([^"]+)"/g)].map((m) => ({ file: m[1], topic: m[2], uri: m[3] }));
  const samples: Record<string, unknown> = {
    "orders/create": fixture("shopify/orders_create.json"),
    "orders/updated": fixture("shopify/orders_create.json"),
    "orders/cancelled": fixture("shopify/orders_create.json"),
    "checkouts/create": fixture("shopify/checkouts_create.json"),
    "checkouts/update": fixture("shopify/checkouts_update.json"),
    "checkouts/delete": fixture("shopify/checkouts_delete.json"),
    "fulfillments/create": fixture("shopify/fulfillments_create.json"),
    "fulfillments/update": fixture("shopify/fulfillments_update.json"),
    "inventory_levels/update": fixture("shopify/inventory_levels_update.json"),
    "app/uninstalled": fixture("shopify/app_uninstalled.json"),
    "app/scopes_update": { id: 1, previous: ["read_orders"], current: ["read_orders", "read_customers"], updated_at: "2026-03-02T10:00:00Z" },
    "customers_whats_app_marketing_consent/update": fixture("shopify/customers_whats_app_marketing_consent_update.json"),
    "customers/data_request": fixture("shopify/customers_data_request.json"),
    "customers/redact": fixture("shopify/customers_redact.json"),
    "shop/redact": fixture("shopify/shop_redact.json"),
  };

  it("declares every topic, each with its own route file named in the comment", () => {
    expect(subscriptions.map((s) => s.topic).sort()).toEqual(Object.keys(samples).sort());
    for (const s of subscriptions) {
      expect(s.file).toBe(routeFileFor(s.uri).slice(routeFileFor(s.uri).indexOf("app/routes/")));
      expect(existsSync(routeFileFor(s.uri))).toBe(true);
    }
  });

  it.each(Object.entries(samples))("%s: answers 200 to the real sample payload and records it", async (topic, payload) => {
    const response = await deliverShopifyWebhook({ topic, payload });
    expect(response.status).toBe(200);
    // shop/redact keeps nothing of the shop, not even the request itself (tests/gdpr).
    expect(await db.webhookEvent.count({ where: { topic } })).toBe(topic === "shop/redact" ? 0 : 1);
  });

  it("app/uninstalled deletes the shop's sessions", async () => {
    await db.session.create({ data: { id: "offline_" + TEST_SHOP, shop: TEST_SHOP, state: "x", accessToken: "t" } });
    await deliverShopifyWebhook({ topic: "app/uninstalled", payload: fixture("shopify/app_uninstalled.json") });
    expect(await db.session.count()).toBe(0);
    expect((await db.shop.findUniqueOrThrow({ where: { domain: TEST_SHOP } })).uninstalledAt).not.toBeNull();
  });
});
