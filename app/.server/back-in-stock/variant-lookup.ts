// inventory item → variant, product title, image and URL through the Admin GraphQL API, cached per
// (shop, inventory item) in InventoryItemVariant. An item Shopify does not know is cached as unknown
// (variantId null), so a later webhook for it is skipped without another call.
import type { InventoryItemVariant } from "@prisma/client";
import type { Db } from "../db";
import { classifyAdminError, type AdminGraphqlFactory } from "../shopify-admin/client";
import { offlineAccessToken } from "../shopify-admin/offline-session";

/*
 * Shape from Shopify's Admin GraphQL reference (2026-07): `inventoryItem(id: ID!): InventoryItem` (null when there is
 * none). `InventoryItem.variant` is deprecated since 2026-01 in favour of the `variants` connection
 * (https://shopify.dev/changelog/inventory-item-variant-field-deprecation), which returns one node today.
 * ProductVariant { id, title, image { url }, product { title, onlineStoreUrl, featuredMedia { preview { image { url } } } } }.
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
          image {
            url
          }
          product {
            title
            onlineStoreUrl
            featuredMedia {
              preview {
                image {
                  url
                }
              }
            }
          }
        }
      }
    }
  }
`;

interface VariantNode {
  id: string;
  title: string | null;
  image: { url: string } | null;
  product: { title: string; onlineStoreUrl: string | null; featuredMedia: { preview: { image: { url: string } | null } | null } | null } | null;
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
  deps: { db: Db; adminGraphql: AdminGraphqlFactory | null; secretsKey: Buffer },
  shop: string,
  inventoryItemId: string,
  now: Date,
): Promise<LookupOutcome> {
  const { db } = deps;
  const key = { shop_inventoryItemId: { shop, inventoryItemId } };
  const cached = await db.inventoryItemVariant.findUnique({ where: key });
  if (cached) return cached.variantId ? { status: "found", row: cached } : { status: "unknown", reason: "cached: Shopify returned no variant for this inventory item" };
  if (!deps.adminGraphql) return { status: "failed", reason: "no Admin API client is configured" };
  const token = await offlineAccessToken(db, deps.secretsKey, shop, now);
  if (token.status === "missing") return { status: "failed", reason: token.reason ?? "no offline session for the shop" };
  if (token.status === "expired") return { status: "retry", reason: "the offline access token has expired and was not refreshed yet" };

  let result: InventoryItemResult;
  try {
    result = await deps.adminGraphql({ shop, accessToken: token.accessToken }).request<InventoryItemResult>(INVENTORY_ITEM_QUERY, {
      id: `gid://shopify/InventoryItem/${inventoryItemId}`,
    });
  } catch (error) {
    const { kind, message, retryAfterMs } = classifyAdminError(error);
    if (kind === "throttled" || kind === "transient" || kind === "unauthorized") return { status: "retry", reason: message, retryAfterMs };
    return { status: "failed", reason: message };
  }
  const node = result.inventoryItem?.variants.nodes[0] ?? null;
  const data = {
    variantId: node ? gidTail(node.id) : null,
    productTitle: node?.product?.title ?? null,
    variantTitle: node?.title ?? null,
    imageUrl: node?.image?.url ?? node?.product?.featuredMedia?.preview?.image?.url ?? null,
    productUrl: node?.product?.onlineStoreUrl ?? null,
    fetchedAt: now,
  };
  const row = await db.inventoryItemVariant.upsert({ where: key, create: { shop, inventoryItemId, ...data }, update: data });
  return row.variantId ? { status: "found", row } : { status: "unknown", reason: "Shopify returned no variant for this inventory item" };
}
