// Rollups (docs/decisions/010-rollups.md): daily figures per shop, kept up to date in the transaction of the
// write they mirror, so the stats never scan raw orders or messages. Each hook applies the difference between
// a row's contribution before and after the write; a write that did not happen (a duplicate or stale webhook,
// a conditional update that matched nothing) is never passed here, so nothing is counted twice.
// rebuild.ts recomputes the same tables from the raw rows with the same contribution functions.
import { Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import { recordCheckoutOutcomes, toCents } from "../cart-recovery/figures";
import { phoneCountry } from "../identity";
import { shopTimeZone } from "../settings/store";
import { localDate } from "./period";
import { deleteCachedRetention, dropCachedRetention, dropCachedRetentionContaining } from "./retention-cache";

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

// The hooks run on every webhook: the time zone is read once a minute per shop, not once per write. A shop whose
// time zone changes needs a rebuild anyway (its days move), see decision 010.
const TIMEZONE_TTL_MS = 60_000;
const timezones = new Map<string, { timezone: string; readAt: number }>();

export async function cachedShopTimeZone(tx: DbTx, shop: string): Promise<string> {
  const cached = timezones.get(shop);
  if (cached && Date.now() - cached.readAt < TIMEZONE_TTL_MS) return cached.timezone;
  const timezone = await shopTimeZone(tx, shop);
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

// ------------------------------------------------------------------------------------------------
// Orders and customers
// ------------------------------------------------------------------------------------------------

export interface OrderFacts {
  customerKey: string | null;
  checkoutToken: string | null;
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
export function orderContribution(order: Omit<OrderFacts, "checkoutToken"> | null, timezone: string): OrderContribution | null {
  if (!order || order.test || order.cancelledAt) return null;
  return { day: localDate(order.createdAt, timezone), cents: toCents(order.totalPrice), optIn: order.optInRequested, customerKey: order.customerKey };
}

const sameContribution = (a: OrderContribution | null, b: OrderContribution | null) => JSON.stringify(a) === JSON.stringify(b);

/** Hook for the order projection: `before` is the row as it was (null when new), `after` as written. */
export async function rollupOrderChanged(tx: DbTx, shop: string, before: OrderFacts | null, after: OrderFacts): Promise<void> {
  // An order for a checkout token may make it recovered, or not abandoned after all (its time, total or state changed).
  await recordCheckoutOutcomes(tx, shop, [before?.checkoutToken, after.checkoutToken].filter((t): t is string => !!t));
  const timezone = await cachedShopTimeZone(tx, shop);
  const old = orderContribution(before, timezone);
  const now = orderContribution(after, timezone);
  if (sameContribution(old, now)) return;
  const keys = [...new Set([old?.customerKey, now?.customerKey].filter((k): k is string => !!k))];
  const customers = keys.length ? await tx.customer.findMany({ where: { shop, key: { in: keys } }, select: { id: true, key: true } }) : [];
  const idOf = new Map(customers.map((c) => [c.key, c.id]));
  const touched = [...new Set(customers.map((c) => c.id))];
  const beforeState = new Map(await Promise.all(touched.map(async (id) => [id, await customerState(tx, shop, id)] as const)));

  const deltas: DayDelta[] = [];
  const customerDays: string[] = [];
  for (const [contribution, sign] of [[old, -1], [now, 1]] as const) {
    if (!contribution) continue;
    deltas.push({ shop, day: contribution.day, metric: "orders", delta: sign }, { shop, day: contribution.day, metric: "revenue_cents", delta: sign * contribution.cents });
    if (contribution.optIn) deltas.push({ shop, day: contribution.day, metric: "opt_in_orders", delta: sign });
    const customerId = contribution.customerKey ? idOf.get(contribution.customerKey) : undefined;
    if (!customerId) continue;
    await addCustomerOrders(tx, shop, customerId, contribution.day, sign);
    customerDays.push(contribution.day);
  }
  await addToDays(tx, deltas);
  for (const id of touched) await applyCustomerChange(tx, shop, id, beforeState.get(id)!, await customerState(tx, shop, id));
  // A customer's orders on a day: the retention of every period ending after it may change.
  if (customerDays.length) await dropCachedRetention(tx, shop, customerDays.sort()[0]);
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
  links: { day: string; prevDay: string | null; nextDay: string | null }[];
}

async function customerState(tx: DbTx, shop: string, customerId: string): Promise<CustomerState> {
  const rows = await tx.customerDay.findMany({ where: { shop, customerId, orders: { gt: 0 } }, select: { day: true, orders: true, prevDay: true, nextDay: true }, orderBy: { day: "asc" } });
  return { days: rows.map((r) => r.day), orders: rows.reduce((sum, r) => sum + r.orders, 0), links: rows };
}

/** Each of a customer's order days names the one before and after it (CustomerDay.prevDay / nextDay). */
export const dayLinks = (days: string[], i: number) => ({ prevDay: days[i - 1] ?? null, nextDay: days[i + 1] ?? null });

/** The cohort cells a customer counts in: (month of the first order, each month with an order). */
function cohortCells(state: CustomerState): string[] {
  if (state.days.length === 0) return [];
  const cohort = state.days[0].slice(0, 7);
  return [...new Set(state.days.map((d) => `${cohort}|${d.slice(0, 7)}`))];
}

/**
 * What a customer's summary adds to the day sums on the day of the last order: `last_orders`, `only_orders` for a
 * customer with one order (returning in no period), and both again as `…_subscribed` while the subscriber flag is
 * set. A period that ends after every order (the dashboard's) reads its customers and their split from these sums.
 */
export function summaryContributions(summary: { orders: number; subscriber: boolean }): string[] {
  const metrics = summary.orders === 1 ? ["last_orders", "only_orders"] : ["last_orders"];
  return summary.subscriber ? [...metrics, ...metrics.map((m) => `${m}_subscribed`)] : metrics;
}

async function applyCustomerChange(tx: DbTx, shop: string, customerId: string, before: CustomerState, after: CustomerState): Promise<void> {
  const where = { shop_customerId: { shop, customerId } };
  // A new summary reads its consent; an existing one keeps its flag, which the consent and customer write points keep.
  const existing = before.days.length ? await tx.customerSummary.findUnique({ where, select: { subscriber: true } }) : null;
  const subscribedBefore = existing?.subscriber ?? false;
  const subscriber = after.days.length === 0 ? false : existing ? subscribedBefore : await isSubscriber(tx, shop, customerId);
  const ends = (s: CustomerState, flag: boolean) => {
    if (s.days.length === 0) return [];
    const lastDay = s.days[s.days.length - 1];
    return [{ metric: "first_orders", day: s.days[0] }, ...summaryContributions({ orders: s.orders, subscriber: flag }).map((metric) => ({ metric, day: lastDay }))];
  };
  await addToDays(tx, [...ends(before, subscribedBefore).map((e) => ({ shop, ...e, delta: -1 })), ...ends(after, subscriber).map((e) => ({ shop, ...e, delta: 1 }))]);
  for (const [i, link] of after.links.entries()) {
    const want = dayLinks(after.days, i);
    if (link.prevDay !== want.prevDay || link.nextDay !== want.nextDay) {
      await tx.customerDay.update({ where: { shop_customerId_day: { shop, customerId, day: link.day } }, data: want });
    }
  }
  const cellsBefore = new Set(cohortCells(before));
  const cellsAfter = new Set(cohortCells(after));
  for (const cell of cellsBefore) if (!cellsAfter.has(cell)) await addToCohort(tx, shop, cell, -1);
  for (const cell of cellsAfter) if (!cellsBefore.has(cell)) await addToCohort(tx, shop, cell, 1);

  if (after.days.length === 0) {
    await tx.customerSummary.deleteMany({ where: { shop, customerId } });
    return;
  }
  const summary = { firstDay: after.days[0], lastDay: after.days[after.days.length - 1], orders: after.orders };
  await tx.customerSummary.upsert({ where, create: { shop, customerId, ...summary, subscriber }, update: summary });
}

async function isSubscriber(tx: DbTx, shop: string, customerId: string): Promise<boolean> {
  const customer = await tx.customer.findUnique({ where: { id: customerId }, select: { phone: true } });
  if (!customer?.phone) return false;
  return (await tx.consent.count({ where: { shop, phone: customer.phone, state: "CONFIRMED" } })) > 0;
}

/**
 * CustomerSummary.subscriber: whether the consent of the customer's phone is CONFIRMED now (the subscriber split of
 * METRICS.md "Retention" wherever no consent changed since `to`). Called where that can change: a consent's
 * transition or a consent learning its phone (by phone), a customer's phone changing (by customer).
 */
export async function refreshSubscribers(tx: DbTx, shop: string, by: { phone: string } | { customerId: string }): Promise<void> {
  // By customer: the customer's phone changed, so the customer now reads another consent's log, in the past too —
  // in the periods where the customer ordered (a whole shop's kept figures would go with every such order otherwise).
  if ("customerId" in by) {
    const days = await tx.customerDay.findMany({ where: { shop, customerId: by.customerId }, select: { day: true } });
    await dropCachedRetentionContaining(tx, shop, days.map((d) => d.day));
  }
  const customers = "phone" in by ? await tx.customer.findMany({ where: { shop, phone: by.phone }, select: { id: true } }) : [{ id: by.customerId }];
  for (const { id } of customers) {
    const where = { shop_customerId: { shop, customerId: id } };
    const summary = await tx.customerSummary.findUnique({ where, select: { lastDay: true, orders: true, subscriber: true } });
    if (!summary) continue;
    const subscriber = await isSubscriber(tx, shop, id);
    if (subscriber === summary.subscriber) continue;
    await tx.customerSummary.update({ where, data: { subscriber } });
    // The `…_subscribed` day sums follow the flag.
    const moved = summaryContributions({ orders: summary.orders, subscriber: true }).filter((m) => m.endsWith("_subscribed"));
    await addToDays(tx, moved.map((metric) => ({ shop, day: summary.lastDay, metric, delta: subscriber ? 1 : -1 })));
  }
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
  /** Recipient, category and checkout: what a cart reminder's cost and its checkout's outcome depend on (needed for cart_recovery only). */
  to?: string | null;
  category?: string;
  checkoutToken?: string | null;
}

/** A message moving from one status to another (from null: just written); `count` identical messages at once. */
interface MessageMove {
  facts: MessageFacts;
  from: string | null;
  status: string;
  count: number;
}

/**
 * Hook for messages written into the outbox with `status`. `count` stands for that many messages with the same
 * facts (a set-based insert of N messages is one entry, not N).
 */
export async function rollupMessagesCreated(tx: DbTx, messages: (MessageFacts & { status: string; count?: number })[]): Promise<void> {
  await moveMessages(tx, messages.map(({ status, count, ...facts }) => ({ facts, from: null, status, count: count ?? 1 })));
}

/**
 * Hook for messages whose status changed from `from` to `to` (only those rows that really changed). A move within
 * one bucket (SCHEDULED → SENDING) changes no figure and costs no query.
 */
export async function rollupMessagesMoved(tx: DbTx, ids: string[], from: string, to: string | undefined): Promise<void> {
  if (!to || ids.length === 0 || BUCKET_OF_STATUS[from] === BUCKET_OF_STATUS[to]) return;
  const rows = await tx.message.findMany({ where: { id: { in: ids } }, select: { shop: true, flow: true, createdAt: true, orderId: true, to: true, category: true, checkoutToken: true } });
  await moveMessages(tx, rows.map((facts) => ({ facts, from, status: to, count: 1 })));
  if (isSent(from) !== isSent(to)) await recordReminderOutcomes(tx, rows);
}

/** Hook for status changes whose rows the caller has read already (Meta's status webhooks): no read of its own. */
export async function rollupMessageRowsMoved(tx: DbTx, moves: { facts: MessageFacts; from: string; to: string | undefined }[]): Promise<void> {
  await moveMessages(tx, moves.flatMap(({ facts, from, to }) => (to && BUCKET_OF_STATUS[from] !== BUCKET_OF_STATUS[to] ? [{ facts, from, status: to, count: 1 }] : [])));
  // A status webhook may set a reminder's sentAt without moving it to another bucket: its checkout is counted again.
  await recordReminderOutcomes(tx, moves.map((m) => m.facts));
}

/** Cart reminders changed (status, send time or click): their checkouts' outcome columns are recomputed. */
export async function recordReminderOutcomes(tx: DbTx, reminders: MessageFacts[]): Promise<void> {
  const tokensOf = new Map<string, string[]>();
  for (const m of reminders) {
    if (m.flow !== "cart_recovery") continue;
    if (m.checkoutToken === undefined) throw new Error("a cart reminder's rollup needs its checkout token");
    if (m.checkoutToken) tokensOf.set(m.shop, [...(tokensOf.get(m.shop) ?? []), m.checkoutToken]);
  }
  for (const [shop, tokens] of tokensOf) await recordCheckoutOutcomes(tx, shop, tokens);
}

/** For bulk updates that do not return their rows: the hook runs before the update, with the update's `where`. */
export async function rollupMessagesMovingWhere(tx: DbTx, where: Prisma.MessageWhereInput & { status: string }, to: string): Promise<void> {
  const rows = await tx.message.findMany({ where, select: { id: true } });
  await rollupMessagesMoved(tx, rows.map((r) => r.id), where.status, to);
}

/** Sent in the sense of METRICS.md: sent ∪ delivered ∪ read. */
export const SENT_BUCKETS = new Set(["sent", "delivered", "read"]);
const isSent = (status: string | null) => !!status && SENT_BUCKETS.has(BUCKET_OF_STATUS[status]);

/**
 * Cart reminders that went out, per recipient country and category (`reminders_sent:<country>:<category>`, country
 * empty when unknown): the estimated cost is their count times the merchant's rate at read time, so editing the
 * rates needs no rebuild. Like the cost figure, this does not leave out reminders about test orders.
 */
export function reminderCostMetricOf(facts: Pick<MessageFacts, "to" | "category">): string {
  if (facts.to === undefined || facts.category === undefined) throw new Error("a cart reminder's rollup needs its recipient and category");
  const country = facts.to ? phoneCountry(facts.to) : null;
  return `reminders_sent:${country ?? ""}:${facts.category === "UTILITY" ? "UTILITY" : "MARKETING"}`;
}

async function moveMessages(tx: DbTx, moves: MessageMove[]): Promise<void> {
  const counted = moves.filter((m) => isCountedFlow(m.facts.flow));
  if (counted.length === 0) return;
  // Messages about test orders are left out, like the orders themselves.
  const orderIds = [...new Set(counted.map((m) => m.facts.orderId).filter((id): id is string => id !== null))];
  const testOrders = orderIds.length ? new Set((await tx.order.findMany({ where: { id: { in: orderIds }, test: true }, select: { id: true } })).map((o) => o.id)) : new Set<string>();
  const deltas: DayDelta[] = [];
  for (const { facts, from, status, count } of counted) {
    const { shop, flow } = facts;
    const day = localDate(facts.createdAt, await cachedShopTimeZone(tx, shop));
    if (flow === "cart_recovery" && isSent(from) !== isSent(status)) {
      deltas.push({ shop, day, metric: reminderCostMetricOf(facts), delta: isSent(status) ? count : -count });
    }
    if (facts.orderId && testOrders.has(facts.orderId)) continue;
    const fromBucket = from ? BUCKET_OF_STATUS[from] : undefined;
    if (fromBucket) deltas.push({ shop, day, metric: messageMetric(flow, fromBucket), delta: -count });
    const toBucket = BUCKET_OF_STATUS[status];
    if (toBucket) deltas.push({ shop, day, metric: messageMetric(flow, toBucket), delta: count });
  }
  await addToDays(tx, deltas);
}

// ------------------------------------------------------------------------------------------------
// Consent
// ------------------------------------------------------------------------------------------------

export const CONSENT_REQUEST_PREFIX = "consent_request:";

/** A `consent_request:` metric read back: the consent's previous request day and its confirmation day (null: none). */
export function parseConsentRequestMetric(metric: string): { prevDay: string | null; confirmDay: string | null } {
  const [, prev, confirm] = metric.split(":");
  return { prevDay: prev === "-" ? null : prev, confirmDay: confirm === "-" ? null : confirm };
}

type ConsentLogEntry = { id: number; toState: string; at: Date };

/**
 * The confirmation rate as a sum over days (METRICS.md "Consent": requests made in P, confirmed at any time up to
 * `to`). Each request of a consent counts once on its local day under `consent_request:<the consent's previous
 * request day>:<its first confirmation day>` ("-": none). A period counts its rows whose previous request is before
 * it — each consent once, on its first request in P, as CustomerDay does for customers — and, of those, the ones whose
 * confirmation day is before its end. A confirmation before the request is raised to the request's day: every end
 * after the request is after both, and the metric has fewer values.
 */
export function consentRequestContributions(log: ConsentLogEntry[], timezone: string): { day: string; metric: string }[] {
  const sorted = [...log].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
  const firstConfirmed = sorted.find((e) => e.toState === "CONFIRMED");
  const confirmDay = firstConfirmed ? localDate(firstConfirmed.at, timezone) : null;
  const out: { day: string; metric: string }[] = [];
  let prevDay: string | null = null;
  for (const e of sorted) {
    if (e.toState !== "REQUESTED") continue;
    const day = localDate(e.at, timezone);
    const confirm = confirmDay === null ? "-" : confirmDay < day ? day : confirmDay;
    out.push({ day, metric: `${CONSENT_REQUEST_PREFIX}${prevDay ?? "-"}:${confirm}` });
    prevDay = day;
  }
  return out;
}

/** Hook for a consent transition that was recorded (a ConsentEvent was appended). */
export async function rollupConsentTransition(tx: DbTx, shop: string, event: { id: number; consentId: string; toState: string; at: Date }): Promise<void> {
  const timezone = await cachedShopTimeZone(tx, shop);
  // The consent's state at the end of every period ending after the event's day.
  await dropCachedRetention(tx, shop, localDate(event.at, timezone));
  const deltas: DayDelta[] = [{ shop, day: localDate(event.at, timezone), metric: consentMetric(event.toState), delta: 1 }];
  if (event.toState === "REQUESTED" || event.toState === "CONFIRMED") {
    // The consent's requests before and after this event: a request links to the previous one, a first confirmation
    // moves the consent's earlier requests to "confirmed" (a consent has few of either).
    const log = await tx.consentEvent.findMany({ where: { consentId: event.consentId, toState: { in: ["REQUESTED", "CONFIRMED"] } }, select: { id: true, toState: true, at: true } });
    for (const c of consentRequestContributions(log, timezone)) deltas.push({ shop, ...c, delta: 1 });
    for (const c of consentRequestContributions(log.filter((e) => e.id !== event.id), timezone)) deltas.push({ shop, ...c, delta: -1 });
  }
  await addToDays(tx, deltas);
}

/** shop/redact: the rollups go with the rows they were computed from. */
export async function deleteRollups(tx: DbTx, shop: string): Promise<void> {
  await tx.rollupDay.deleteMany({ where: { shop } });
  await tx.customerDay.deleteMany({ where: { shop } });
  await tx.customerSummary.deleteMany({ where: { shop } });
  await tx.cohortMonth.deleteMany({ where: { shop } });
  await deleteCachedRetention(tx, shop);
}
