// The unique discount code of the second cart reminder, created through the Admin GraphQL API only when
// that reminder is about to be sent (the gate let it through), and never twice for one checkout: the
// DiscountCode row, unique per (shop, checkout token), is written with its code before Shopify is called.
// After a crash between Shopify's answer and our write, the retry asks for the same code again; Shopify
// answers TAKEN, which then means "it exists already" — the code is ours, nobody else chooses it.
import { randomBytes } from "node:crypto";
import type { DiscountCode } from "@prisma/client";
import { isUniqueViolation, retryOnContention, type Db } from "../db";
import { classifyAdminError, type AdminGraphqlFactory } from "../shopify-admin/client";
import { offlineAccessToken } from "../shopify-admin/offline-session";

/*
 * Shape checked against Shopify's Admin GraphQL reference (2026-07, API-FACTS.md B6), not guessed:
 * - discountCodeBasicCreate(basicCodeDiscount: DiscountCodeBasicInput!) → { codeDiscountNode { id }, userErrors { field message code } }
 * - DiscountCodeBasicInput: required on create code, context (or the deprecated customerSelection), title; here also
 *   startsAt, endsAt, customerGets, usageLimit: 1 and appliesOncePerCustomer: true (single use).
 *   https://shopify.dev/docs/api/admin-graphql/2026-07/input-objects/DiscountCodeBasicInput
 * - DiscountContextInput.all: DiscountBuyerSelection (ALL); DiscountCustomerGetsValueInput.percentage: Float 0.00–1.00;
 *   DiscountItemsInput.all: Boolean. DiscountErrorCode has TAKEN ("The input value is already taken").
 * Scope: write_discounts.
 */
export const DISCOUNT_CODE_MUTATION = /* GraphQL */ `
  mutation MomentoCartRecoveryDiscount($basicCodeDiscount: DiscountCodeBasicInput!) {
    discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
      codeDiscountNode {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export interface DiscountCodeBasicInput {
  title: string;
  code: string;
  startsAt: string;
  endsAt: string;
  context: { all: "ALL" };
  customerGets: { value: { percentage: number }; items: { all: true } };
  usageLimit: 1;
  appliesOncePerCustomer: true;
}

interface DiscountResult {
  discountCodeBasicCreate: {
    codeDiscountNode: { id: string } | null;
    userErrors: { field?: string[] | null; message: string; code?: string | null }[];
  } | null;
}

export type DiscountOutcome =
  | { status: "ready"; code: string; percent: number; endsAt: Date }
  | { status: "retry"; until: Date; reason: string }
  | { status: "unavailable"; reason: string };

export interface DiscountDeps {
  db: Db;
  /** null: no Admin API here (the reminder goes out without a code). */
  adminGraphql: AdminGraphqlFactory | null;
  /** TOKEN_ENCRYPTION_KEY: the offline session's token is stored encrypted. */
  secretsKey: Buffer;
}

/** The flows that hand out unique codes (docs/decisions/008). */
export type DiscountFlow = "cart_recovery" | "win_back" | "loyalty";

const TITLE: Record<DiscountFlow, string> = { cart_recovery: "Momento cart reminder", win_back: "Momento win-back", loyalty: "Momento loyalty thank-you" };

export interface DiscountRequest {
  shop: string;
  /**
   * The idempotency key, unique per shop: cart recovery's checkout token (as ever), or for the other flows a subject
   * key "<flow>:…" (the message's dedupeKey), which never looks like a token.
   */
  checkoutToken: string;
  /** Default cart_recovery. */
  flow?: DiscountFlow;
  messageId: string;
  percent: number;
  expiresInDays: number;
  now: Date;
}

/** Calls per code before the reminder goes out without one (throttling and network errors are retried). */
export const MAX_DISCOUNT_ATTEMPTS = 3;
const RETRY_MS = 60_000;
const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/** MOMENTO-XXXXXXXX from an alphabet without 0/O and 1/I/L: easy to type from a phone screen. */
export function newDiscountCode(random: (n: number) => Buffer = randomBytes): string {
  return `MOMENTO-${[...random(8)].map((b) => ALPHABET[b % ALPHABET.length]).join("")}`;
}

export function discountInput(row: Pick<DiscountCode, "code" | "percent" | "startsAt" | "endsAt"> & { flow?: string }): DiscountCodeBasicInput {
  return {
    title: `${TITLE[(row.flow ?? "cart_recovery") as DiscountFlow] ?? TITLE.cart_recovery} ${row.code}`,
    code: row.code,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    context: { all: "ALL" },
    customerGets: { value: { percentage: row.percent / 100 }, items: { all: true } },
    usageLimit: 1,
    appliesOncePerCustomer: true,
  };
}

async function rowFor(db: Db, req: DiscountRequest): Promise<DiscountCode> {
  const where = { shop_checkoutToken: { shop: req.shop, checkoutToken: req.checkoutToken } };
  const existing = await db.discountCode.findUnique({ where });
  if (existing) return existing;
  try {
    return await retryOnContention(() =>
      db.discountCode.create({
        data: {
          shop: req.shop,
          checkoutToken: req.checkoutToken,
          flow: req.flow ?? "cart_recovery",
          code: newDiscountCode(),
          percent: req.percent,
          startsAt: req.now,
          endsAt: new Date(req.now.getTime() + req.expiresInDays * 86_400_000),
          status: "PENDING",
          messageId: req.messageId,
          createdAt: req.now,
          updatedAt: req.now,
        },
      }),
    );
  } catch (error) {
    // Someone else chose this checkout's code first (or, once in 32^8, the same code): theirs stands.
    if (!isUniqueViolation(error)) throw error;
    const winner = await db.discountCode.findUnique({ where });
    if (!winner) throw error;
    return winner;
  }
}

const ready = (row: DiscountCode): DiscountOutcome => ({ status: "ready", code: row.code, percent: row.percent, endsAt: row.endsAt });

async function settle(db: Db, row: DiscountCode, data: Partial<Pick<DiscountCode, "status" | "reason" | "shopifyId" | "code">>, now: Date): Promise<void> {
  await retryOnContention(() => db.discountCode.updateMany({ where: { id: row.id, status: "PENDING" }, data: { ...data, updatedAt: now } }));
}

/** The checkout's code, created at Shopify now if it is not yet; or why there is none (yet). */
export async function ensureDiscountCode(deps: DiscountDeps, req: DiscountRequest): Promise<DiscountOutcome> {
  const { db } = deps;
  let row = await rowFor(db, req);
  if (row.status === "CREATED") return ready(row);
  if (row.status === "FAILED") return { status: "unavailable", reason: row.reason ?? "the code could not be created" };

  const fail = async (reason: string): Promise<DiscountOutcome> => {
    await settle(db, row, { status: "FAILED", reason }, req.now);
    return { status: "unavailable", reason };
  };
  if (!deps.adminGraphql) return fail("no Admin API client is configured");
  const token = await offlineAccessToken(db, deps.secretsKey, req.shop, req.now);
  if (token.status === "missing") return fail(token.reason ?? "no offline session for the shop");
  if (token.status === "expired") {
    if (row.attempts + 1 >= MAX_DISCOUNT_ATTEMPTS) return fail("the offline access token has expired");
    await retryOnContention(() => db.discountCode.update({ where: { id: row.id }, data: { attempts: { increment: 1 }, updatedAt: req.now } }));
    return { status: "retry", until: new Date(req.now.getTime() + RETRY_MS), reason: "the offline access token has expired and was not refreshed yet" };
  }
  if (token.scopes && !token.scopes.includes("write_discounts")) return fail("missing access: the app was not granted the write_discounts scope");

  const client = deps.adminGraphql({ shop: req.shop, accessToken: token.accessToken });
  for (let collisions = 0; ; collisions++) {
    // Counted before the call: after a crash, attempts > 0 tells a later TAKEN that the code may be ours.
    row = await retryOnContention(() => db.discountCode.update({ where: { id: row.id }, data: { attempts: { increment: 1 }, updatedAt: req.now } }));
    let result: DiscountResult;
    try {
      result = await client.request<DiscountResult>(DISCOUNT_CODE_MUTATION, { basicCodeDiscount: discountInput(row) });
    } catch (error) {
      const { kind, message, retryAfterMs } = classifyAdminError(error);
      if ((kind === "throttled" || kind === "transient" || kind === "unauthorized") && row.attempts < MAX_DISCOUNT_ATTEMPTS) {
        return { status: "retry", until: new Date(req.now.getTime() + (retryAfterMs ?? RETRY_MS)), reason: message };
      }
      return fail(message);
    }
    const payload = result.discountCodeBasicCreate;
    const node = payload?.codeDiscountNode ?? null;
    const errors = payload?.userErrors ?? [];
    if (node && errors.length === 0) {
      await settle(db, row, { status: "CREATED", shopifyId: node.id }, req.now);
      return ready(row);
    }
    const taken = errors.length > 0 && errors.every((e) => e.code === "TAKEN" && (e.field ?? []).includes("code"));
    if (taken && row.attempts > 1) {
      // Our own earlier call went through and we never heard back.
      await settle(db, row, { status: "CREATED", reason: "Shopify already held this code: an earlier call had created it" }, req.now);
      return ready(row);
    }
    if (taken && collisions === 0) {
      // A code of the merchant's own happens to be the same: choose another one, once.
      const code = newDiscountCode();
      await settle(db, row, { code }, req.now);
      row = { ...row, code };
      continue;
    }
    return fail(`Shopify refused the code: ${errors.map((e) => e.message).join("; ").slice(0, 200) || "no discount was returned"}`);
  }
}
