// Shopify's bulk query API, as the history import uses it. Shapes checked against Shopify's reference (not guessed):
// - bulkOperationRunQuery(query: String!, groupObjects: Boolean! = false) → { bulkOperation: BulkOperation, userErrors:
//   [BulkOperationUserError!]! { field, message, code: INVALID | LIMIT_REACHED | OPERATION_IN_PROGRESS } }
//   https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/bulkOperationRunQuery
//   (one top-level connection per query, up to five connections, nesting depth two; results kept seven days)
// - BulkOperation { id, status, errorCode, objectCount: UnsignedInt64!, rootObjectCount, fileSize: UnsignedInt64, url,
//   partialDataUrl, createdAt, completedAt }; UnsignedInt64 is serialized as a string.
//   https://shopify.dev/docs/api/admin-graphql/2026-07/objects/BulkOperation
// - BulkOperationStatus: CANCELED | CANCELING | COMPLETED | CREATED | EXPIRED | FAILED | RUNNING
//   https://shopify.dev/docs/api/admin-graphql/2026-07/enums/BulkOperationStatus
// - BulkOperationErrorCode: ACCESS_DENIED | INTERNAL_SERVER_ERROR | TIMEOUT
//   https://shopify.dev/docs/api/admin-graphql/2026-07/enums/BulkOperationErrorCode
// - The result is JSONL: one object per line; an object of a nested connection is its own line with `__parentId`
//   (and, without groupObjects, not necessarily right below its parent).
//   https://shopify.dev/docs/api/usage/bulk-operations/queries
// - Without read_all_orders only the last 60 days of orders are accessible (Order object reference, note).
// - Order.checkoutToken exists from 2026-07 (changelog "New checkoutToken field added to the Order object");
//   Customer.defaultEmailAddress / defaultPhoneNumber from 2025-04 (changelog), used instead of Customer.email / phone.
// - The search syntax `created_at:>='…'` (orders) and `updated_at:>='…'` (customers) filters the connections.
import type { AdminGraphqlClient } from "../shopify-admin/client";

export type BulkOperationStatus = "CANCELED" | "CANCELING" | "COMPLETED" | "CREATED" | "EXPIRED" | "FAILED" | "RUNNING";

export interface BulkOperation {
  id: string;
  status: BulkOperationStatus;
  errorCode: string | null;
  objectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
}

const BULK_OPERATION_FIELDS = "id status errorCode objectCount fileSize url partialDataUrl";

export const RUN_BULK_QUERY = /* GraphQL */ `
  mutation MomentoHistoryImport($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation { ${BULK_OPERATION_FIELDS} }
      userErrors { field message code }
    }
  }
`;

export const BULK_OPERATION_BY_ID = /* GraphQL */ `
  query MomentoHistoryImportStatus($id: ID!) {
    node(id: $id) {
      ... on BulkOperation { ${BULK_OPERATION_FIELDS} }
    }
  }
`;

export type HistoryPhase = "orders" | "customers";
export const PHASES: readonly HistoryPhase[] = ["orders", "customers"];

/** The scope each bulk query needs (read_all_orders widens the orders query beyond 60 days). */
export const PHASE_SCOPE: Record<HistoryPhase, string> = { orders: "read_orders", customers: "read_customers" };

const searchDate = (since: Date) => since.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Orders created since `since`, with what the order projection reads (the fields of the orders/* webhooks it uses). */
export function ordersBulkQuery(since: Date): string {
  return `{
  orders(query: "created_at:>='${searchDate(since)}'") {
    edges {
      node {
        id
        name
        email
        phone
        customerLocale
        checkoutToken
        test
        createdAt
        updatedAt
        cancelledAt
        statusPageUrl
        currencyCode
        totalPriceSet { shopMoney { amount currencyCode } }
        customAttributes { key value }
        customer { id firstName locale defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
        shippingAddress { phone firstName countryCodeV2 }
        billingAddress { phone firstName countryCodeV2 }
      }
    }
  }
}`;
}

/** Customers created or changed since `since`. */
export function customersBulkQuery(since: Date): string {
  return `{
  customers(query: "updated_at:>='${searchDate(since)}'") {
    edges {
      node {
        id
        firstName
        locale
        updatedAt
        defaultEmailAddress { emailAddress }
        defaultPhoneNumber { phoneNumber }
        defaultAddress { phone countryCodeV2 }
      }
    }
  }
}`;
}

export function bulkQueryFor(phase: HistoryPhase, since: Date): string {
  return phase === "orders" ? ordersBulkQuery(since) : customersBulkQuery(since);
}

export type StartResult = { started: BulkOperation } | { busy: string } | { invalid: string };

export async function startBulkQuery(client: AdminGraphqlClient, query: string): Promise<StartResult> {
  const result = await client.request<{
    bulkOperationRunQuery: { bulkOperation: BulkOperation | null; userErrors: { field: string[] | null; message: string; code: string | null }[] } | null;
  }>(RUN_BULK_QUERY, { query });
  const payload = result.bulkOperationRunQuery;
  const errors = payload?.userErrors ?? [];
  const busy = errors.find((e) => e.code === "OPERATION_IN_PROGRESS" || e.code === "LIMIT_REACHED");
  if (busy) return { busy: busy.message };
  if (errors.length > 0) return { invalid: errors.map((e) => `${e.code ? `${e.code}: ` : ""}${e.message}`).join("; ") };
  if (!payload?.bulkOperation) return { invalid: "Shopify returned no bulk operation" };
  return { started: payload.bulkOperation };
}

export async function fetchBulkOperation(client: AdminGraphqlClient, id: string): Promise<BulkOperation | null> {
  const result = await client.request<{ node: BulkOperation | null }>(BULK_OPERATION_BY_ID, { id });
  return result.node && "status" in result.node ? result.node : null;
}
