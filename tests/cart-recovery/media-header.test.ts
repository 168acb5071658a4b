// A cart reminder mapped to Momento's image-header template, through the real webhook routes to the Cloud API
// simulator: the first cart item's image rides in the header; a cart without an image goes out with the
// header-less step 1 instead (docs/decisions/011).
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { holdoutBucket } from "~/.server/cart-recovery/holdout";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { upsertTemplate } from "~/.server/templates/whatsapp-templates";
import { db, useVirtualClock } from "~/shopify.server";
import { getEnv } from "~/env.server";
import { deliverShopifyWebhook } from "../helpers/shopify";
import { checkoutPayload, consentFor, createCartHarness, HOUR, resetDatabase, setShopSettings, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const PHONE = "+4915112345678";
const IMAGE = "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/sneaker.png?v=1";

let clock: VirtualClock;
beforeEach(async () => {
  await resetDatabase();
  await db.whatsAppTemplate.deleteMany();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  // The shop's WABA holds Momento's templates, approved (as a sync would have stored them).
  for (const t of suggestedTemplates(getEnv().SHOPIFY_APP_URL)) {
    await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, T0);
  }
  await setShopSettings({ flows: { cart_recovery: { template: TEMPLATE_NAMES.cartRecovery1Image } } });
  await consentFor(PHONE, "CONFIRMED", T0);
});

function tokenOutsideHoldout(prefix: string): string {
  for (let i = 0; ; i++) if (holdoutBucket(SHOP, `${prefix}${i}`) >= 10) return `${prefix}${i}`;
}

function cartWithImages(token: string, images: (string | undefined)[]) {
  const payload = checkoutPayload(token);
  return { ...payload, line_items: (payload.line_items as Record<string, unknown>[]).map((item, i) => ({ ...item, image_url: images[i] })) };
}

async function deliver(topic: string, payload: unknown) {
  expect((await deliverShopifyWebhook({ topic, payload })).status).toBe(200);
}

describe("cart reminder with an image header", () => {
  it("sends step 1 with the first item's image in the header, step 2 header-less as before", async () => {
    const token = tokenOutsideHoldout("img");
    await deliver("checkouts/create", cartWithImages(token, [undefined, IMAGE]));
    const harness = createCartHarness(clock);
    await harness.advance(24 * HOUR);
    expect(harness.sim.rejected).toEqual([]);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([
      [TEMPLATE_NAMES.cartRecovery1Image, [IMAGE]],
      [TEMPLATE_NAMES.cartRecovery2, []],
    ]);
    expect(harness.sim.sent[0].text).toMatch(/^Hallo John, in deinem Warenkorb liegt noch Sneaker Classic und 2 × Socken/);
    // The checkout keeps its items (and their images) for the Automations preview.
    const stored = await db.checkout.findFirstOrThrow({ where: { token } });
    expect(JSON.parse(stored.lineItems!)).toEqual([
      { title: "Sneaker Classic", quantity: 1, imageUrl: null, variantId: "808950810" },
      { title: "Socken", quantity: 2, imageUrl: IMAGE, variantId: "808950810" },
    ]);
  });

  it("a newer update of the cart moves the header to its image", async () => {
    const token = tokenOutsideHoldout("upd");
    await deliver("checkouts/create", cartWithImages(token, [IMAGE]));
    const newer = "https://cdn.shopify.com/s/files/1/0005/4838/0009/products/boot.png";
    await deliver("checkouts/update", { ...cartWithImages(token, [newer]), updated_at: "2026-03-02T10:20:00Z" });
    const harness = createCartHarness(clock);
    await harness.advance(2 * HOUR);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.cartRecovery1Image, [newer]]]);
  });

  it("a cart without any image goes out with the header-less step 1, and the log says why", async () => {
    const token = tokenOutsideHoldout("plain");
    await deliver("checkouts/create", cartWithImages(token, []));
    const harness = createCartHarness(clock);
    await harness.advance(2 * HOUR);
    expect(harness.sim.rejected).toEqual([]);
    expect(harness.sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[TEMPLATE_NAMES.cartRecovery1, []]]);
    const planned = await db.messageEvent.findFirstOrThrow({ where: { message: { checkoutToken: token, dedupeKey: { endsWith: "step1" } }, source: "planner" } });
    // The cart names its variant, so the send path would ask Shopify for its image; this shop has no offline session.
    expect(planned.reason).toContain("momento_cart_recovery_1_image needs a header image this message does not have; planned with momento_cart_recovery_1 until the variant's image is looked up");
    const sent = await db.messageEvent.findFirstOrThrow({ where: { message: { checkoutToken: token, dedupeKey: { endsWith: "step1" } }, reason: { startsWith: "variant_image_unavailable:" } } });
    expect(sent.reason).toContain("momento_cart_recovery_1 goes out without one");
  });
});
