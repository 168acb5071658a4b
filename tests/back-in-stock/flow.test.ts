// Back in stock through the real routes: signups through the app proxy (signed like Shopify signs them),
// inventory_levels/update webhooks in the real payload's shape, the Admin API stand-in, the worker's fan-out and
// dispatch, the Cloud API simulator — on one virtual clock.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { db, useVirtualClock } from "~/shopify.server";
import { fixture } from "../fixtures";
import { callRoute } from "../../simulator/in-process-app";
import { appProxyRequest, appProxySignature, postThroughAppProxy } from "../helpers/app-proxy";
import { deliverShopifyWebhook } from "../helpers/shopify";
import { consentFor, createRetentionHarness, installSession, resetDatabase, setShopSettings, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const ITEM = "271878346596884015";
const VARIANT = "642667041472713922";
const LOCATION = "24826418";
const PHONES = ["+4915111110001", "+4915111110002", "+4915111110003"];

let clock: VirtualClock;
let harness: ReturnType<typeof createRetentionHarness>;
beforeEach(async () => {
  await resetDatabase();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  harness = createRetentionHarness(clock);
  await setShopSettings({ flows: { back_in_stock: { enabled: true } } });
  await installSession();
  harness.admin.addInventoryItem(SHOP, ITEM, { variantId: VARIANT, title: "Small", productTitle: "Example T-Shirt", onlineStoreUrl: "https://shop.example/products/example-t-shirt", imageUrl: null });
});

/** The real inventory_levels/update sample, for another item/location/quantity/time (shape untouched). */
function levelPayload(available: number, minutes: number, item = ITEM, location = LOCATION) {
  const sample = fixture<Record<string, unknown>>("shopify/inventory_levels_update.json");
  return {
    ...sample,
    inventory_item_id: Number(item),
    location_id: Number(location),
    available,
    updated_at: new Date(T0.getTime() + minutes * 60_000).toISOString(),
    admin_graphql_api_id: `gid://shopify/InventoryLevel/${location}?inventory_item_id=${item}`,
  };
}

async function inventory(available: number, minutes: number, options: { webhookId?: string; item?: string; location?: string } = {}) {
  const response = await deliverShopifyWebhook({ topic: "inventory_levels/update", payload: levelPayload(available, minutes, options.item, options.location), ...(options.webhookId ? { webhookId: options.webhookId } : {}) });
  expect(response.status).toBe(200);
}

async function signup(phone: string, locale = "de", variantId: string = VARIANT) {
  return postThroughAppProxy("/proxy/back-in-stock", { variantId: `gid://shopify/ProductVariant/${variantId}`, phone, locale, wording: "Benachrichtige mich auf WhatsApp" });
}

const alerts = () => db.message.findMany({ where: { flow: "back_in_stock" }, orderBy: { to: "asc" } });

describe("signup through the app proxy", () => {
  it("subscribes a CONFIRMED number at once and starts the double opt-in for any other", async () => {
    await consentFor(PHONES[0], "CONFIRMED", T0);
    const confirmed = await signup("0151 11110001");
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ ok: true, state: "subscribed" });
    const fresh = await signup(PHONES[1], "en");
    expect(await fresh.json()).toMatchObject({ ok: true, state: "confirmation_requested", message: expect.stringContaining("confirm") });
    expect(await db.backInStockSubscription.findMany({ orderBy: { phone: "asc" }, select: { phone: true, variantId: true, status: true } })).toEqual([
      { phone: PHONES[0], variantId: VARIANT, status: "WAITING" },
      { phone: PHONES[1], variantId: VARIANT, status: "WAITING" },
    ]);
    const consent = await db.consent.findFirstOrThrow({ where: { phone: PHONES[1] }, include: { events: true } });
    expect(consent.state).toBe("REQUESTED");
    expect(consent.events[0]).toMatchObject({ source: "back_in_stock_signup" });
    expect(JSON.parse(consent.events[0].evidence)).toMatchObject({ channel: "theme_block", variantId: VARIANT, wording: "Benachrichtige mich auf WhatsApp" });
    expect(await db.message.count({ where: { flow: "opt_in_confirmation", to: PHONES[1] } })).toBe(1);
    // Signing up again is harmless: one subscription, no second opt-in request.
    expect((await signup(PHONES[1], "en")).status).toBe(200);
    expect(await db.backInStockSubscription.count()).toBe(2);
    expect(await db.message.count({ where: { flow: "opt_in_confirmation" } })).toBe(1);
  });

  it.each([
    [{ variantId: "abc", phone: PHONES[0], locale: "de" }, "invalid_variant", "Produktvariante"],
    [{ variantId: VARIANT, phone: "12", locale: "de" }, "invalid_phone", "gültigen Telefonnummer"],
    [{ variantId: VARIANT, phone: "12", locale: "en" }, "invalid_phone", "valid phone number"],
    [{ variantId: VARIANT, phone: "  ", locale: "en" }, "missing_phone", "enter your WhatsApp number"],
    [{ phone: PHONES[0], locale: "en" }, "invalid_variant", "variant is not known"],
  ])("answers %o with 400 %s and stores nothing", async (body, reason, text) => {
    const response = await postThroughAppProxy("/proxy/back-in-stock", body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, reason, error: expect.stringContaining(text) });
    expect(await db.backInStockSubscription.count()).toBe(0);
    expect(await db.consent.count()).toBe(0);
  });

  it("answers a body that is not JSON with 400 in the browser's language", async () => {
    const request = appProxyRequest("/proxy/back-in-stock", "{not json");
    request.headers.set("Accept-Language", "de-DE,de;q=0.9");
    const response = await callRoute(request);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, reason: "not_json", error: "Die Anfrage konnte nicht gelesen werden." });
  });

  it("refuses a forged, missing or outdated signature with 400 (the library's check)", async () => {
    const body = { variantId: VARIANT, phone: PHONES[0] };
    expect((await postThroughAppProxy("/proxy/back-in-stock", body, { secret: "wrong-secret" })).status).toBe(400);
    expect((await postThroughAppProxy("/proxy/back-in-stock", body, { signature: null })).status).toBe(400);
    expect((await postThroughAppProxy("/proxy/back-in-stock", body, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(400);
    expect(await db.backInStockSubscription.count()).toBe(0);
  });

  it("signs like the library checks: sorted name=value pairs, no separator, hex", () => {
    expect(appProxySignature({ shop: "a.myshopify.com", timestamp: "1", path_prefix: "/apps/x", logged_in_customer_id: "" }, "s")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("restock fan-out", () => {
  async function threeConfirmedAndOneWaiting() {
    for (const phone of PHONES) await consentFor(phone, "CONFIRMED", T0);
    for (const phone of PHONES) expect((await signup(phone)).status).toBe(200);
    expect((await signup("+4915111110009", "en")).status).toBe(200); // no consent yet: waits for the double opt-in
  }

  it("alerts every confirmed subscriber once, spaced at the fan-out rate; duplicates and a second restock send nothing more", async () => {
    await threeConfirmedAndOneWaiting();
    await inventory(0, 1);
    expect(await db.restock.count()).toBe(0);
    await inventory(5, 2, { webhookId: "restock-1" });
    await inventory(5, 2, { webhookId: "restock-1" }); // Shopify's redelivery
    expect(await db.restock.count()).toBe(1);
    await harness.advance(60_000);

    const sent = await alerts();
    expect(sent.map((m) => [m.to, m.language, m.template])).toEqual(PHONES.map((p) => [p, "de", "momento_back_in_stock"]));
    expect(sent.every((m) => ["SENT", "DELIVERED", "READ"].includes(m.status))).toBe(true);
    expect(harness.sim.sent.filter((m) => m.template === "momento_back_in_stock")).toHaveLength(3);
    expect(JSON.parse(sent[0].components)[0]).toEqual({ type: "body", parameters: [{ type: "text", text: "Example T-Shirt – Small" }] });
    expect(sent[0].linkUrl).toBe(`https://shop.example/products/example-t-shirt?variant=${VARIANT}`);
    expect(sent.map((m) => m.plannedFor.getTime() - sent[0].plannedFor.getTime()).sort((a, b) => a - b)).toEqual([0, 25, 50]);
    expect(await db.backInStockSubscription.count({ where: { status: "NOTIFIED" } })).toBe(3);
    expect(await db.backInStockSubscription.findFirstOrThrow({ where: { phone: "+4915111110009" } })).toMatchObject({ status: "WAITING" });
    expect(harness.admin.inventoryLookups).toHaveLength(1);

    // Sold out and restocked again: the notified subscriptions are over, the unconfirmed one still waits.
    await inventory(0, 10);
    await inventory(8, 11);
    await harness.advance(60_000);
    expect(await db.message.count({ where: { flow: "back_in_stock" } })).toBe(3);
    expect(harness.admin.inventoryLookups).toHaveLength(1); // cached
  });

  it("cancels alerts not yet sent when the variant sells out again; their signups wait for the next restock", async () => {
    await threeConfirmedAndOneWaiting();
    await inventory(5, 2);
    await harness.fanOut();
    expect(await db.message.count({ where: { flow: "back_in_stock", status: "SCHEDULED" } })).toBe(3);
    await inventory(0, 3);
    await harness.advance(60_000);
    const cancelled = await alerts();
    expect(cancelled.map((m) => [m.status, m.statusReason])).toEqual(PHONES.map(() => ["CANCELLED", "sold_out_again"]));
    const events = await db.messageEvent.findMany({ where: { messageId: cancelled[0].id }, orderBy: { id: "asc" } });
    expect(events.at(-1)?.reason).toContain("sold out again");
    expect(await db.backInStockSubscription.count({ where: { status: "WAITING" } })).toBe(4);

    await inventory(2, 30);
    await harness.advance(60_000);
    expect(await db.message.count({ where: { flow: "back_in_stock", status: { in: ["SENT", "DELIVERED", "READ"] } } })).toBe(3);
    expect(harness.sim.sent.filter((m) => m.template === "momento_back_in_stock")).toHaveLength(3);
  });

  it("two restocks in quick succession still give each signup one alert", async () => {
    await threeConfirmedAndOneWaiting();
    await inventory(5, 2);
    await harness.fanOut();
    await inventory(0, 3);
    await inventory(4, 4);
    await harness.advance(60_000);
    expect(harness.sim.sent.filter((m) => m.template === "momento_back_in_stock")).toHaveLength(3);
    expect(new Set(harness.sim.sent.filter((m) => m.template === "momento_back_in_stock").map((m) => m.to)).size).toBe(3);
    // The second restock planned nobody: each signup's alert of the first one was still queued (and then went out).
    const messages = await alerts();
    expect(messages).toHaveLength(3);
    expect(messages.every((m) => ["SENT", "DELIVERED", "READ"].includes(m.status))).toBe(true);
    expect((await db.restock.findMany({ orderBy: { detectedAt: "asc" } })).map((r) => r.planned)).toEqual([3, 0]);
    expect(await db.backInStockSubscription.count({ where: { status: "NOTIFIED" } })).toBe(3);
  });

  it("sums locations: stock at a second location is no restock while the first still has some", async () => {
    await threeConfirmedAndOneWaiting();
    await inventory(4, 1, { location: "111" });
    await inventory(3, 2, { location: "222" });
    expect(await db.restock.count()).toBe(1);
    expect(await db.inventoryLevel.count()).toBe(2);
    const notes = await db.webhookEvent.findMany({ orderBy: { id: "asc" }, select: { note: true } });
    expect(notes.at(-1)?.note).toContain("no restock");
  });

  it("an older payload for a location never overwrites a newer one", async () => {
    await inventory(0, 5);
    await inventory(7, 4);
    expect(await db.inventoryLevel.findFirstOrThrow()).toMatchObject({ available: 0 });
    expect((await db.webhookEvent.findFirstOrThrow({ orderBy: { id: "desc" } })).note).toContain("older than the level");
  });

  it("skips an unknown inventory item with a logged reason, and later events for it at once", async () => {
    for (const phone of PHONES) await consentFor(phone, "CONFIRMED", T0);
    await signup(PHONES[0]);
    await inventory(3, 1, { item: "999000111" });
    await harness.advance(1_000);
    expect(await db.restock.findFirstOrThrow()).toMatchObject({ note: expect.stringContaining("skipped: inventory item 999000111 not resolved") });
    expect(harness.log.join("\n")).toContain("skipped: inventory item 999000111");
    expect(await db.inventoryItemVariant.findFirstOrThrow()).toMatchObject({ inventoryItemId: "999000111", variantId: null });
    await inventory(0, 2, { item: "999000111" });
    await inventory(4, 3, { item: "999000111" });
    expect((await db.webhookEvent.findFirstOrThrow({ orderBy: { id: "desc" } })).note).toMatch(/^skipped: unknown inventory item 999000111/);
    expect(await db.message.count({ where: { flow: "back_in_stock" } })).toBe(0);
    expect(harness.admin.inventoryLookups).toHaveLength(1);
  });

  it("asks the Admin API nothing when nobody in the shop waits for an alert", async () => {
    await inventory(0, 1);
    await inventory(6, 2);
    await harness.advance(1_000);
    expect(await db.restock.count()).toBe(0);
    expect(harness.admin.inventoryLookups).toHaveLength(0);
    expect((await db.webhookEvent.findFirstOrThrow({ orderBy: { id: "desc" } })).note).toContain("nobody waits");
  });

  it("answers a payload that is not an inventory level with a logged skip, not a 500", async () => {
    const response = await deliverShopifyWebhook({ topic: "inventory_levels/update", payload: { inventory_item_id: "x", available: 3 } });
    expect(response.status).toBe(200);
    expect((await db.webhookEvent.findFirstOrThrow()).note).toMatch(/^skipped: inventory level payload not usable/);
  });

  it("plans nothing while the flow is off; the signups keep waiting", async () => {
    await setShopSettings({ flows: { back_in_stock: { enabled: false } } });
    await threeConfirmedAndOneWaiting();
    await inventory(5, 2);
    await harness.advance(60_000);
    expect(await db.message.count({ where: { flow: "back_in_stock" } })).toBe(0);
    expect(await db.restock.count()).toBe(0);
    expect((await db.webhookEvent.findFirstOrThrow({ orderBy: { id: "desc" } })).note).toContain("back in stock is switched off");
    expect(harness.admin.inventoryLookups).toHaveLength(0);
    expect(await db.backInStockSubscription.count({ where: { status: "WAITING" } })).toBe(4);
  });
});

describe("erasure", () => {
  it("customers/data_request exports the customer's back-in-stock signups, customers/redact deletes them; shop/redact every back-in-stock row of the shop", async () => {
    await signup(PHONES[0]);
    await signup(PHONES[1]);
    await inventory(0, 1);
    const request = fixture<Record<string, unknown>>("shopify/customers_data_request.json");
    await deliverShopifyWebhook({ topic: "customers/data_request", payload: { ...request, shop_domain: SHOP, customer: { ...(request.customer as object), phone: PHONES[0] }, orders_requested: [] } });
    const exported = JSON.parse((await db.dataExport.findFirstOrThrow()).content);
    expect(exported.backInStockSignups).toEqual([expect.objectContaining({ phone: PHONES[0], variantId: VARIANT, status: "WAITING", notifiedAt: null })]);

    const redact = fixture<Record<string, unknown>>("shopify/customers_redact.json");
    const response = await deliverShopifyWebhook({ topic: "customers/redact", payload: { ...redact, shop_domain: SHOP, customer: { ...(redact.customer as object), phone: PHONES[0] }, orders_to_redact: [] } });
    expect(response.status).toBe(200);
    expect((await db.backInStockSubscription.findMany()).map((s) => s.phone)).toEqual([PHONES[1]]);

    await deliverShopifyWebhook({ topic: "shop/redact", payload: { ...fixture<Record<string, unknown>>("shopify/shop_redact.json"), shop_domain: SHOP } });
    expect([await db.backInStockSubscription.count(), await db.inventoryLevel.count(), await db.restock.count(), await db.inventoryItemVariant.count()]).toEqual([0, 0, 0, 0]);
  });
});
