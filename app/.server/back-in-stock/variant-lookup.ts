// inventory item → variant, product title, image and URL through the Admin GraphQL API, cached per
// (shop, inventory item) in InventoryItemVariant. An item Shopify does not know is cached as unknown
// (variantId null), so a later webhook for it is skipped without another call.
import type { InventoryItemVariant } from "@prisma/client";
import { adminQuery, type AdminLookupDeps, VARIANT_IMAGE_FRAGMENT, variantImageUrl, type VariantImageNode } from "../shopify-admin/variant-image";

/*
 * Shape from Shopify's Admin GraphQL reference (2026-07): `inventoryItem(id: ID!): InventoryItem` (null when there is
 * none). `InventoryItem.variant` is deprecated since 2026-01 in favour of the `variants` connection
 * (https://shopify.dev/changelog/inventory-item-variant-field-deprecation), which returns one node today.
 * ProductVariant { id, title, image { url }, product { title, onlineStoreUrl, featuredMedia { preview { image { url } } } } }
 * (the image fields are shopify-admin/variant-image.ts's fragment).
 * Scope: read_inventory + read_products (requested in shopify.app.toml).
 */
export const INVENTORY_ITEM_QUERY = /* GraphQL */ `
  query MomentoInventoryItemVariant($id: ID!) {
    inventoryItem(id: $id) {
      id
      variants(first: 1) {
        nodes {
          id
          title
          ...MomentoVariantImage
          product {
            title
            onlineStoreUrl
          }
        }
      }
    }
  }
  ${VARIANT_IMAGE_FRAGMENT}
`;

interface VariantNode extends VariantImageNode {
  id: string;
  title: string | null;
  product: ({ title: string; onlineStoreUrl: string | null } & NonNullable<VariantImageNode["product"]>) | null;
}

export interface InventoryItemResult {
  inventoryItem: { id: string; variants: { nodes: VariantNode[] } } | null;
}

export type LookupOutcome =
  | { status: "found"; row: InventoryItemVariant }
  | { status: "unknown"; reason: string }
  | { status: "retry"; reason: string; retryAfterMs?: number }
  | { status: "failed"; reason: string };

const gidTail = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

/** The cached answer, or the Admin API's (then cached). */
export async function resolveInventoryItem(
  deps: AdminLookupDeps,
  shop: string,
  inventoryItemId: string,
  now: Date,
): Promise<LookupOutcome> {
  const { db } = deps;
  const key = { shop_inventoryItemId: { shop, inventoryItemId } };
  const cached = await db.inventoryItemVariant.findUnique({ where: key });
  if (cached) return cached.variantId ? { status: "found", row: cached } : { status: "unknown", reason: "cached: Shopify returned no variant for this inventory item" };
  const answer = await adminQuery<InventoryItemResult>(deps, shop, now, INVENTORY_ITEM_QUERY, { id: `gid://shopify/InventoryItem/${inventoryItemId}` });
  if (answer.status !== "ok") return answer;
  const node = answer.data.inventoryItem?.variants.nodes[0] ?? null;
  const data = {
    variantId: node ? gidTail(node.id) : null,
    productTitle: node?.product?.title ?? null,
    variantTitle: node?.title ?? null,
    imageUrl: variantImageUrl(node),
    productUrl: node?.product?.onlineStoreUrl ?? null,
    fetchedAt: now,
  };
  const row = await db.inventoryItemVariant.upsert({ where: key, create: { shop, inventoryItemId, ...data }, update: data });
  return row.variantId ? { status: "found", row } : { status: "unknown", reason: "Shopify returned no variant for this inventory item" };
}
