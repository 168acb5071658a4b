// Step 1's header image from the Admin API (docs/decisions/011): Shopify's checkout webhooks carry variant ids, no
// images, so a reminder mapped to momento_cart_recovery_1_image looks the cart's first variant's image up right
// before the send, cached per shop and variant. The Admin API is the simulator at the network edge.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { holdoutBucket } from "~/.server/cart-recovery/holdout";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { resolveVariantImage, VARIANT_IMAGE_TTL_MS } from "~/.server/shopify-admin/variant-image";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { upsertTemplate } from "~/.server/templates/whatsapp-templates";
import { getEnv } from "~/env.server";
import { db, useVirtualClock } from "~/shopify.server";
import { createShopifyAdminSimulator, type AdminFailure, type ShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { fixture } from "../fixtures";
import { deliverShopifyWebhook } from "../helpers/shopify";
import { secretsKey } from "../helpers/session-key";
import { checkoutPayload, consentFor, createCartHarness, HOUR, installSession, resetDatabase, setShopSettings, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const VARIANT_IMAGE = "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/sneaker-red.png?v=2";
const PRODUCT_IMAGE = "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/sneaker.png?v=1";
// The variant of both line items of Shopify's checkouts/create sample.
const VARIANT = String((fixture<{ line_items: { variant_id: number }[] }>("shopify/checkouts_create.json")).line_items[0].variant_id);

let clock: VirtualClock;
beforeEach(async () => {
  await resetDatabase();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  await installSession();
});

describe("resolveVariantImage", () => {
  const lookup = (admin: ShopifyAdminSimulator, variantId = VARIANT, now = T0) =>
    resolveVariantImage({ db, adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey }, SHOP, variantId, now);

  const cases: {
    name: string;
    images?: { imageUrl: string | null; productImageUrl: string | null };
    failure?: AdminFailure;
    outcome: Record<string, unknown>;
    cached: string | null | undefined;
  }[] = [
    { name: "the variant's own image", images: { imageUrl: VARIANT_IMAGE, productImageUrl: PRODUCT_IMAGE }, outcome: { status: "image", url: VARIANT_IMAGE }, cached: VARIANT_IMAGE },
    { name: "the product's image when the variant has none", images: { imageUrl: null, productImageUrl: PRODUCT_IMAGE }, outcome: { status: "image", url: PRODUCT_IMAGE }, cached: PRODUCT_IMAGE },
    { name: "no image at all", images: { imageUrl: null, productImageUrl: null }, outcome: { status: "none", reason: "Shopify has no image for the variant or its product" }, cached: null },
    { name: "a variant Shopify does not know", outcome: { status: "none", reason: "Shopify knows no such variant (any more)" }, cached: null },
    { name: "throttled", images: { imageUrl: VARIANT_IMAGE, productImageUrl: null }, failure: "throttled", outcome: { status: "retry", reason: "throttled by Shopify" }, cached: undefined },
    { name: "HTTP 429", images: { imageUrl: VARIANT_IMAGE, productImageUrl: null }, failure: "http429", outcome: { status: "retry", reason: "throttled by Shopify", retryAfterMs: 2000 }, cached: undefined },
    { name: "a server error", images: { imageUrl: VARIANT_IMAGE, productImageUrl: null }, failure: "http500", outcome: { status: "retry" }, cached: undefined },
    { name: "access denied", images: { imageUrl: VARIANT_IMAGE, productImageUrl: null }, failure: "access_denied", outcome: { status: "failed" }, cached: undefined },
  ];

  it.each(cases)("$name", async ({ images, failure, outcome, cached }) => {
    const admin = createShopifyAdminSimulator();
    if (images) admin.addVariant(SHOP, VARIANT, images);
    if (failure) admin.failNext(failure);
    expect(await lookup(admin)).toMatchObject(outcome);
    expect(admin.calls).toBe(1);
    const row = await db.variantImage.findUnique({ where: { shop_variantId: { shop: SHOP, variantId: VARIANT } } });
    // Answers are cached (a "none" too); failures are not, so the next send asks again.
    expect(row?.imageUrl).toBe(cached);
  });

  it("asks Shopify once per variant while the answer is fresh, and again after the expiry", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: VARIANT_IMAGE, productImageUrl: null });
    expect(await lookup(admin)).toEqual({ status: "image", url: VARIANT_IMAGE });
    admin.addVariant(SHOP, VARIANT, { imageUrl: PRODUCT_IMAGE, productImageUrl: null });
    expect(await lookup(admin, VARIANT, new Date(T0.getTime() + VARIANT_IMAGE_TTL_MS - 1))).toEqual({ status: "image", url: VARIANT_IMAGE });
    expect(admin.variantLookups).toEqual([{ shop: SHOP, variantId: VARIANT }]);
    expect(await lookup(admin, VARIANT, new Date(T0.getTime() + VARIANT_IMAGE_TTL_MS))).toEqual({ status: "image", url: PRODUCT_IMAGE });
    expect(admin.variantLookups).toHaveLength(2);
  });

  it("without an offline session there is nothing to ask with", async () => {
    await db.session.deleteMany();
    const admin = createShopifyAdminSimulator();
    expect(await lookup(admin)).toMatchObject({ status: "failed" });
    expect(admin.calls).toBe(0);
  });
});

describe("cart reminder mapped to the image template, checkout webhooks without images", () => {
  const PHONES = ["+4915112345678", "+4915112345679"];

  beforeEach(async () => {
    await db.whatsAppTemplate.deleteMany();
    for (const t of suggestedTemplates(getEnv().SHOPIFY_APP_URL)) {
      await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, T0);
    }
    await setShopSettings({ flows: { cart_recovery: { template: TEMPLATE_NAMES.cartRecovery1Image } } });
    for (const phone of PHONES) await consentFor(phone, "CONFIRMED", T0);
  });

  function tokenOutsideHoldout(prefix: string): string {
    for (let i = 0; ; i++) if (holdoutBucket(SHOP, `${prefix}${i}`) >= 10) return `${prefix}${i}`;
  }

  async function deliverCheckout(token: string, phone: string, at: Date) {
    const payload = checkoutPayload(token, { phone, created_at: at.toISOString(), updated_at: at.toISOString() });
    expect((payload.line_items as Record<string, unknown>[]).every((i) => !("image_url" in i))).toBe(true);
    expect((await deliverShopifyWebhook({ topic: "checkouts/create", payload })).status).toBe(200);
  }

  const step1 = (token: string) => db.message.findFirstOrThrow({ where: { checkoutToken: token, dedupeKey: { endsWith: "step1" } }, include: { events: { orderBy: { at: "asc" } } } });
  const reasons = async (token: string) => (await step1(token)).events.map((e) => e.reason ?? "");

  it("sends the variant's image from the Admin API in the header, and a second cart with the same variant uses the cache", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: VARIANT_IMAGE, productImageUrl: PRODUCT_IMAGE });
    const harness = createCartHarness(clock, { admin });
    const first = tokenOutsideHoldout("vimg");
    await deliverCheckout(first, "+49 151 12345678", T0);
    expect(admin.calls).toBe(0); // Nothing is asked on the webhook path.
    await harness.advance(2 * HOUR);
    const second = tokenOutsideHoldout("vimg2-");
    await deliverCheckout(second, "+49 151 12345679", clock.now());
    await harness.advance(2 * HOUR);

    expect(harness.sim.rejected).toEqual([]);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([
      [TEMPLATE_NAMES.cartRecovery1Image, [VARIANT_IMAGE]],
      [TEMPLATE_NAMES.cartRecovery1Image, [VARIANT_IMAGE]],
    ]);
    expect(admin.variantLookups).toEqual([{ shop: SHOP, variantId: VARIANT }]);
    expect(admin.calls).toBe(1);
    // The row shows what was sent; the timeline says where the image came from.
    expect((await step1(second)).template).toBe(TEMPLATE_NAMES.cartRecovery1Image);
    expect((await reasons(first)).some((r) => r.startsWith("variant_image: The image of the first item's variant, looked up at Shopify"))).toBe(true);
  });

  it("throttled lookups wait and try again, and after the last try the header-less step 1 goes out with a note", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: VARIANT_IMAGE, productImageUrl: null });
    admin.failNext("throttled", 3);
    const harness = createCartHarness(clock, { admin });
    const token = tokenOutsideHoldout("thr");
    await deliverCheckout(token, "+49 151 12345678", T0);
    await harness.advance(2 * HOUR);

    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.cartRecovery1, []]]);
    expect(admin.variantLookups).toHaveLength(0); // The simulator failed all three before looking.
    expect(admin.calls).toBe(3);
    const log = await reasons(token);
    expect(log.filter((r) => r.startsWith("variant_image_retry:"))).toHaveLength(2);
    expect(log.some((r) => r.startsWith("variant_image_unavailable:") && r.includes("in 3 tries") && r.includes("momento_cart_recovery_1 goes out without one"))).toBe(true);
    expect(await db.variantImage.count()).toBe(0);
  });

  it("a throttled lookup that succeeds on the next try still sends the image", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: null, productImageUrl: PRODUCT_IMAGE });
    admin.failNext("http429");
    const harness = createCartHarness(clock, { admin });
    const token = tokenOutsideHoldout("once");
    await deliverCheckout(token, "+49 151 12345678", T0);
    await harness.advance(2 * HOUR);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.cartRecovery1Image, [PRODUCT_IMAGE]]]);
    expect((await reasons(token)).filter((r) => r.startsWith("variant_image_retry:"))).toHaveLength(1);
  });

  it("a variant without any image: the header-less step 1 goes out, and the log says why", async () => {
    const admin = createShopifyAdminSimulator();
    admin.addVariant(SHOP, VARIANT, { imageUrl: null, productImageUrl: null });
    const harness = createCartHarness(clock, { admin });
    const token = tokenOutsideHoldout("none");
    await deliverCheckout(token, "+49 151 12345678", T0);
    await harness.advance(2 * HOUR);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.cartRecovery1, []]]);
    expect(await reasons(token)).toContainEqual(
      "variant_image_missing: momento_cart_recovery_1_image needs a header image: Shopify has no image for the variant or its product; momento_cart_recovery_1 goes out without one.",
    );
  });
});
