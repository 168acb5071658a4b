// The write-back of consent to Shopify (DESIGN.md §3): the worker works through the ShopifySync outbox
// that transitionConsent fills for CONFIRMED and REVOKED, and mirrors each change to the customer's
// WhatsApp marketing consent with customerWhatsAppMarketingConsentUpdate.
import type { ShopifySync } from "@prisma/client";
import type { Clock } from "../clock";
import { retryOnContention, type Db } from "../db";
import { backoffDelayMs, type BackoffPolicy } from "../outbox/policy";
import { classifyAdminError, type AdminGraphqlFactory } from "./client";
import { CUSTOMER_TAG_KIND, syncCustomerTag } from "./customer-tag";
import { offlineAccessToken, type OfflineToken } from "./offline-session";

/*
 * Shape checked against Shopify's Admin GraphQL reference, 2026-07 (not guessed):
 * - mutation customerWhatsAppMarketingConsentUpdate(input: CustomerWhatsAppMarketingConsentUpdateInput!)
 *   → CustomerWhatsAppMarketingConsentUpdatePayload { customerPhoneNumber, userErrors: [CustomerMarketingConsentError!]! }
 *   https://shopify.dev/docs/api/admin-graphql/2026-07/mutations/customerWhatsAppMarketingConsentUpdate
 * - CustomerWhatsAppMarketingConsentUpdateInput { customerId: ID!, whatsAppMarketingConsent: CustomerMarketingConsentInput! }
 *   (field names as in ShopifySharp's generated CustomerWhatsAppMarketingConsentUpdateInput; the docs page of the
 *   input object was not in the stored docs, the nested type's page names it "for a given customer ID")
 * - CustomerMarketingConsentInput { state: CustomerMarketingConsentState!, optInLevel, updatedAt, sourceLocationId }
 *   https://shopify.dev/docs/api/admin-graphql/2026-07/input-objects/CustomerMarketingConsentInput
 * - CustomerMarketingConsentState: NOT_SUBSCRIBED (read-only), PENDING, REDACTED (read-only), SUBSCRIBED, UNSUBSCRIBED
 *   https://shopify.dev/docs/api/admin-graphql/2026-07/enums/CustomerMarketingConsentState
 * - CustomerMarketingConsentError { code: INCLUSION | INTERNAL_ERROR | INVALID | MISSING_ARGUMENT, field, message }
 *   https://shopify.dev/docs/api/admin-graphql/2026-07/enums/CustomerMarketingConsentErrorCode
 * Scope: write_customers, plus protected customer data level 2 (phone) for a public app (API-FACTS.md B5).
 */
export const WHATSAPP_CONSENT_MUTATION = /* GraphQL */ `
  mutation MomentoWhatsAppConsent($input: CustomerWhatsAppMarketingConsentUpdateInput!) {
    customerWhatsAppMarketingConsentUpdate(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export interface WhatsAppConsentInput {
  customerId: string;
  whatsAppMarketingConsent: {
    state: "SUBSCRIBED" | "UNSUBSCRIBED";
    optInLevel?: "CONFIRMED_OPT_IN";
    updatedAt: string;
  };
}

interface WhatsAppConsentResult {
  customerWhatsAppMarketingConsentUpdate: { userErrors: { field?: string[] | null; message: string; code?: string | null }[] } | null;
}

/** What transitionConsent (consent/state.ts) writes into ShopifySync.payload. */
export interface ConsentSyncPayload {
  consentId: string;
  phone: string | null;
  customerId: string | null;
  state: "CONFIRMED" | "REVOKED";
  at: string;
}

export function customerGid(customerId: string): string {
  return customerId.startsWith("gid://") ? customerId : `gid://shopify/Customer/${customerId}`;
}

/** CONFIRMED → SUBSCRIBED with CONFIRMED_OPT_IN (our WhatsApp double opt-in); REVOKED → UNSUBSCRIBED. */
export function whatsAppConsentInput(customerId: string, state: ConsentSyncPayload["state"], at: string): WhatsAppConsentInput {
  return {
    customerId: customerGid(customerId),
    whatsAppMarketingConsent:
      state === "CONFIRMED" ? { state: "SUBSCRIBED", optInLevel: "CONFIRMED_OPT_IN", updatedAt: at } : { state: "UNSUBSCRIBED", updatedAt: at },
  };
}

export interface ShopifySyncPolicy {
  /** Calls per row, the first one included; throttling does not count. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** A claimed row is invisible to other workers this long; after a crash it comes back (the write is idempotent). */
  leaseMs: number;
}

export const defaultShopifySyncPolicy: ShopifySyncPolicy = {
  maxAttempts: 8,
  backoff: { baseMs: 60_000, factor: 2, maxMs: 6 * 3_600_000, jitter: 0.2 },
  leaseMs: 120_000,
};

export interface ShopifySyncDeps {
  db: Db;
  clock: Clock;
  adminGraphql: AdminGraphqlFactory;
  /** TOKEN_ENCRYPTION_KEY: the offline session's token is stored encrypted. */
  secretsKey: Buffer;
  /** Rows looked at per call. */
  batch: number;
  policy?: ShopifySyncPolicy;
  random?: () => number;
  /** One line per row that did not go through; never phone numbers or tokens. */
  log?: (line: string) => void;
}

export interface ShopifySyncCounts {
  picked: number;
  done: number;
  /** Back to PENDING for a later attempt (throttled, network, 5xx, token not accepted). */
  retried: number;
  /** Not tried this round because Shopify throttled the shop a moment ago. */
  deferred: number;
  skipped: number;
  failed: number;
  /** Claimed by another worker first. */
  lost: number;
}

type Outcome =
  | { status: "DONE" }
  | { status: "SKIPPED" | "FAILED"; reason: string }
  | { status: "RETRY"; reason: string; delayMs?: number; throttled?: boolean };

export function emptyShopifySyncCounts(): ShopifySyncCounts {
  return { picked: 0, done: 0, retried: 0, deferred: 0, skipped: 0, failed: 0, lost: 0 };
}

/** Works through the due PENDING rows once; returns what happened to them. */
export async function processShopifySyncs(deps: ShopifySyncDeps): Promise<ShopifySyncCounts> {
  const { db, clock } = deps;
  const policy = deps.policy ?? defaultShopifySyncPolicy;
  const random = deps.random ?? Math.random;
  const counts = emptyShopifySyncCounts();
  const now = clock.now();
  const due = await db.shopifySync.findMany({
    where: { status: "PENDING", nextAttemptAt: { lte: now } },
    orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
    take: deps.batch,
  });
  counts.picked = due.length;
  const pausedUntil = new Map<string, Date>();
  const tokens = new Map<string, OfflineToken>();

  // A shop without a usable session skips all its rows in one write (after an uninstall that can be many).
  const skippedShops = new Set<string>();
  for (const shop of new Set(due.map((row) => row.shop))) {
    const token = await offlineAccessToken(db, deps.secretsKey, shop, now);
    tokens.set(shop, token);
    const reason = sessionSkipReason(token);
    if (!reason) continue;
    const ids = due.filter((row) => row.shop === shop).map((row) => row.id);
    const { count } = await retryOnContention(() => db.shopifySync.updateMany({ where: { id: { in: ids }, status: "PENDING" }, data: { status: "SKIPPED", reason } }));
    counts.skipped += count;
    counts.lost += ids.length - count;
    if (count > 0) deps.log?.(`shopify-sync: ${shop} ${count} row(s) skipped: ${reason}`);
    skippedShops.add(shop);
  }

  for (const row of due) {
    if (skippedShops.has(row.shop)) continue;
    const pause = pausedUntil.get(row.shop);
    if (pause) {
      const moved = await retryOnContention(() =>
        db.shopifySync.updateMany({ where: { id: row.id, status: "PENDING", attempts: row.attempts }, data: { nextAttemptAt: pause, reason: "throttled by Shopify; waiting" } }),
      );
      if (moved.count === 1) counts.deferred += 1;
      else counts.lost += 1;
      continue;
    }
    // The claim: only the worker whose conditional update hits the row calls Shopify for it.
    const claimed = await retryOnContention(() =>
      db.shopifySync.updateMany({
        where: { id: row.id, status: "PENDING", attempts: row.attempts, nextAttemptAt: row.nextAttemptAt },
        data: { attempts: row.attempts + 1, nextAttemptAt: new Date(now.getTime() + policy.leaseMs) },
      }),
    );
    if (claimed.count !== 1) {
      counts.lost += 1;
      continue;
    }

    const outcome = await syncOne(deps, row, now, tokens).catch((error: unknown): Outcome => {
      const failure = classifyAdminError(error);
      switch (failure.kind) {
        case "throttled":
          return { status: "RETRY", reason: failure.message, delayMs: failure.retryAfterMs, throttled: true };
        case "access_denied":
          return { status: "SKIPPED", reason: `missing access (scope write_customers or protected customer data): ${failure.message}` };
        case "unauthorized":
        case "transient":
          return { status: "RETRY", reason: failure.message };
        case "fatal":
          return { status: "FAILED", reason: failure.message };
      }
    });

    const attempts = row.attempts + 1;
    if (outcome.status === "DONE") {
      await update(db, row.id, { status: "DONE", reason: null, doneAt: clock.now() });
      counts.done += 1;
      continue;
    }
    if (outcome.status === "RETRY") {
      // Throttling says nothing about the row itself: it does not use up an attempt.
      const used = outcome.throttled ? row.attempts : attempts;
      if (!outcome.throttled && used >= policy.maxAttempts) {
        const reason = `gave up after ${used} attempts: ${outcome.reason}`;
        await update(db, row.id, { status: "FAILED", reason, attempts: used });
        deps.log?.(`shopify-sync: ${row.shop} ${row.id} failed: ${withoutNumbers(reason)}`);
        counts.failed += 1;
        continue;
      }
      const delay = Math.max(outcome.delayMs ?? 0, backoffDelayMs(Math.max(1, used), policy.backoff, random));
      const next = new Date(now.getTime() + delay);
      await update(db, row.id, { status: "PENDING", reason: `${outcome.reason}; retrying`, attempts: used, nextAttemptAt: next });
      if (outcome.throttled) pausedUntil.set(row.shop, next);
      counts.retried += 1;
      continue;
    }
    await update(db, row.id, { status: outcome.status, reason: outcome.reason });
    deps.log?.(`shopify-sync: ${row.shop} ${row.id} ${outcome.status.toLowerCase()}: ${withoutNumbers(outcome.reason)}`);
    if (outcome.status === "SKIPPED") counts.skipped += 1;
    else counts.failed += 1;
  }
  return counts;
}

/** Shopify's messages are not expected to quote a phone number; if one ever does, the log does not repeat it. */
function withoutNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{6,}\d/g, "[number]");
}

function update(db: Db, id: string, data: { status: string; reason: string | null; attempts?: number; nextAttemptAt?: Date; doneAt?: Date }) {
  return retryOnContention(() => db.shopifySync.update({ where: { id }, data }));
}

async function syncOne(deps: ShopifySyncDeps, row: ShopifySync, now: Date, tokens: Map<string, OfflineToken>): Promise<Outcome> {
  const { db } = deps;
  if (row.kind === CUSTOMER_TAG_KIND) {
    const token = tokens.get(row.shop) ?? (await offlineAccessToken(db, deps.secretsKey, row.shop, now));
    if (token.status === "expired") return { status: "RETRY", reason: "the offline access token has expired and was not refreshed yet" };
    if (token.status !== "ok") return { status: "SKIPPED", reason: token.reason ?? "no offline session for the shop" };
    return syncCustomerTag(row, deps.adminGraphql({ shop: row.shop, accessToken: token.accessToken }));
  }
  if (row.kind !== "whatsapp_consent") return { status: "FAILED", reason: `unknown kind ${row.kind}` };
  const payload = parsePayload(row.payload);
  if (!payload) return { status: "FAILED", reason: "the queued payload is not a consent change" };

  const consent = await db.consent.findUnique({ where: { id: payload.consentId } });
  if (!consent || consent.shop !== row.shop) return { status: "SKIPPED", reason: "the consent no longer exists (erased)" };
  // Rows can be retried out of order; only a row that still matches the consent may be written, so an
  // older CONFIRMED retried after a REVOKED can never re-subscribe the customer in Shopify.
  if (consent.state !== payload.state) return { status: "SKIPPED", reason: `superseded: the consent is ${consent.state} now` };

  let customerId = payload.customerId ?? consent.customerId;
  if (!customerId && consent.phone) {
    const customer = await db.customer.findFirst({ where: { shop: row.shop, phone: consent.phone, shopifyCustomerId: { not: null } }, orderBy: { updatedAt: "desc" } });
    customerId = customer?.shopifyCustomerId ?? null;
    if (customerId) await db.consent.update({ where: { id: consent.id }, data: { customerId } });
  }
  if (!customerId) {
    return { status: "SKIPPED", reason: "no Shopify customer is known for this number (guest checkout or no order yet)" };
  }

  const token = tokens.get(row.shop) ?? (await offlineAccessToken(db, deps.secretsKey, row.shop, now));
  const skip = sessionSkipReason(token);
  if (skip) return { status: "SKIPPED", reason: skip };
  if (token.status === "expired") return { status: "RETRY", reason: "the offline access token has expired and was not refreshed yet" };
  if (token.status !== "ok") return { status: "SKIPPED", reason: "no offline session for the shop" };

  const client = deps.adminGraphql({ shop: row.shop, accessToken: token.accessToken });
  const result = await client.request<WhatsAppConsentResult>(WHATSAPP_CONSENT_MUTATION, { input: whatsAppConsentInput(customerId, payload.state, payload.at) });
  const userErrors = result.customerWhatsAppMarketingConsentUpdate?.userErrors ?? [];
  if (userErrors.length > 0) {
    return { status: "FAILED", reason: userErrors.map((e) => `${e.code ? `${e.code}: ` : ""}${e.message}`).join("; ") };
  }
  if (!result.customerWhatsAppMarketingConsentUpdate) return { status: "FAILED", reason: "Shopify returned no result for the mutation" };
  return { status: "DONE" };
}

function sessionSkipReason(token: OfflineToken): string | null {
  if (token.status === "missing") return token.reason ?? "no offline session for the shop (not installed, or uninstalled)";
  // The granted scopes are known (stored at install, kept current by app/scopes_update): no call that must fail.
  if (token.status === "ok" && token.scopes && !token.scopes.includes("write_customers")) {
    return "missing access: the app was not granted the write_customers scope";
  }
  return null;
}

function parsePayload(raw: string): ConsentSyncPayload | null {
  try {
    const value = JSON.parse(raw) as Partial<ConsentSyncPayload>;
    if (typeof value.consentId !== "string" || (value.state !== "CONFIRMED" && value.state !== "REVOKED") || typeof value.at !== "string") return null;
    return { consentId: value.consentId, phone: value.phone ?? null, customerId: value.customerId ? String(value.customerId) : null, state: value.state, at: value.at };
  } catch {
    return null;
  }
}

export function formatShopifySyncCounts(counts: ShopifySyncCounts): string {
  return (Object.entries(counts) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${key}=${n}`)
    .join(" ");
}
