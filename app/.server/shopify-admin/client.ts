// Admin GraphQL calls made outside a request (the worker), through graphql-request with the shop's
// offline token. The client is built by an injected factory, so tests, replay and the demo hand in the
// simulator's fetch (simulator/shopify-admin.ts) instead of reaching Shopify.
import { ClientError, GraphQLClient } from "graphql-request";

/** The Admin API version of every call made here (customerWhatsAppMarketingConsentUpdate needs 2026-07+). */
export const ADMIN_API_VERSION = "2026-07";

/** What the domain code needs of a GraphQL client; graphql-request's GraphQLClient satisfies it. */
export interface AdminGraphqlClient {
  request<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface AdminTarget {
  shop: string;
  /** The shop's offline access token (Session table). Never logged. */
  accessToken: string;
}

export type AdminGraphqlFactory = (target: AdminTarget) => AdminGraphqlClient;

export function adminGraphqlUrl(shop: string, apiVersion = ADMIN_API_VERSION): string {
  return `https://${shop}/admin/api/${apiVersion}/graphql.json`;
}

/** The real factory: one GraphQLClient per call target, with an optional fetch (the simulator's in tests and the demo). */
export function createAdminGraphql(options: { fetch?: typeof fetch; apiVersion?: string } = {}): AdminGraphqlFactory {
  return ({ shop, accessToken }) =>
    new GraphQLClient(adminGraphqlUrl(shop, options.apiVersion), {
      headers: { "X-Shopify-Access-Token": accessToken },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
}

/**
 * How a failed Admin API call is handled:
 * - throttled: Shopify's cost limit (GraphQL error THROTTLED, HTTP 200) or the REST-style HTTP 429 — retry later;
 * - access_denied: a missing scope or protected-customer-data approval (ACCESS_DENIED, HTTP 403) — skip;
 * - unauthorized: the token was not accepted (HTTP 401: expired or revoked) — retry, a refreshed token may come;
 * - transient: network errors and 5xx — retry;
 * - fatal: anything else (a malformed query or input, 4xx) — fail with the message.
 */
export type AdminErrorKind = "throttled" | "access_denied" | "unauthorized" | "transient" | "fatal";

export interface AdminError {
  kind: AdminErrorKind;
  /** Readable, from Shopify's error message or the HTTP status; never the request's variables. */
  message: string;
  /** Shopify's own hint how long to wait, when it gave one. */
  retryAfterMs?: number;
}

interface GraphqlErrorEntry {
  message?: string;
  extensions?: { code?: string };
}

interface ThrottleStatus {
  currentlyAvailable?: number;
  restoreRate?: number;
}

export function classifyAdminError(error: unknown): AdminError {
  if (!(error instanceof ClientError)) {
    // fetch rejects on DNS, connection and TLS failures (TypeError "fetch failed"), or an abort.
    return { kind: "transient", message: `network error (${error instanceof Error ? error.name : "unknown"})` };
  }
  const { status, errors, extensions, headers } = error.response as typeof error.response & { extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } } };
  const list: GraphqlErrorEntry[] = Array.isArray(errors) ? (errors as GraphqlErrorEntry[]) : [];
  const codes = list.map((e) => e.extensions?.code ?? "");
  const first = list[0]?.message ? shorten(list[0].message) : `HTTP ${status}`;

  if (codes.includes("THROTTLED") || status === 429) {
    return { kind: "throttled", message: "throttled by Shopify", retryAfterMs: retryAfterMs(headers, extensions?.cost) };
  }
  if (codes.includes("ACCESS_DENIED") || status === 403) return { kind: "access_denied", message: first };
  if (status === 401) return { kind: "unauthorized", message: "Shopify did not accept the offline access token (HTTP 401)" };
  if (status >= 500 || codes.includes("INTERNAL_SERVER_ERROR")) return { kind: "transient", message: `Shopify answered ${status >= 500 ? `HTTP ${status}` : first}` };
  return { kind: "fatal", message: first };
}

function retryAfterMs(headers: Headers | undefined, cost: { requestedQueryCost?: number; throttleStatus?: ThrottleStatus } | undefined): number | undefined {
  const header = headers?.get?.("retry-after");
  if (header && Number.isFinite(Number(header))) return Math.ceil(Number(header) * 1000);
  const available = cost?.throttleStatus?.currentlyAvailable;
  const rate = cost?.throttleStatus?.restoreRate;
  if (available !== undefined && rate && rate > 0) {
    const missing = Math.max(1, (cost?.requestedQueryCost ?? 10) - available);
    return Math.ceil((missing / rate) * 1000);
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
