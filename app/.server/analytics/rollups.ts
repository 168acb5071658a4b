// Rollups (docs/decisions/010-rollups.md): daily figures per shop, kept up to date in the transaction of the
// write they mirror, so the stats never scan raw orders or messages. Each hook applies the difference between
// a row's contribution before and after the write; a write that did not happen (a duplicate or stale webhook,
// a conditional update that matched nothing) is never passed here, so nothing is counted twice.
// rebuild.ts recomputes the same tables from the raw rows with the same contribution functions.
import { Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import { toCents } from "../cart-recovery/figures";
import { localDate } from "./period";

/**
 * The onboarding test message goes to the merchant, not to a shopper, and is written outside the outbox's write
 * points: it stays out of every figure. Every other flow counts.
 */
const UNCOUNTED_FLOWS = new Set(["test_message"]);
export const isCountedFlow = (flow: string) => !UNCOUNTED_FLOWS.has(flow);

/** A message counts by its latest status. SENDING is still in flight: not yet accepted, so "scheduled". */
export const BUCKET_OF_STATUS: Record<string, string> = {
  SCHEDULED: "scheduled",
  SENDING: "scheduled",
  SENT: "sent",
  DELIVERED: "delivered",
  READ: "read",
  FAILED: "failed",
  SKIPPED: "skipped",
  CANCELLED: "cancelled",
};

export const messageMetric = (flow: string, bucket: string) => `msg:${flow}:${bucket}`;
export const consentMetric = (state: string) => `consent:${state}`;

const DEFAULT_TIMEZONE = "Europe/Berlin";

// The hooks run on every webhook: the time zone is read once a minute per shop, not once per write. A shop whose
// time zone changes needs a rebuild anyway (its days move), see decision 010.
const TIMEZONE_TTL_MS = 60_000;
const timezones = new Map<string, { timezone: string; readAt: number }>();

export async function shopTimezone(tx: DbTx, shop: string): Promise<string> {
  const cached = timezones.get(shop);
  if (cached && Date.now() - cached.readAt < TIMEZONE_TTL_MS) return cached.timezone;
  const timezone = (await tx.shop.findUnique({ where: { domain: shop }, select: { timezone: true } }))?.timezone ?? DEFAULT_TIMEZONE;
  timezones.set(shop, { timezone, readAt: Date.now() });
  return timezone;
}

/** Forgets the cached time zones (after a shop's time zone changed, before its rebuild). */
export function forgetTimezones(): void {
  timezones.clear();
}

type DayDelta = { shop: string; day: string; metric: string; delta: number };

/** Adds the deltas in one statement (distinct keys only: PostgreSQL updates a row once per INSERT … ON CONFLICT). */
async function addToDays(tx: DbTx, deltas: DayDelta[]): Promise<void> {
  const merged = new Map<string, DayDelta>();
  for (const d of deltas) {
    const key = JSON.stringify([d.shop, d.day, d.metric]);
    const entry = merged.get(key) ?? { ...d, delta: 0 };
    entry.delta += d.delta;
    merged.set(key, entry);
  }
  const rows = [...merged.values()].filter((d) => d.delta !== 0);
  if (rows.length === 0) return;
  await tx.$executeRaw`INSERT INTO "RollupDay" ("shop", "day", "metric", "value")
    VALUES ${Prisma.join(rows.map((r) => Prisma.sql`(${r.shop}, ${r.day}, ${r.metric}, ${r.delta})`))}
    ON CONFLICT ("shop", "day", "metric") DO UPDATE SET "value" = "RollupDay"."value" + excluded."value"`;
}

const addToDay = (tx: DbTx, shop: string, day: string, metric: string, delta: number) => addToDays(tx, [{ shop, day, metric, delta }]);

// ------------------------------------------------------------------------------------------------
// Orders and customers
// ------------------------------------------------------------------------------------------------

export interface OrderFacts {
  customerKey: string | null;
  totalPrice: string;
  test: boolean;
  cancelledAt: Date | null;
  optInRequested: boolean;
  createdAt: Date;
}

interface OrderContribution {
  day: string;
  cents: number;
  optIn: boolean;
  customerKey: string | null;
}

/** What an order adds to the figures: nothing when it is a test order or cancelled by its latest state (METRICS.md). */
export function orderContribution(order: OrderFacts | null, timezone: string): OrderContribution | null {
  if (!order || order.test || order.cancelledAt) return null;
  return { day: localDate(order.createdAt, timezone), cents: toCents(order.totalPrice), optIn: order.optInRequested, customerKey: order.customerKey };
}

const sameContribution = (a: OrderContribution | null, b: OrderContribution | null) => JSON.stringify(a) === JSON.stringify(b);

/** Hook for the order projection: `before` is the row as it was (null when new), `after` as written. */
export async function rollupOrderChanged(tx: DbTx, shop: string, before: OrderFacts | null, after: OrderFacts): Promise<void> {
  const timezone = await shopTimezone(tx, shop);
  const old = orderContribution(before, timezone);
  const now = orderContribution(after, timezone);
  if (sameContribution(old, now)) return;
  const keys = [...new Set([old?.customerKey, now?.customerKey].filter((k): k is string => !!k))];
  const customers = keys.length ? await tx.customer.findMany({ where: { shop, key: { in: keys } }, select: { id: true, key: true } }) : [];
  const idOf = new Map(customers.map((c) => [c.key, c.id]));
  const touched = [...new Set(customers.map((c) => c.id))];
  const beforeState = new Map(await Promise.all(touched.map(async (id) => [id, await customerState(tx, shop, id)] as const)));

  const deltas: DayDelta[] = [];
  for (const [contribution, sign] of [[old, -1], [now, 1]] as const) {
    if (!contribution) continue;
    deltas.push({ shop, day: contribution.day, metric: "orders", delta: sign }, { shop, day: contribution.day, metric: "revenue_cents", delta: sign * contribution.cents });
    if (contribution.optIn) deltas.push({ shop, day: contribution.day, metric: "opt_in_orders", delta: sign });
    const customerId = contribution.customerKey ? idOf.get(contribution.customerKey) : undefined;
    if (customerId) await addCustomerOrders(tx, shop, customerId, contribution.day, sign);
  }
  await addToDays(tx, deltas);
  for (const id of touched) await applyCustomerChange(tx, shop, id, beforeState.get(id)!, await customerState(tx, shop, id));
}

async function addCustomerOrders(tx: DbTx, shop: string, customerId: string, day: string, delta: number): Promise<void> {
  await tx.$executeRaw`INSERT INTO "CustomerDay" ("shop", "customerId", "day", "orders") VALUES (${shop}, ${customerId}, ${day}, ${delta})
    ON CONFLICT ("shop", "customerId", "day") DO UPDATE SET "orders" = "CustomerDay"."orders" + excluded."orders"`;
  if (delta < 0) await tx.customerDay.deleteMany({ where: { shop, customerId, day, orders: { lte: 0 } } });
}

/** A customer's order days (from CustomerDay): what their summary, first-order day and cohort cells derive from. */
interface CustomerState {
  days: string[];
  orders: number;
}

async function customerState(tx: DbTx, shop: string, customerId: string): Promise<CustomerState> {
  const rows = await tx.customerDay.findMany({ where: { shop, customerId, orders: { gt: 0 } }, select: { day: true, orders: true }, orderBy: { day: "asc" } });
  return { days: rows.map((r) => r.day), orders: rows.reduce((sum, r) => sum + r.orders, 0) };
}

/** The cohort cells a customer counts in: (month of the first order, each month with an order). */
function cohortCells(state: CustomerState): string[] {
  if (state.days.length === 0) return [];
  const cohort = state.days[0].slice(0, 7);
  return [...new Set(state.days.map((d) => `${cohort}|${d.slice(0, 7)}`))];
}

async function applyCustomerChange(tx: DbTx, shop: string, customerId: string, before: CustomerState, after: CustomerState): Promise<void> {
  const firstBefore = before.days[0];
  const firstAfter = after.days[0];
  if (firstBefore !== firstAfter) {
    await addToDays(tx, [
      ...(firstBefore ? [{ shop, day: firstBefore, metric: "first_orders", delta: -1 }] : []),
      ...(firstAfter ? [{ shop, day: firstAfter, metric: "first_orders", delta: 1 }] : []),
    ]);
  }
  const cellsBefore = new Set(cohortCells(before));
  const cellsAfter = new Set(cohortCells(after));
  for (const cell of cellsBefore) if (!cellsAfter.has(cell)) await addToCohort(tx, shop, cell, -1);
  for (const cell of cellsAfter) if (!cellsBefore.has(cell)) await addToCohort(tx, shop, cell, 1);

  const where = { shop_customerId: { shop, customerId } };
  if (after.days.length === 0) {
    await tx.customerSummary.deleteMany({ where: { shop, customerId } });
    return;
  }
  const summary = { firstDay: after.days[0], lastDay: after.days[after.days.length - 1], orders: after.orders };
  await tx.customerSummary.upsert({ where, create: { shop, customerId, ...summary }, update: summary });
}

async function addToCohort(tx: DbTx, shop: string, cell: string, delta: number): Promise<void> {
  const [cohort, month] = cell.split("|");
  await tx.$executeRaw`INSERT INTO "CohortMonth" ("shop", "cohort", "month", "customers") VALUES (${shop}, ${cohort}, ${month}, ${delta})
    ON CONFLICT ("shop", "cohort", "month") DO UPDATE SET "customers" = "CohortMonth"."customers" + excluded."customers"`;
}

// ------------------------------------------------------------------------------------------------
// Messages
// ------------------------------------------------------------------------------------------------

export interface MessageFacts {
  shop: string;
  flow: string;
  createdAt: Date;
  orderId: string | null;
}

/** Hook for a message written into the outbox with `status`. */
export async function rollupMessagesCreated(tx: DbTx, messages: (MessageFacts & { status: string })[]): Promise<void> {
  await moveMessages(tx, messages.map((m) => ({ ...m, from: null, to: m.status })));
}

/**
 * Hook for messages whose status changed from `from` to `to` (only those rows that really changed). A move within
 * one bucket (SCHEDULED → SENDING) changes no figure and costs no query.
 */
export async function rollupMessagesMoved(tx: DbTx, ids: string[], from: string, to: string | undefined): Promise<void> {
  if (!to || ids.length === 0 || BUCKET_OF_STATUS[from] === BUCKET_OF_STATUS[to]) return;
  const rows = await tx.message.findMany({ where: { id: { in: ids } }, select: { shop: true, flow: true, createdAt: true, orderId: true } });
  await moveMessages(tx, rows.map((r) => ({ ...r, from, to })));
}

/** Hook for status changes whose rows the caller has read already (Meta's status webhooks): no read of its own. */
export async function rollupMessageRowsMoved(tx: DbTx, moves: (MessageFacts & { from: string; to: string | undefined })[]): Promise<void> {
  const changed = moves.filter((m): m is MessageFacts & { from: string; to: string } => !!m.to && BUCKET_OF_STATUS[m.from] !== BUCKET_OF_STATUS[m.to]);
  await moveMessages(tx, changed);
}

/** For bulk updates that do not return their rows: the hook runs before the update, with the update's `where`. */
export async function rollupMessagesMovingWhere(tx: DbTx, where: Prisma.MessageWhereInput & { status: string }, to: string): Promise<void> {
  const rows = await tx.message.findMany({ where, select: { id: true } });
  await rollupMessagesMoved(tx, rows.map((r) => r.id), where.status, to);
}

async function moveMessages(tx: DbTx, rows: (MessageFacts & { from: string | null; to: string })[]): Promise<void> {
  const counted = rows.filter((r) => isCountedFlow(r.flow));
  if (counted.length === 0) return;
  // Messages about test orders are left out, like the orders themselves.
  const orderIds = [...new Set(counted.map((r) => r.orderId).filter((id): id is string => id !== null))];
  const testOrders = orderIds.length ? new Set((await tx.order.findMany({ where: { id: { in: orderIds }, test: true }, select: { id: true } })).map((o) => o.id)) : new Set<string>();
  const deltas: DayDelta[] = [];
  for (const r of counted) {
    if (r.orderId && testOrders.has(r.orderId)) continue;
    const day = localDate(r.createdAt, await shopTimezone(tx, r.shop));
    const fromBucket = r.from ? BUCKET_OF_STATUS[r.from] : undefined;
    if (fromBucket) deltas.push({ shop: r.shop, day, metric: messageMetric(r.flow, fromBucket), delta: -1 });
    const toBucket = BUCKET_OF_STATUS[r.to];
    if (toBucket) deltas.push({ shop: r.shop, day, metric: messageMetric(r.flow, toBucket), delta: 1 });
  }
  await addToDays(tx, deltas);
}

// ------------------------------------------------------------------------------------------------
// Consent
// ------------------------------------------------------------------------------------------------

/** Hook for a consent transition that was recorded (a ConsentEvent was appended). */
export async function rollupConsentTransition(tx: DbTx, shop: string, toState: string, at: Date): Promise<void> {
  await addToDay(tx, shop, localDate(at, await shopTimezone(tx, shop)), consentMetric(toState), 1);
}

/** shop/redact: the rollups go with the rows they were computed from. */
export async function deleteRollups(tx: DbTx, shop: string): Promise<void> {
  await tx.rollupDay.deleteMany({ where: { shop } });
  await tx.customerDay.deleteMany({ where: { shop } });
  await tx.customerSummary.deleteMany({ where: { shop } });
  await tx.cohortMonth.deleteMany({ where: { shop } });
}
