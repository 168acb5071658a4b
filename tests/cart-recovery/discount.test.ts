// Step 2's unique discount code: created through discountCodeBasicCreate (the Admin API stand-in checks the
// input like Shopify's schema) only when step 2 is about to be sent, and never twice for one checkout.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { ensureDiscountCode, MAX_DISCOUNT_ATTEMPTS } from "~/.server/cart-recovery/discount";
import { holdoutBucket } from "~/.server/cart-recovery/holdout";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { db, useVirtualClock } from "~/shopify.server";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import type { TemplateStatus } from "../../simulator/cloud-api";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { checkoutPayload, consentFor, createCartHarness, HOUR, installSession, MINUTE, reminders, resetDatabase, setShopSettings, SHOP } from "./helpers";
import { secretsKey } from "../helpers/session-key";
import { syncShopTemplates } from "../helpers/templates";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const PHONE = "+4915112345678";
const DISCOUNT = { cartRecoveryDiscountPercent: 15, cartRecoveryDiscountDays: 3 };

let clock: VirtualClock;
let token: string;
beforeEach(async () => {
  await resetDatabase();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  for (let i = 0; ; i++) if (holdoutBucket(SHOP, `d${i}`) >= 10) { token = `d${i}`; break; }
  await setShopSettings(DISCOUNT);
  await installSession();
  await consentFor(PHONE, "CONFIRMED", T0);
});

async function abandon() {
  expect((await deliverShopifyWebhook({ topic: "checkouts/create", payload: checkoutPayload(token) })).status).toBe(200);
}

describe("the discount code of step 2", () => {
  it("is created when step 2 is sent, not before, and goes out in the discount template", async () => {
    const harness = createCartHarness(clock);
    await abandon();
    await harness.advance(2 * HOUR);
    expect(harness.sim.sent.map((m) => m.template)).toEqual(["momento_cart_recovery_1"]);
    expect(harness.admin.discounts).toHaveLength(0);
    expect(await db.discountCode.count()).toBe(0);

    await harness.advance(23 * HOUR);
    const stepTwo = harness.sim.sent[1];
    const [created] = harness.admin.discounts;
    expect(stepTwo.template).toBe("momento_cart_recovery_2_discount");
    expect(stepTwo.parameters.slice(3)).toEqual([created.code, "15", "06.03.2026"]);
    expect(created).toMatchObject({ shop: SHOP, percentage: 0.15, usageLimit: 1, appliesOncePerCustomer: true, startsAt: "2026-03-03T10:00:00.000Z", endsAt: "2026-03-06T10:00:00.000Z" });
    expect(created.code).toMatch(/^MOMENTO-[2-9A-HJ-NP-Z]{8}$/);
    expect(await db.discountCode.findFirstOrThrow()).toMatchObject({ checkoutToken: token, code: created.code, status: "CREATED", shopifyId: created.id, attempts: 1 });
    // The message row shows what was really sent.
    const row = (await reminders(token))[1];
    expect(row.template).toBe("momento_cart_recovery_2_discount");
    expect(JSON.parse(row.components)[0].parameters[3].text).toBe(created.code);
  });

  it("is never created for a checkout that was ordered before step 2", async () => {
    const harness = createCartHarness(clock);
    await abandon();
    await harness.advance(2 * HOUR);
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ checkout_token: token }) });
    await harness.advance(24 * HOUR);
    expect(harness.admin.discounts).toHaveLength(0);
    expect(harness.admin.calls).toBe(0);
  });

  it("is never created twice for one checkout, also when Shopify's answer got lost", async () => {
    const admin = createShopifyAdminSimulator();
    let lose = true;
    // Shopify creates the code, but the answer never reaches us (a crash or a dropped connection).
    const flaky: typeof fetch = async (input, init) => {
      const response = await admin.fetch(input, init);
      if (lose) {
        lose = false;
        throw new TypeError("fetch failed");
      }
      return response;
    };
    const deps = { db, adminGraphql: createAdminGraphql({ fetch: flaky }), secretsKey };
    const request = { shop: SHOP, checkoutToken: token, messageId: "m-1", percent: 10, expiresInDays: 7, now: clock.now() };
    const first = await ensureDiscountCode(deps, request);
    expect(first).toMatchObject({ status: "retry" });
    const second = await ensureDiscountCode(deps, { ...request, now: new Date(clock.now().getTime() + MINUTE) });
    const third = await ensureDiscountCode(deps, { ...request, now: new Date(clock.now().getTime() + 2 * MINUTE) });
    expect(admin.discounts).toHaveLength(1);
    expect(second).toEqual({ status: "ready", code: admin.discounts[0].code, percent: 10, endsAt: new Date(T0.getTime() + 7 * 86_400_000) });
    expect(third).toEqual(second);
    expect(admin.calls).toBe(2);
    expect(await db.discountCode.count()).toBe(1);
  });

  it("two workers asking at once get the same code, created once", async () => {
    const admin = createShopifyAdminSimulator();
    const deps = { db, adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey };
    const request = { shop: SHOP, checkoutToken: token, messageId: "m-1", percent: 10, expiresInDays: 7, now: clock.now() };
    const results = await Promise.all([ensureDiscountCode(deps, request), ensureDiscountCode(deps, request)]);
    const codes = new Set(results.filter((r) => r.status === "ready").map((r) => (r as { code: string }).code));
    expect(codes.size).toBeLessThanOrEqual(1);
    expect(new Set(admin.discounts.map((d) => d.code)).size).toBe(admin.discounts.length);
    expect(await db.discountCode.count()).toBe(1);
    expect(admin.discounts.every((d) => d.code === admin.discounts[0].code)).toBe(true);
  });

  it("chooses another code once when the merchant already has the same one", async () => {
    const admin = createShopifyAdminSimulator();
    const deps = { db, adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey };
    admin.failNext({ userErrors: [{ field: ["basicCodeDiscount", "code"], message: "Code must be unique. Please try a different code.", code: "TAKEN" as never }] });
    const outcome = await ensureDiscountCode(deps, { shop: SHOP, checkoutToken: token, messageId: "m-1", percent: 10, expiresInDays: 7, now: clock.now() });
    expect(outcome).toMatchObject({ status: "ready", code: admin.discounts[0].code });
    expect(admin.calls).toBe(2);
  });

  it("waits and retries while Shopify throttles, then sends the code", async () => {
    const harness = createCartHarness(clock);
    harness.admin.failNext("throttled");
    await abandon();
    await harness.advance(25 * HOUR);
    expect(harness.sim.sent.map((m) => m.template)).toEqual(["momento_cart_recovery_1", "momento_cart_recovery_2_discount"]);
    expect(harness.admin.discounts).toHaveLength(1);
    const events = await db.messageEvent.findMany({ where: { messageId: (await reminders(token))[1].id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.reason?.split(":")[0])).toContain("discount_retry");
  });

  it("sends step 2 without a code when the scope is missing or Shopify keeps failing, and says why", async () => {
    await installSession(SHOP, "read_orders,read_customers");
    const harness = createCartHarness(clock);
    await abandon();
    await harness.advance(25 * HOUR);
    expect(harness.sim.sent.map((m) => m.template)).toEqual(["momento_cart_recovery_1", "momento_cart_recovery_2"]);
    expect(harness.admin.calls).toBe(0);
    expect(await db.discountCode.findFirstOrThrow()).toMatchObject({ status: "FAILED", reason: "missing access: the app was not granted the write_discounts scope" });

    const admin = createShopifyAdminSimulator();
    admin.failNext("http500", MAX_DISCOUNT_ATTEMPTS);
    const deps = { db, adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey };
    await installSession();
    const request = { shop: SHOP, checkoutToken: "other", messageId: "m-2", percent: 10, expiresInDays: 7, now: clock.now() };
    const outcomes = [];
    for (let i = 0; i < MAX_DISCOUNT_ATTEMPTS; i++) outcomes.push((await ensureDiscountCode(deps, request)).status);
    expect(outcomes).toEqual(["retry", "retry", "unavailable"]);
    expect(await ensureDiscountCode(deps, request)).toMatchObject({ status: "unavailable" });
    expect(admin.calls).toBe(MAX_DISCOUNT_ATTEMPTS);
  });
});

describe("the discount template's approval, checked before a code is created", () => {
  const DISCOUNT_TEMPLATE = "momento_cart_recovery_2_discount";

  /** The shop's synced list: Momento's templates, approved unless `statuses` ("name/language") says otherwise. */
  async function syncWith(harness: ReturnType<typeof createCartHarness>, statuses: Record<string, TemplateStatus>) {
    const templates = suggestedTemplates(process.env.SHOPIFY_APP_URL!).map((t) => ({ ...t, status: statuses[`${t.name}/${t.language}`] ?? ("APPROVED" as const) }));
    await syncShopTemplates(db, SHOP, templates, T0);
    for (const [key, status] of Object.entries(statuses)) harness.sim.setTemplateStatus(key.split("/")[0], key.split("/")[1], status);
  }

  it("not approved in any language that could stand in: step 2 goes out plain, no code is created, and the timeline says why", async () => {
    const harness = createCartHarness(clock);
    await syncWith(harness, { [`${DISCOUNT_TEMPLATE}/de`]: "REJECTED", [`${DISCOUNT_TEMPLATE}/en`]: "PENDING" });
    await abandon();
    await harness.advance(25 * HOUR);
    expect(harness.sim.sent.map((m) => [m.template, m.language])).toEqual([["momento_cart_recovery_1", "de"], ["momento_cart_recovery_2", "de"]]);
    expect(harness.sim.rejected).toEqual([]);
    expect(harness.admin.calls).toBe(0);
    expect(await db.discountCode.count()).toBe(0);
    const stepTwo = (await reminders(token))[1];
    expect(stepTwo).toMatchObject({ template: "momento_cart_recovery_2", language: "de", sentAt: expect.any(Date) });
    const reasons = (await db.messageEvent.findMany({ where: { messageId: stepTwo.id }, orderBy: { id: "asc" } })).map((e) => e.reason ?? "");
    expect(reasons.find((r) => r.startsWith("discount_template_not_approved:"))).toMatch(/momento_cart_recovery_2_discount is REJECTED in de .*none was created/);
  });

  it("approved in the language that stands in (English): the code is created and step 2 goes out in it", async () => {
    const harness = createCartHarness(clock);
    await syncWith(harness, { [`${DISCOUNT_TEMPLATE}/de`]: "REJECTED" });
    await abandon();
    await harness.advance(25 * HOUR);
    expect(harness.sim.rejected).toEqual([]);
    const stepTwo = harness.sim.sent[1];
    expect([stepTwo.template, stepTwo.language]).toEqual([DISCOUNT_TEMPLATE, "en"]);
    expect(stepTwo.parameters.slice(3)).toEqual([harness.admin.discounts[0].code, "15", "March 6, 2026"]);
    const row = (await reminders(token))[1];
    expect(row).toMatchObject({ template: DISCOUNT_TEMPLATE, language: "en" });
    const reasons = (await db.messageEvent.findMany({ where: { messageId: row.id }, orderBy: { id: "asc" } })).map((e) => e.reason ?? "");
    expect(reasons.find((r) => r.startsWith("language_fallback:"))).toMatch(/^language_fallback: momento_cart_recovery_2_discount: The template is REJECTED in de; sent in en instead/);
  });
});
