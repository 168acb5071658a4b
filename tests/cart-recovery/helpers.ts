// Cart-recovery test fixtures: Shopify's real checkout sample made into a German checkout with a phone, consent
// rows with their log, and the app as the shopper meets it (scheduler, worker with the discount and header-image
// steps, the Cloud API simulator and the Admin API stand-in, all on one virtual clock).
import type { VirtualClock } from "~/.server/clock";
import { cartRecoveryPrepareSend } from "~/.server/cart-recovery/prepare-send";
import { nextStep1DueAt, runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { prepareSendByFlow } from "~/.server/outbox/prepare-by-flow";
import { orderConfirmationPrepareSend } from "~/.server/automations/order-confirmation-send";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { offlineSessionId } from "~/.server/shopify-admin/offline-session";
import { db } from "~/shopify.server";
import type { SimulatorTemplate } from "../../simulator/cloud-api";
import { createShopifyAdminSimulator, type ShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { fixture } from "../fixtures";
import { TEST_SHOP } from "../helpers/shopify";
import { sealedToken, secretsKey } from "../helpers/session-key";
import { createVirtualWorker } from "../helpers/virtual-worker";
import { resetMessagesAndConsent } from "../consent/helpers";

export const SHOP = TEST_SHOP;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

let idSeq = 0;

/** The real checkouts/create sample as a German checkout with a phone; token, times and cart are the caller's. */
export function checkoutPayload(token: string, overrides: Record<string, unknown> = {}) {
  const sample = fixture<Record<string, unknown>>("shopify/checkouts_create.json");
  idSeq += 1;
  // The shopper's addresses are in Germany too: their country decides the quiet hours' time zone.
  const german = (address: unknown) => (address ? { ...(address as Record<string, unknown>), country: "Germany", country_code: "DE", province: null, province_code: null } : address);
  return {
    ...sample,
    shipping_address: german(sample.shipping_address),
    billing_address: german(sample.billing_address),
    token,
    cart_token: `cart-${token}`,
    name: `#${7_000_000 + idSeq}`,
    phone: "+49 151 12345678",
    customer_locale: "de",
    currency: "EUR",
    presentment_currency: "EUR",
    total_price: "89.90",
    completed_at: null,
    abandoned_checkout_url: `https://shop.example/checkouts/${token}/recover?key=secret-${token}`,
    created_at: "2026-03-02T10:00:00Z",
    updated_at: "2026-03-02T10:00:00Z",
    line_items: [
      { ...(sample.line_items as Record<string, unknown>[])[0], title: "Sneaker Classic", presentment_title: "Sneaker Classic", quantity: 1 },
      { ...(sample.line_items as Record<string, unknown>[])[0], title: "Socken", presentment_title: "Socken", quantity: 2 },
    ],
    ...overrides,
  };
}

/** A consent row with its log: REQUESTED then CONFIRMED (or only REQUESTED), at the given instant. */
export async function consentFor(phone: string, state: "CONFIRMED" | "REQUESTED", at: Date, shop = SHOP): Promise<void> {
  const consent = await db.consent.create({ data: { shop, phone, state, updatedAt: at } });
  await db.consentEvent.create({ data: { consentId: consent.id, shop, fromState: "NONE", toState: "REQUESTED", source: "test", at } });
  if (state === "CONFIRMED") await db.consentEvent.create({ data: { consentId: consent.id, shop, fromState: "REQUESTED", toState: "CONFIRMED", source: "test", at } });
}

export async function resetDatabase(): Promise<void> {
  await resetMessagesAndConsent();
  await db.cartRecovery.deleteMany();
  await db.discountCode.deleteMany();
  await db.variantImage.deleteMany();
  await db.order.deleteMany();
  await db.checkout.deleteMany();
  await db.customer.deleteMany();
  await db.webhookEvent.deleteMany();
  await db.session.deleteMany();
  await db.whatsAppTemplate.deleteMany();
  await db.whatsAppConnection.deleteMany();
  await db.shop.deleteMany();
}

/** Shop.settings for the test shop (created if needed). */
export async function setShopSettings(settings: Record<string, unknown>, shop = SHOP): Promise<void> {
  await db.shop.upsert({ where: { domain: shop }, create: { domain: shop, settings: JSON.stringify(settings) }, update: { settings: JSON.stringify(settings) } });
}

/** The offline session the worker's Admin API calls use. */
export async function installSession(shop = SHOP, scope = "read_orders,read_customers,write_discounts"): Promise<void> {
  await db.session.upsert({
    where: { id: offlineSessionId(shop) },
    create: { id: offlineSessionId(shop), shop, state: "", isOnline: false, scope, accessToken: sealedToken("shpat_test") },
    update: { scope },
  });
}

export function reminders(token?: string) {
  return db.message.findMany({ where: { flow: "cart_recovery", ...(token ? { checkoutToken: token } : {}) }, orderBy: { dedupeKey: "asc" } });
}

/** The app as the shopper meets it: the worker with the cart-recovery scheduler, the discount and header-image steps. */
export function createCartHarness(clock: VirtualClock, options: { admin?: ShopifyAdminSimulator; extraTemplates?: SimulatorTemplate[] } = {}) {
  const admin = options.admin ?? createShopifyAdminSimulator();
  const adminGraphql = createAdminGraphql({ fetch: admin.fetch });
  const worker = createVirtualWorker(clock, {
    workerId: "cart-test",
    extraTemplates: options.extraTemplates,
    prepareSend: prepareSendByFlow({
      cart_recovery: cartRecoveryPrepareSend({ db, adminGraphql, secretsKey }),
      order_confirmation: orderConfirmationPrepareSend({ db, adminGraphql, secretsKey }),
    }),
    beforeDispatch: [() => runCartRecoveryScheduler(db, clock)],
    dueAt: [() => nextStep1DueAt(db)],
  });
  return { ...worker, admin };
}
