// The order confirmation mapped to a merchant's template with an IMAGE header (docs/decisions/011): Shopify's
// orders/create carries variant ids, no images, so the first item's variant image is looked up at send time through
// the Admin API (the simulator at the network edge), not on the webhook path.
import { beforeEach, describe, expect, it } from "vitest";
import { orderConfirmationPrepareSend } from "~/.server/automations/order-confirmation-send";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import type { Db } from "~/.server/db";
import { loadSendFacts } from "~/.server/outbox/facts";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { upsertTemplate } from "~/.server/templates/whatsapp-templates";
import { getEnv } from "~/env.server";
import { db, useVirtualClock } from "~/shopify.server";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { fixture } from "../fixtures";
import { consentFor, createCartHarness, installSession, setShopSettings, SHOP } from "../cart-recovery/helpers";
import { deliver, orderAt, PHONE, resetFlows } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const VARIANT = "808950810";
const VARIANT_IMAGE = "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/sneaker-red.png?v=2";
const MERCHANT_TEMPLATE = "shop_order_photo";

const momento = suggestedTemplates(getEnv().SHOPIFY_APP_URL);
const orderDe = momento.find((t) => t.name === TEMPLATE_NAMES.orderConfirmation && t.language === "de")!;
// The merchant's own order confirmation: Momento's wording under a product photo.
const photoTemplate = { ...orderDe, name: MERCHANT_TEMPLATE, components: [{ type: "HEADER", format: "IMAGE", example: { header_handle: ["4::aW1hZ2UvcG5n:ARexample"] } }, ...orderDe.components] };

let clock: VirtualClock;
beforeEach(async () => {
  await resetFlows();
  await db.variantImage.deleteMany();
  await db.session.deleteMany();
  await db.whatsAppTemplate.deleteMany();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  for (const t of [...momento, photoTemplate]) {
    await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, T0);
  }
  await setShopSettings({ flows: { order_confirmation: { template: MERCHANT_TEMPLATE } } });
  await installSession();
  await consentFor(PHONE, "REQUESTED", T0);
});

/** The orders/create sample with variant ids on its items from the given position on (the sample has none). */
function orderWithVariants(from: number | null) {
  const items = fixture<{ line_items: Record<string, unknown>[] }>("shopify/orders_create.json").line_items;
  return orderAt(T0, { line_items: items.map((item, i) => ({ ...item, variant_id: from !== null && i >= from ? Number(VARIANT) + i - from : null })) });
}

describe("order confirmation with an image header looked up at send time", () => {
  it("sends the merchant's image template with the first variant's image; the webhook asked Shopify nothing", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: VARIANT_IMAGE, productImageUrl: null });
    const harness = createCartHarness(clock, { admin, extraTemplates: [photoTemplate] });
    await deliver("orders/create", orderWithVariants(1));
    expect(admin.calls).toBe(0);
    expect((await db.order.findFirstOrThrow()).firstVariantId).toBe(VARIANT);
    await harness.advance(60_000);

    expect(harness.sim.rejected).toEqual([]);
    const confirmations = harness.sim.sent.filter((m) => m.template === MERCHANT_TEMPLATE || m.template === TEMPLATE_NAMES.orderConfirmation);
    expect(confirmations.map((m) => [m.template, m.headerParameters])).toEqual([[MERCHANT_TEMPLATE, [VARIANT_IMAGE]]]);
    expect(admin.variantLookups).toEqual([{ shop: SHOP, variantId: VARIANT }]);
  });

  it("an order whose items name no variant goes out with Momento's header-less confirmation, without a lookup", async () => {
    const admin = createShopifyAdminSimulator();
    const harness = createCartHarness(clock, { admin, extraTemplates: [photoTemplate] });
    await deliver("orders/create", orderWithVariants(null));
    await harness.advance(60_000);
    const confirmations = harness.sim.sent.filter((m) => m.template === MERCHANT_TEMPLATE || m.template === TEMPLATE_NAMES.orderConfirmation);
    expect(confirmations.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.orderConfirmation, []]]);
    expect(admin.calls).toBe(0);
    const [message] = await db.message.findMany({ where: { flow: "order_confirmation" }, include: { events: true } });
    expect(message.events.map((e) => e.reason ?? "").join(" | ")).toContain(`${MERCHANT_TEMPLATE} needs a header image this message does not have; sent with ${TEMPLATE_NAMES.orderConfirmation} instead`);
  });
});

describe("the order confirmation's send step reads only what the send's facts do not hold", () => {
  it("no settings at all, and nothing else when the facts name no mapped template", async () => {
    createCartHarness(clock, { extraTemplates: [photoTemplate] });
    await deliver("orders/create", orderWithVariants(1));
    const message = await db.message.findFirstOrThrow({ where: { flow: "order_confirmation" } });
    const components = JSON.parse(message.components);
    const facts = await loadSendFacts(db, message, defaultOutboxPolicy, T0);
    expect(facts.flowTemplate).toBe(MERCHANT_TEMPLATE);

    const read: string[] = [];
    const watched = new Proxy(db, { get: (target, key) => (typeof key === "string" && read.push(key), Reflect.get(target, key)) }) as Db;
    const prepare = orderConfirmationPrepareSend({ db: watched, adminGraphql: null, secretsKey: Buffer.alloc(32) });

    expect(await prepare(message, components, T0, { ...facts, flowTemplate: null })).toEqual({ action: "send" });
    expect(read).toEqual([]);

    // With the mapping: the synced templates and the order's first variant, never the shop's settings again.
    await prepare(message, components, T0, facts);
    expect(read).toContain("whatsAppTemplate");
    expect(read).toContain("order");
    expect(read).not.toContain("shop");
  });
});
