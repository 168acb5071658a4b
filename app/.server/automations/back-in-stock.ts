// Back in stock (DESIGN.md §5): pure pieces of the flow. A variant's availability is the sum of the last known
// `available` over its locations (docs/back-in-stock.md); a restock is that sum going from ≤ 0 to > 0. The
// fan-out plans one message per waiting, confirmed subscriber, spaced at the fan-out's share of the send rate.
import { TEMPLATE_NAMES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import { cleanParameter } from "./cart-recovery";
import { bodyText, type MessagePlan } from "./types";

export interface LocationLevel {
  locationId: string;
  available: number;
  /** Shopify's updated_at of the payload that set it. */
  updatedAt: Date;
}

export interface LevelUpdate {
  locationId: string;
  available: number;
  updatedAt: Date;
}

export type LevelOutcome =
  /** An older payload than the one we hold for this location: nothing changes. */
  | { kind: "stale" }
  | { kind: "applied"; before: number; after: number; restocked: boolean };

/**
 * Applies one inventory_levels/update to the known levels of an inventory item. The variant counts as sold out
 * before when the sum of what we knew was ≤ 0 — including knowing nothing yet, since a shopper can only sign up
 * on a sold-out product page: the first news after a signup is the restock.
 */
export function applyLevelUpdate(known: LocationLevel[], update: LevelUpdate): LevelOutcome {
  const current = known.find((l) => l.locationId === update.locationId);
  if (current && current.updatedAt > update.updatedAt) return { kind: "stale" };
  const before = known.reduce((sum, l) => sum + l.available, 0);
  const after = before - (current?.available ?? 0) + update.available;
  return { kind: "applied", before, after, restocked: before <= 0 && after > 0 };
}

export interface RestockProduct {
  productTitle: string | null;
  variantTitle: string | null;
  productUrl: string | null;
  /** The variant's image, else the product's (Admin API lookup); an IMAGE header shows it. */
  imageUrl?: string | null;
}

export interface FanOutSubscriber {
  subscriptionId: string;
  phone: string;
  locale: string | null;
}

export function backInStockDedupeKey(restockId: string, subscriptionId: string): string {
  return `back_in_stock:${restockId}:${subscriptionId}`;
}

/** The restock and subscription a back-in-stock message is about, from its dedupeKey. */
export function parseBackInStockDedupeKey(dedupeKey: string): { restockId: string; subscriptionId: string } | null {
  const match = /^back_in_stock:([^:]+):([^:]+)$/.exec(dedupeKey);
  return match ? { restockId: match[1], subscriptionId: match[2] } : null;
}

/** "Sneaker Classic – 42"; Shopify's "Default Title" of a product without options is left out. */
export function productLabel(product: RestockProduct, fallback: string): string {
  const title = product.productTitle?.trim() || fallback;
  const variant = product.variantTitle?.trim();
  return cleanParameter(variant && variant !== "Default Title" ? `${title} – ${variant}` : title, 60);
}

const FALLBACK_TITLE = { de: "Dein gewünschter Artikel", en: "The item you asked about" } as const;

/** Body {{1}}: the product (and variant). */
export function backInStockParameters(product: RestockProduct, language: TemplateLanguage): string[] {
  return [productLabel(product, FALLBACK_TITLE[language])];
}

/**
 * One batch of the fan-out: a message per subscriber, the `offset`-th of the restock sent `offset · spacingMs`
 * after `start` (so the whole fan-out runs at the policy's rate, whatever the batch size).
 */
export function planBackInStockBatch(
  restock: { id: string; detectedAt: Date },
  product: RestockProduct,
  subscribers: FanOutSubscriber[],
  shop: { locale: string },
  offset: number,
  spacingMs: number,
  start: Date,
): MessagePlan[] {
  return subscribers.map((s, index) => {
    const language = templateLanguage(s.locale, shop.locale);
    return {
      flow: "back_in_stock",
      dedupeKey: backInStockDedupeKey(restock.id, s.subscriptionId),
      to: s.phone,
      customerKey: `phone:${s.phone}`,
      category: "MARKETING",
      template: TEMPLATE_NAMES.backInStock,
      language,
      components: [bodyText(...backInStockParameters(product, language))],
      media: { image: product.imageUrl ?? null },
      linkUrl: product.productUrl ?? undefined,
      sendAfter: new Date(start.getTime() + Math.floor((offset + index) * spacingMs)),
    };
  });
}

export type BackInStockSendCheck =
  | { action: "send" }
  | { action: "cancel"; reason: "sold_out_again" | "already_notified"; detail: string };

/** Relevance at send time: the variant is still available and the subscription was not notified meanwhile. */
export function backInStockRelevance(availableNow: number, subscriptionStatus: string | null): BackInStockSendCheck {
  if (subscriptionStatus !== "WAITING") {
    return { action: "cancel", reason: "already_notified", detail: "The subscription was notified already (or no longer exists); one alert per signup." };
  }
  if (availableNow <= 0) return { action: "cancel", reason: "sold_out_again", detail: "The variant sold out again before the alert went out; the signup keeps waiting for the next restock." };
  return { action: "send" };
}
