// A product variant's image through the Admin GraphQL API, for a header image the webhook did not carry (Shopify's
// 2026-07 checkouts/* and orders/* line items have variant_id, no image; docs/decisions/011). The variant's own image,
// else its product's featured image — the same choice back in stock makes (back-in-stock/variant-lookup.ts, which
// shares the fields and the call below). Cached per (shop, variant) in VariantImage, a "no image" answer too.
import { isUniqueViolation, type Db } from "../db";
import { httpsUrl } from "../templates/media-header";
import { classifyAdminError, type AdminGraphqlFactory } from "./client";
import { offlineAccessToken } from "./offline-session";

/** Product pictures change seldom; a day bounds how long a replaced or deleted one can still be sent. */
export const VARIANT_IMAGE_TTL_MS = 24 * 3_600_000;

/*
 * Shape from Shopify's Admin GraphQL reference (2026-07): `productVariant(id: ID!): ProductVariant` (null when there is
 * none; scope read_products); ProductVariant { image: Image { url } , product: Product { featuredMedia: Media
 * { preview: MediaPreviewImage { image: Image { url } } } } }.
 */
export const VARIANT_IMAGE_FRAGMENT = /* GraphQL */ `
  fragment MomentoVariantImage on ProductVariant {
    image {
      url
    }
    product {
      featuredMedia {
        preview {
          image {
            url
          }
        }
      }
    }
  }
`;

export const VARIANT_IMAGE_QUERY = /* GraphQL */ `
  query MomentoProductVariantImage($id: ID!) {
    productVariant(id: $id) {
      id
      ...MomentoVariantImage
    }
  }
  ${VARIANT_IMAGE_FRAGMENT}
`;

export interface VariantImageNode {
  image: { url: string } | null;
  product: { featuredMedia: { preview: { image: { url: string } | null } | null } | null } | null;
}

/** The variant's own image, else its product's featured image. */
export function variantImageUrl(node: VariantImageNode | null | undefined): string | null {
  return node?.image?.url ?? node?.product?.featuredMedia?.preview?.image?.url ?? null;
}

export interface AdminLookupDeps {
  db: Db;
  /** null: no Admin API here. */
  adminGraphql: AdminGraphqlFactory | null;
  /** TOKEN_ENCRYPTION_KEY: the offline session's token is stored encrypted. */
  secretsKey: Buffer;
}

export type AdminQueryOutcome<T> =
  | { status: "ok"; data: T }
  /** Throttled, a network or 5xx error, or a token not (yet) refreshed: worth another try later. */
  | { status: "retry"; reason: string; retryAfterMs?: number }
  | { status: "failed"; reason: string };

/** One Admin GraphQL read with the shop's offline token, its failure sorted into retry or failed. */
export async function adminQuery<T>(deps: AdminLookupDeps, shop: string, now: Date, query: string, variables: Record<string, unknown>): Promise<AdminQueryOutcome<T>> {
  if (!deps.adminGraphql) return { status: "failed", reason: "no Admin API client is configured" };
  const token = await offlineAccessToken(deps.db, deps.secretsKey, shop, now);
  if (token.status === "missing") return { status: "failed", reason: token.reason ?? "no offline session for the shop" };
  if (token.status === "expired") return { status: "retry", reason: "the offline access token has expired and was not refreshed yet" };
  try {
    return { status: "ok", data: await deps.adminGraphql({ shop, accessToken: token.accessToken }).request<T>(query, variables) };
  } catch (error) {
    const { kind, message, retryAfterMs } = classifyAdminError(error);
    if (kind === "throttled" || kind === "transient" || kind === "unauthorized") return { status: "retry", reason: message, retryAfterMs };
    return { status: "failed", reason: message };
  }
}

export type VariantImageOutcome =
  | { status: "image"; url: string }
  /** Shopify has no image for the variant or its product, or no such variant. */
  | { status: "none"; reason: string }
  | { status: "retry"; reason: string; retryAfterMs?: number }
  | { status: "failed"; reason: string };

/** The variant's image from the cache while it is fresh, else from the Admin API (then cached). */
export async function resolveVariantImage(deps: AdminLookupDeps, shop: string, variantId: string, now: Date): Promise<VariantImageOutcome> {
  const key = { shop_variantId: { shop, variantId } };
  const cached = await deps.db.variantImage.findUnique({ where: key });
  if (cached && now.getTime() - cached.fetchedAt.getTime() < VARIANT_IMAGE_TTL_MS) {
    return cached.imageUrl ? { status: "image", url: cached.imageUrl } : { status: "none", reason: "Shopify had no image for the variant or its product (cached answer)" };
  }
  const answer = await adminQuery<{ productVariant: ({ id: string } & VariantImageNode) | null }>(deps, shop, now, VARIANT_IMAGE_QUERY, {
    id: `gid://shopify/ProductVariant/${variantId}`,
  });
  if (answer.status !== "ok") return answer;
  const variant = answer.data.productVariant;
  const imageUrl = httpsUrl(variantImageUrl(variant));
  const data = { imageUrl, fetchedAt: now };
  try {
    await deps.db.variantImage.upsert({ where: key, create: { shop, variantId, ...data }, update: data });
  } catch (error) {
    // Another worker stored the same answer a moment ago.
    if (!isUniqueViolation(error)) throw error;
  }
  if (imageUrl) return { status: "image", url: imageUrl };
  return { status: "none", reason: variant ? "Shopify has no image for the variant or its product" : "Shopify knows no such variant (any more)" };
}
