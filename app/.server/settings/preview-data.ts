// The Automations preview with the shop's own data: per flow, the most recent record the flow would write to
// (the latest order, fulfilment with tracking, checkout, back-in-stock signup), turned into template parameters by
// the planners' own functions, so the preview says what would be sent. A flow without such a record previews the
// catalogue's sample values instead. A product image the webhook did not carry comes from the variant-image cache
// (shopify-admin/variant-image.ts) when a send has looked it up before; the preview itself asks Shopify nothing.
import { backInStockParameters } from "../automations/back-in-stock";
import { parseCartItems, reminderMedia, reminderParameters } from "../automations/cart-recovery";
import { feedbackParameters } from "../automations/feedback";
import { orderConfirmationParameters } from "../automations/order-confirmation";
import { loyaltyParameters, winBackParameters } from "../automations/retention";
import { shippingParameters } from "../automations/shipping-update";
import type { DbTx } from "../db";
import type { TemplateLanguage } from "../templates/catalogue";
import type { HeaderMedia } from "../templates/media-header";
import type { FlowId, ShopSettings } from "./schema";

export type PreviewSource = { kind: "order"; name: string } | { kind: "checkout"; at: Date } | { kind: "signup"; product: string | null };

export interface PreviewRecord {
  source: PreviewSource;
  /**
   * The body parameters the planner would send for this record. Values that only exist at send time (discount
   * codes) are not among them; the sample values fill those places.
   */
  parameters: (language: TemplateLanguage) => string[];
  media: HeaderMedia;
}

const ORDER_FLOWS = ["order_confirmation", "feedback", "win_back", "loyalty"] as const;


async function firstNameOf(db: DbTx, shop: string, customerKey: string | null): Promise<string | null> {
  if (!customerKey) return null;
  const customer = await db.customer.findUnique({ where: { shop_key: { shop, key: customerKey } }, select: { firstName: true } });
  return customer?.firstName ?? null;
}

/** The preview record of each flow that has one; a few indexed reads (latest row per table). */
export async function loadPreviewRecords(db: DbTx, shop: string, settings: Pick<ShopSettings, "loyaltyOrderCount">, shopName: string): Promise<Partial<Record<FlowId, PreviewRecord>>> {
  const records: Partial<Record<FlowId, PreviewRecord>> = {};
  const [order, fulfillment, checkout, signup] = await Promise.all([
    db.order.findFirst({ where: { shop, test: false }, orderBy: { createdAt: "desc" } }),
    db.fulfillment.findFirst({ where: { shop, trackingNumber: { not: null }, orderId: { not: null } }, orderBy: { createdAt: "desc" } }),
    db.checkout.findFirst({ where: { shop, deletedAt: null }, orderBy: { createdAt: "desc" } }),
    db.backInStockSubscription.findFirst({ where: { shop }, orderBy: { createdAt: "desc" } }),
  ]);

  if (order) {
    const customer = { firstName: await firstNameOf(db, shop, order.customerKey), name: order.name, totalPrice: order.totalPrice, currency: order.currency };
    const source: PreviewSource = { kind: "order", name: order.name };
    const parameters: Record<(typeof ORDER_FLOWS)[number], (l: TemplateLanguage) => string[]> = {
      order_confirmation: (l) => orderConfirmationParameters(customer, l),
      feedback: (l) => feedbackParameters(customer, shopName, l),
      win_back: (l) => winBackParameters(customer, shopName, l),
      loyalty: (l) => loyaltyParameters(customer, settings.loyaltyOrderCount, l),
    };
    for (const flow of ORDER_FLOWS) records[flow] = { source, parameters: parameters[flow], media: {} };
    records.order_confirmation!.media = { variantId: order.firstVariantId };
  }
  // A fulfillment whose order has not arrived yet (orderId null) is not picked.
  if (fulfillment?.trackingNumber && fulfillment.orderId) {
    const shipped = await db.order.findUnique({ where: { id: fulfillment.orderId }, select: { name: true, customerKey: true } });
    if (shipped) {
      const recipient = { firstName: await firstNameOf(db, shop, shipped.customerKey), name: shipped.name };
      const parcel = { trackingCompany: fulfillment.trackingCompany, trackingNumber: fulfillment.trackingNumber };
      records.shipping_update = { source: { kind: "order", name: shipped.name }, parameters: (l) => shippingParameters(recipient, parcel, l), media: {} };
    }
  }
  if (checkout) {
    const cart = { firstName: checkout.firstName, items: parseCartItems(checkout.lineItems), totalPrice: checkout.totalPrice, currency: checkout.currency };
    records.cart_recovery = { source: { kind: "checkout", at: checkout.createdAt }, parameters: (l) => reminderParameters(cart, l), media: reminderMedia(cart) };
  }
  if (signup) {
    const variant = await db.inventoryItemVariant.findFirst({ where: { shop, variantId: signup.variantId }, select: { productTitle: true, variantTitle: true, imageUrl: true } });
    const product = { productTitle: variant?.productTitle ?? null, variantTitle: variant?.variantTitle ?? null, productUrl: null, imageUrl: variant?.imageUrl ?? null };
    records.back_in_stock = {
      source: { kind: "signup", product: variant?.productTitle ? backInStockParameters(product, "en")[0] : null },
      parameters: (l) => backInStockParameters(product, l),
      media: { image: product.imageUrl },
    };
  }
  await fillCachedVariantImages(db, shop, Object.values(records));
  return records;
}

/** Media still waiting for a variant's image get the cached one, whatever its age (a preview, not a send). */
async function fillCachedVariantImages(db: DbTx, shop: string, records: PreviewRecord[]): Promise<void> {
  const waiting = records.filter((r) => !r.media.image && r.media.variantId);
  if (waiting.length === 0) return;
  const cached = await db.variantImage.findMany({ where: { shop, variantId: { in: waiting.map((r) => r.media.variantId!) }, imageUrl: { not: null } } });
  const byVariant = new Map(cached.map((c) => [c.variantId, c.imageUrl]));
  for (const record of waiting) {
    const image = byVariant.get(record.media.variantId!);
    if (image) record.media = { ...record.media, image };
  }
}
