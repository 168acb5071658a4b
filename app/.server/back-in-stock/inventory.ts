// inventory_levels/update → the last known level per (inventory item, location), and a Restock when the item's
// summed availability goes from ≤ 0 to > 0 while someone waits for its variant. No network call happens here
// (the webhook has 5 s and holds the write transaction): the variant is resolved through the Admin API by the
// worker's fan-out step and cached (variant-lookup.ts); a cached "unknown item" is skipped at once.
import { z } from "zod";
import { applyLevelUpdate } from "../automations/back-in-stock";
import type { DbTx } from "../db";
import type { ShopifyEvent, TopicResult } from "../ingest/receive-shopify-event";
import type { ShopContext } from "../ingest/projections";
import { describeZodError } from "../ingest/shopify-payloads";
import { readSettings } from "../settings/store";

/**
 * The real payload (fixtures/shopify/inventory_levels_update.json): `inventory_item_id` exceeds 2^53 and is
 * rounded as a JSON number, so the exact ids come from `admin_graphql_api_id`
 * ("gid://shopify/InventoryLevel/<location>?inventory_item_id=<item>").
 */
export const inventoryLevelPayload = z
  .object({
    inventory_item_id: z.number(),
    location_id: z.number(),
    available: z.number().int().nullable(),
    updated_at: z.coerce.date(),
    admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/, "not an InventoryLevel gid"),
  })
  .transform((p) => {
    const match = /^gid:\/\/shopify\/InventoryLevel\/(\d+)\?inventory_item_id=(\d+)$/.exec(p.admin_graphql_api_id)!;
    return { ...p, locationId: match[1], inventoryItemId: match[2] };
  });

export async function handleInventoryLevelUpdate(tx: DbTx, shop: ShopContext, event: ShopifyEvent, now: Date): Promise<TopicResult> {
  const parsed = inventoryLevelPayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: `skipped: inventory level payload not usable (${describeZodError(parsed.error)})` };
  const p = parsed.data;
  // `available` is null for an item that is not tracked: it never sells out, so there is nothing to announce.
  if (p.available === null) return { plans: [], note: "skipped: the inventory item is not tracked (available is null)" };

  const known = await tx.inventoryLevel.findMany({ where: { shop: shop.domain, inventoryItemId: p.inventoryItemId } });
  const outcome = applyLevelUpdate(
    known.map((l) => ({ locationId: l.locationId, available: l.available, updatedAt: l.sourceUpdatedAt })),
    { locationId: p.locationId, available: p.available, updatedAt: p.updated_at },
  );
  if (outcome.kind === "stale") return { plans: [], note: "older than the level we have for this location; ignored" };
  const key = { shop_inventoryItemId_locationId: { shop: shop.domain, inventoryItemId: p.inventoryItemId, locationId: p.locationId } };
  const data = { available: p.available, sourceUpdatedAt: p.updated_at };
  await tx.inventoryLevel.upsert({ where: key, create: { shop: shop.domain, inventoryItemId: p.inventoryItemId, locationId: p.locationId, ...data }, update: data });
  if (!outcome.restocked) return { plans: [], note: `available ${outcome.before} → ${outcome.after} (summed over locations); no restock` };

  // Most inventory changes concern nobody: no Admin API call and no fan-out unless the flow is on and someone waits.
  if (!(await readSettings(tx, shop.domain)).flows.back_in_stock.enabled) {
    return { plans: [], note: `restocked (${outcome.before} → ${outcome.after}); back in stock is switched off` };
  }
  const anyoneWaiting = await tx.backInStockSubscription.findFirst({ where: { shop: shop.domain, status: "WAITING" }, select: { id: true } });
  if (!anyoneWaiting) return { plans: [], note: `restocked (${outcome.before} → ${outcome.after}); nobody waits for a back-in-stock alert in this shop` };

  const cached = await tx.inventoryItemVariant.findUnique({ where: { shop_inventoryItemId: { shop: shop.domain, inventoryItemId: p.inventoryItemId } } });
  if (cached && cached.variantId === null) {
    return { plans: [], note: `skipped: unknown inventory item ${p.inventoryItemId} (the Admin API returned no variant for it)` };
  }
  if (cached?.variantId) {
    const waiting = await tx.backInStockSubscription.count({ where: { shop: shop.domain, variantId: cached.variantId, status: "WAITING" } });
    if (waiting === 0) return { plans: [], note: `restocked (${outcome.before} → ${outcome.after}); nobody waits for variant ${cached.variantId}` };
  }
  const restock = await tx.restock.create({
    data: { shop: shop.domain, inventoryItemId: p.inventoryItemId, variantId: cached?.variantId ?? "", detectedAt: now },
  });
  return { plans: [], note: `restocked (${outcome.before} → ${outcome.after}); fan-out ${restock.id} queued for the worker` };
}

/** The summed last known availability of an inventory item (the send-time relevance check). */
export async function availableNow(tx: DbTx, shop: string, inventoryItemId: string): Promise<number> {
  const { _sum } = await tx.inventoryLevel.aggregate({ where: { shop, inventoryItemId }, _sum: { available: true } });
  return _sum.available ?? 0;
}
