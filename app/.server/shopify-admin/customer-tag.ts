// The VIP customer tag (loyalty flow), written through the ShopifySync outbox like the consent write-back:
// tagsAdd merges tags, so a repeated call after a crash changes nothing; the row's unique dedupeKey
// (customer + tag) makes it once per customer.
import type { ShopifySync } from "@prisma/client";
import type { AdminGraphqlClient } from "./client";

/*
 * Shape from Shopify's Admin GraphQL reference (2026-07): tagsAdd(id: ID!, tags: [String!]!) → TagsAddPayload
 * { node: Node, userErrors: [UserError!]! } (UserError { field, message }). Works on Customer ids; scope write_customers.
 * https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/tagsAdd
 */
export const TAGS_ADD_MUTATION = /* GraphQL */ `
  mutation MomentoCustomerTag($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      node {
        id
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const CUSTOMER_TAG_KIND = "customer_tag";

export interface CustomerTagPayload {
  /** Numeric Shopify customer id. */
  customerId: string;
  tags: string[];
}

export function customerTagDedupeKey(customerId: string, tag: string): string {
  return `customer_tag:${customerId}:${tag}`;
}

interface TagsAddResult {
  tagsAdd: { node: { id: string } | null; userErrors: { field?: string[] | null; message: string }[] } | null;
}

export type TagOutcome = { status: "DONE" } | { status: "FAILED"; reason: string };

export async function syncCustomerTag(row: ShopifySync, client: AdminGraphqlClient): Promise<TagOutcome> {
  let payload: CustomerTagPayload;
  try {
    payload = JSON.parse(row.payload) as CustomerTagPayload;
  } catch {
    return { status: "FAILED", reason: "the queued payload is not a customer tag" };
  }
  if (!/^\d+$/.test(String(payload.customerId)) || !Array.isArray(payload.tags) || payload.tags.length === 0) {
    return { status: "FAILED", reason: "the queued payload is not a customer tag" };
  }
  const result = await client.request<TagsAddResult>(TAGS_ADD_MUTATION, { id: `gid://shopify/Customer/${payload.customerId}`, tags: payload.tags });
  const errors = result.tagsAdd?.userErrors ?? [];
  if (errors.length > 0) return { status: "FAILED", reason: errors.map((e) => e.message).join("; ").slice(0, 300) };
  if (!result.tagsAdd) return { status: "FAILED", reason: "Shopify returned no result for tagsAdd" };
  return { status: "DONE" };
}
