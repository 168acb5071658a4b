// Win-back and loyalty through the real routes: signed orders/create webhooks (the real payload's shape), the
// worker's win-back step and dispatch with the offer code created at the Admin API stand-in, the Cloud API
// simulator, and the VIP tag through the ShopifySync outbox — on one virtual clock.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { db, useVirtualClock } from "~/shopify.server";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { consentFor, createRetentionHarness, installSession, resetDatabase, setShopSettings, SHOP } from "../back-in-stock/helpers";

const DAY = 86_400_000;
const T0 = new Date("2026-03-02T09:00:00.000Z");
const PHONE = "+4915112345678";
const CUSTOMER_GID = "gid://shopify/Customer/115310627314723954";

let clock: VirtualClock;
let harness: ReturnType<typeof createRetentionHarness>;
beforeEach(async () => {
  await resetDatabase();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  harness = createRetentionHarness(clock);
  await installSession(SHOP, "read_orders,read_customers,write_customers,write_discounts");
  await consentFor(PHONE, "CONFIRMED", T0);
});

let orderSeq = 0;
/** orders/create for the fixture's customer, now (virtual), with its own id. */
async function order(overrides: Record<string, unknown> = {}, webhookId?: string) {
  orderSeq += 1;
  const id = (overrides.id as number | undefined) ?? 5_000_000 + orderSeq;
  const now = clock.now().toISOString();
  const response = await deliverShopifyWebhook({
    topic: "orders/create",
    payload: germanOrder({ id, admin_graphql_api_id: `gid://shopify/Order/${id}`, name: `#${id}`, created_at: now, updated_at: now, ...overrides }),
    ...(webhookId ? { webhookId } : {}),
  });
  expect(response.status).toBe(200);
  return id;
}

const messages = (flow: string) => db.message.findMany({ where: { flow }, orderBy: { createdAt: "asc" } });
const sentTemplates = (name: string) => harness.sim.sent.filter((m) => m.template === name);

describe("win-back", () => {
  beforeEach(() => setShopSettings({ flows: { win_back: { enabled: true } } }));

  it("sends one-time buyers one offer with a unique code 60 days after their order, once", async () => {
    await order({}, "first-order");
    await order({}, "first-order"); // Shopify's redelivery
    await harness.advance(59 * DAY);
    expect(await messages("win_back")).toHaveLength(0);
    await harness.advance(1 * DAY + 60_000);

    const [offer] = await messages("win_back");
    expect(offer).toMatchObject({ to: PHONE, category: "MARKETING", template: "momento_win_back", language: "de" });
    expect(["SENT", "DELIVERED", "READ"]).toContain(offer.status);
    expect(offer.linkUrl).toBe(`https://${SHOP}/`);
    const [discount] = harness.admin.discounts;
    expect(discount).toMatchObject({ title: `Momento win-back ${discount.code}`, percentage: 0.1, usageLimit: 1 });
    expect(await db.discountCode.findFirstOrThrow()).toMatchObject({ flow: "win_back", checkoutToken: offer.dedupeKey, code: discount.code, status: "CREATED" });
    const body = JSON.parse(offer.components)[0].parameters.map((p: { text: string }) => p.text);
    expect(body).toEqual(["John", "momento-test", discount.code, "10", "31.05.2026"]); // valid 30 days from the send on 1 May
    expect(sentTemplates("momento_win_back")).toHaveLength(1);

    // Evaluated again the next days: nothing new.
    await harness.advance(3 * DAY);
    expect(await db.message.count({ where: { flow: "win_back" } })).toBe(1);
    expect(harness.admin.discounts).toHaveLength(1);
  });

  it("cancels a planned offer when a new order arrives before the send, without creating a code", async () => {
    await order();
    clock.set(new Date(T0.getTime() + 60 * DAY + 1000));
    expect(await harness.winBack()).toBe(1);
    await order();
    const [offer] = await messages("win_back");
    expect(offer).toMatchObject({ status: "CANCELLED", statusReason: "ordered_again" }); // at once, in the order's transaction
    await harness.advance(60_000);
    expect(harness.admin.discounts).toHaveLength(0);
    expect(sentTemplates("momento_win_back")).toHaveLength(0);
  });

  it("never twice for one order history: a second order cancelled later brings back no second offer", async () => {
    await order();
    await harness.advance(60 * DAY + 60_000);
    expect(await db.message.count({ where: { flow: "win_back" } })).toBe(1);
    const second = await order();
    const cancelledAt = clock.now().toISOString();
    await deliverShopifyWebhook({
      topic: "orders/cancelled",
      payload: germanOrder({ id: second, admin_graphql_api_id: `gid://shopify/Order/${second}`, name: `#${second}`, cancelled_at: cancelledAt, updated_at: new Date(clock.now().getTime() + 1000).toISOString(), created_at: cancelledAt }),
    });
    await harness.advance(60 * DAY + 60_000);
    expect(await db.message.count({ where: { flow: "win_back" } })).toBe(1);
  });

  it("cancels at send time when the new order is not known until then (the offer was claimed first)", async () => {
    await order();
    clock.set(new Date(T0.getTime() + 60 * DAY + 1000));
    await harness.winBack();
    const [planned] = await messages("win_back");
    // An order lands in the database without passing through ingest's cancellation (e.g. a concurrent transaction).
    await db.order.create({ data: { shop: SHOP, shopifyOrderId: "999", name: "#999", customerKey: planned.customerKey, totalPrice: "10.00", currency: "EUR", createdAt: clock.now(), sourceUpdatedAt: clock.now() } });
    await harness.advance(60_000);
    expect(await db.message.findUniqueOrThrow({ where: { id: planned.id } })).toMatchObject({ status: "CANCELLED", statusReason: "ordered_again" });
    expect(harness.admin.discounts).toHaveLength(0);
  });

  it("leaves out repeat buyers, test orders and numbers without confirmed consent", async () => {
    await order();
    await order({ test: true });
    await order({ phone: "+49 151 99990000", customer: { ...(germanOrder() as unknown as { customer: object }).customer, id: 42, admin_graphql_api_id: "gid://shopify/Customer/42" } });
    clock.set(new Date(T0.getTime() + 10 * DAY));
    await order();
    await harness.advance(65 * DAY);
    expect(await db.message.count({ where: { flow: "win_back" } })).toBe(0);
  });
});

describe("loyalty", () => {
  beforeEach(() => setShopSettings({ flows: { loyalty: { enabled: true } }, vipLifetimeValue: 100 }));

  it("thanks the customer after the 3rd order with a code, tags them VIP once above the lifetime value; duplicates harmless", async () => {
    await order();
    await order();
    await harness.settle();
    expect(await messages("loyalty")).toHaveLength(0);
    expect(harness.admin.taggings).toHaveLength(0); // 99.80 is not above 100

    clock.set(new Date(T0.getTime() + DAY));
    await order({}, "third");
    await order({}, "third");
    await harness.advance(60_000);
    const [thanks] = await messages("loyalty");
    expect(thanks).toMatchObject({ dedupeKey: "loyalty:customer:115310627314723954:3", template: "momento_loyalty_thanks" });
    expect(["SENT", "DELIVERED", "READ"]).toContain(thanks.status);
    const code = harness.admin.discounts[0].code;
    expect(JSON.parse(thanks.components)[0].parameters.map((p: { text: string }) => p.text)).toEqual(["John", "3", code, "10", "02.04.2026"]);
    expect(harness.admin.tagsOf(SHOP, CUSTOMER_GID)).toEqual(["whatsapp-vip"]);
    expect(await db.shopifySync.findFirstOrThrow({ where: { kind: "customer_tag" } })).toMatchObject({ status: "DONE" });

    await order();
    await harness.advance(60_000);
    expect(await db.message.count({ where: { flow: "loyalty" } })).toBe(1);
    expect(harness.admin.taggings).toHaveLength(1);
    expect(sentTemplates("momento_loyalty_thanks")).toHaveLength(1);
  });

  it("cancels the thank-you when its order is cancelled before the send", async () => {
    await order();
    await order();
    const third = await order();
    const at = clock.now().toISOString();
    await deliverShopifyWebhook({
      topic: "orders/cancelled",
      payload: germanOrder({ id: third, admin_graphql_api_id: `gid://shopify/Order/${third}`, name: `#${third}`, created_at: at, cancelled_at: at, updated_at: new Date(clock.now().getTime() + 1000).toISOString() }),
    });
    await harness.advance(60_000);
    const [thanks] = await messages("loyalty");
    expect(thanks).toMatchObject({ status: "CANCELLED", statusReason: "order_cancelled" });
    expect(harness.admin.discounts).toHaveLength(0);
  });

  it("plans nothing and tags nobody while the flow is off", async () => {
    await setShopSettings({ vipLifetimeValue: 10 });
    for (let i = 0; i < 3; i++) await order();
    await harness.advance(60_000);
    expect(await db.message.count({ where: { flow: "loyalty" } })).toBe(0);
    expect(await db.shopifySync.count({ where: { kind: "customer_tag" } })).toBe(0);
  });
});
