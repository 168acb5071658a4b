// The one stats function: every figure on screen, in exports and in the stats/replay JSON comes from
// here, exactly as defined in METRICS.md. It reads the rollups (rollups.ts, decision 010), never raw orders
// or messages; feedback answers and (for the subscriber split of a period in the past) the consents changed since
// its end are read where they are kept, the cart-recovery figures from
// each checkout's outcome columns (cart-recovery/figures.ts). A past period's retention is kept once computed
// (retention-cache.ts).
//
// P is a run of whole local days in the shop's time zone: instants that are not a local midnight are
// widened to the days that hold them (the rollups are per local day).
import { Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import type { Flow } from "../automations/types";
import { cartRecoveryStats, formatCents, type CartRecoveryStats, type SentReminders } from "../cart-recovery/figures";
import { effectiveSettings, parseStoredJson, timeZoneOf } from "../settings/store";
import { addDays, localDate, startOfLocalDay } from "./period";
import { cachedPastRetention, type RetentionCounts } from "./retention-cache";
import { BUCKET_OF_STATUS, CONSENT_REQUEST_PREFIX, parseConsentRequestMetric } from "./rollups";

export { BUCKET_OF_STATUS };
export const MESSAGE_BUCKETS = ["sent", "delivered", "read", "failed", "skipped", "cancelled", "scheduled"] as const;
export type MessageBucket = (typeof MESSAGE_BUCKETS)[number];
export type MessageCounts = Record<MessageBucket, number>;

/**
 * NPS (not yet in METRICS.md; proposed line): of the feedback answers (0–10) received in P, the percentage of
 * promoters (9–10) minus the percentage of detractors (0–6), in points from −100 to 100; null with fewer than
 * MIN_NPS_ANSWERS answers, where one answer moves it by 10 points or more.
 */
export const MIN_NPS_ANSWERS = 10;
/** Cohort rows shown: the cohorts of the last twelve months up to P's last day. */
export const COHORT_MONTHS = 12;

export interface GroupRetention {
  customers: number;
  returningCustomerRate: number;
}

export interface Cohort {
  /** YYYY-MM of the cohort's first orders. */
  month: string;
  customers: number;
  /** retention[k] = share of the cohort with an order in calendar month `month` + k (k = 0 is always 1). */
  retention: number[];
}

export interface DailyFigures {
  day: string;
  /** Messages created that day, now sent ∪ delivered ∪ read. */
  messagesSent: number;
  messagesRead: number;
  orders: number;
  /** Sum of total_price of the day's orders, decimal string. */
  revenue: string;
}

export interface Stats {
  shop: string;
  from: string;
  to: string;
  /** sent = sent ∪ delivered ∪ read; readRate = read / (delivered ∪ read), a lower bound (METRICS.md "Messages"). */
  messages: { total: MessageCounts; byFlow: Partial<Record<Flow, MessageCounts>>; sent: number; readRate: number };
  consent: { requested: number; confirmed: number; revoked: number; confirmationRate: number };
  cartRecovery: CartRecoveryStats;
  retention: GroupRetention & {
    lapsed: number;
    churnRate: number;
    /** The days after which a customer counts as lapsed (setting lapsedAfterDays). */
    lapsedAfterDays: number;
    subscribers: GroupRetention;
    others: GroupRetention;
    cohorts: Cohort[];
  };
  nps: { responses: number; promoters: number; passives: number; detractors: number; score: number | null };
  /** Orders in P (not test, not cancelled); optInRate = those whose checkout carried an opt-in request / all. */
  orders: { count: number; revenue: string; optInRate: number };
  daily: DailyFigures[];
}

export interface StatsPeriod {
  shop: string;
  /** Instants bounding P = [from, to); callers turn the shop's local dates into these. */
  from: Date;
  to: Date;
}

function emptyCounts(): MessageCounts {
  return { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, cancelled: 0, scheduled: 0 };
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

type MetricSums = { metric: string; _sum: { value: number | null } }[];

/** The cart reminders that went out, from the rollup's `reminders_sent:<country>:<category>` sums. */
function sentReminders(totals: MetricSums): SentReminders[] {
  return totals.flatMap(({ metric, _sum }) => {
    if (!metric.startsWith("reminders_sent:") || !_sum.value) return [];
    const [, country, category] = metric.split(":");
    return [{ country: country || null, category: category === "UTILITY" ? "UTILITY" : "MARKETING", count: _sum.value }];
  });
}

/** The whole local days covering [from, to): first day and the exclusive end day. */
export function wholeDays(from: Date, to: Date, timezone: string): { fromDay: string; toDay: string } {
  const fromDay = localDate(from, timezone);
  const lastDay = localDate(to, timezone);
  return { fromDay, toDay: startOfLocalDay(lastDay, timezone).getTime() === to.getTime() ? lastDay : addDays(lastDay, 1) };
}

const monthOf = (day: string) => day.slice(0, 7);
function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}
const monthsBetween = (a: string, b: string) => {
  const [ya, ma] = a.split("-").map(Number);
  const [yb, mb] = b.split("-").map(Number);
  return (yb - ya) * 12 + (mb - ma);
};

export interface StatsOptions {
  /** Only the summary figures (the dashboard's comparison with the previous period): `daily` and `retention.cohorts` are left empty. */
  summaryOnly?: boolean;
  /** false: a past period's retention is computed, not read from RetentionCache (what the cache is tested against). */
  cache?: boolean;
}

export async function computeStats(db: DbTx, period: StatsPeriod, options: StatsOptions = {}): Promise<Stats> {
  const { shop } = period;
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { timezone: true, settings: true } });
  const timezone = timeZoneOf(shopRow);
  const settings = effectiveSettings(parseStoredJson(shopRow?.settings));
  const { fromDay, toDay } = wholeDays(period.from, period.to, timezone);
  const from = startOfLocalDay(fromDay, timezone);
  const to = startOfLocalDay(toDay, timezone);

  // A real promise (a Prisma query runs again on every `then`): the cart-recovery cost reads it too.
  const totalsQuery = Promise.resolve(db.rollupDay.groupBy({ by: ["metric"], where: { shop, day: { gte: fromDay, lt: toDay } }, _sum: { value: true } }));
  const [totalRows, dailyRows, retention, nps, cartRecovery] = await Promise.all([
    totalsQuery,
    // The charts' series, summed per day in the database (a year is 365 rows, not one per day and metric).
    options.summaryOnly ? [] : db.$queryRaw<{ day: string; orders: unknown; revenue_cents: unknown; sent: unknown; read: unknown }[]>`
      SELECT "day",
        SUM(CASE WHEN "metric" = 'orders' THEN "value" ELSE 0 END) AS orders,
        SUM(CASE WHEN "metric" = 'revenue_cents' THEN "value" ELSE 0 END) AS revenue_cents,
        SUM(CASE WHEN "metric" LIKE 'msg:%:sent' OR "metric" LIKE 'msg:%:delivered' OR "metric" LIKE 'msg:%:read' THEN "value" ELSE 0 END) AS sent,
        SUM(CASE WHEN "metric" LIKE 'msg:%:read' THEN "value" ELSE 0 END) AS "read"
      FROM "RollupDay" WHERE "shop" = ${shop} AND "day" >= ${fromDay} AND "day" < ${toDay}
      GROUP BY "day"`,
    retentionFigures(db, shop, { fromDay, toDay, to, timezone }, settings.lapsedAfterDays, { withCohorts: !options.summaryOnly, useCache: options.cache !== false, totals: totalsQuery }),
    npsFigures(db, shop, from, to),
    totalsQuery.then((rows) => cartRecoveryStats(db, { shop, from, to }, sentReminders(rows))),
  ]);

  const total = emptyCounts();
  const byFlow: Partial<Record<Flow, MessageCounts>> = {};
  const totals = new Map(totalRows.map((r) => [r.metric, r._sum.value ?? 0]));
  for (const [metric, value] of totals) {
    if (!metric.startsWith("msg:")) continue;
    const [, flow, bucket] = metric.split(":") as [string, Flow, MessageBucket];
    (byFlow[flow] ??= emptyCounts())[bucket] += value;
    total[bucket] += value;
  }
  const sum = (metric: string) => totals.get(metric) ?? 0;
  const byDay = new Map(dailyRows.map((r) => [r.day, r]));
  const daily: DailyFigures[] = [];
  if (!options.summaryOnly) {
    for (let day = fromDay; day < toDay; day = addDays(day, 1)) {
      const r = byDay.get(day);
      daily.push({ day, messagesSent: num(r?.sent), messagesRead: num(r?.read), orders: num(r?.orders), revenue: formatCents(num(r?.revenue_cents)) });
    }
  }

  return {
    shop,
    // The whole local days counted, to exclusive: what the figures really cover.
    from: fromDay,
    to: toDay,
    messages: { total, byFlow, sent: total.sent + total.delivered + total.read, readRate: ratio(total.read, total.delivered + total.read) },
    consent: {
      requested: sum("consent:REQUESTED"),
      confirmed: sum("consent:CONFIRMED"),
      revoked: sum("consent:REVOKED"),
      confirmationRate: confirmationRate(totals, fromDay, toDay),
    },
    cartRecovery,
    retention,
    nps,
    orders: { count: sum("orders"), revenue: formatCents(sum("revenue_cents")), optInRate: ratio(sum("opt_in_orders"), sum("orders")) },
    daily,
  };
}

/**
 * Requests made in P, confirmed at any time up to `to` (METRICS.md "Consent"), from P's `consent_request:` sums
 * (rollups.ts): each consent once, by its request in P whose previous request is before P.
 */
function confirmationRate(totals: Map<string, number>, fromDay: string, toDay: string): number {
  let requested = 0;
  let confirmed = 0;
  for (const [metric, value] of totals) {
    if (!metric.startsWith(CONSENT_REQUEST_PREFIX)) continue;
    const { prevDay, confirmDay } = parseConsentRequestMetric(metric);
    if (prevDay !== null && prevDay >= fromDay) continue;
    requested += value;
    if (confirmDay !== null && confirmDay < toDay) confirmed += value;
  }
  return ratio(confirmed, requested);
}

const num = (v: unknown) => Number(v ?? 0);

/** Sum of one RollupDay metric over the days [fromDay, toDay) (fromDay undefined: from the first day). */
async function sumOfMetric(db: DbTx, shop: string, metric: string, days: { fromDay?: string; toDay: string }): Promise<number> {
  const row = await db.rollupDay.aggregate({ where: { shop, metric, day: { ...(days.fromDay ? { gte: days.fromDay } : {}), lt: days.toDay } }, _sum: { value: true } });
  return row._sum.value ?? 0;
}

async function retentionFigures(
  db: DbTx,
  shop: string,
  p: { fromDay: string; toDay: string; to: Date; timezone: string },
  lapsedAfterDays: number,
  { withCohorts, useCache, totals }: { withCohorts: boolean; useCache: boolean; totals: Promise<MetricSums> },
): Promise<Stats["retention"]> {
  const { fromDay, toDay, to, timezone } = p;
  const cutoffDay = addDays(toDay, -lapsedAfterDays);
  // A period that ends after every order (the dashboard's, ending today) is read from the customers' summaries (as
  // day sums, or as rows when a consent changed since): its customers are those whose last order is in it, all their
  // orders are before `to`. Otherwise from the period's CustomerDay rows: a customer's first row in P is the one whose
  // previous order day is before P; those figures are kept once computed (retention-cache.ts).
  const [changedSinceTo, orderedSinceTo, withOrderBefore] = await Promise.all([
    db.consentEvent.findFirst({ where: { shop, at: { gte: to } }, select: { id: true } }),
    db.customerSummary.findFirst({ where: { shop, lastDay: { gte: toDay } }, select: { customerId: true } }),
    sumOfMetric(db, shop, "first_orders", { toDay }),
  ]);
  // Whether the customer's number was CONFIRMED at `to`: CustomerSummary.subscriber is the state now, which is the
  // state at `to` for every consent without a transition since; the customers of consents with one (the changes
  // after `to`, each looked up once) get the last transition before `to`.
  const changedSince = changedSinceTo
    ? Prisma.sql`LEFT JOIN (
        SELECT c."id" AS "customerId", CASE WHEN (
          SELECT e."toState" FROM "ConsentEvent" e WHERE e."consentId" = k."id" AND e."at" < ${to} ORDER BY e."at" DESC, e."id" DESC LIMIT 1
        ) = 'CONFIRMED' THEN 1 ELSE 0 END AS "subscriber"
        FROM "Consent" k JOIN "Customer" c ON c."shop" = k."shop" AND c."phone" = k."phone"
        WHERE k."shop" = ${shop} AND k."id" IN (SELECT "consentId" FROM "ConsentEvent" WHERE "shop" = ${shop} AND "at" >= ${to})
      ) ch ON ch."customerId" = s."customerId"`
    : Prisma.empty;
  const isSubscriber = changedSinceTo
    ? Prisma.sql`COALESCE(ch."subscriber", CASE WHEN s."subscriber" THEN 1 ELSE 0 END)`
    : Prisma.sql`CASE WHEN s."subscriber" THEN 1 ELSE 0 END`;
  type GroupRow = { is_returning: unknown; is_subscriber: unknown; customers: unknown };
  const asGroups = (rows: GroupRow[]) => rows.map((g) => ({ returning: num(g.is_returning), subscriber: num(g.is_subscriber), customers: num(g.customers) }));
  // Lapsed: among customers with an order before `to`, no order on a local day within lapsedAfterDays before `to`:
  // those whose last order of all is before the cut-off, and, for periods in the past, those who ordered before the
  // cut-off and again after `to`, but not in between: their first order from `to` on follows one before the cut-off.
  const quietSince = () => sumOfMetric(db, shop, "last_orders", { toDay: cutoffDay });

  // Returning: an order before P, or two or more orders up to `to` (on that first day, or a next day before `to`).
  const pastPeriod = async (): Promise<RetentionCounts> => {
    const [groups, quiet, laterOnly] = await Promise.all([
      db.$queryRaw<GroupRow[]>`
      SELECT x.is_returning, x.is_subscriber, COUNT(*) AS customers FROM (
        SELECT CASE WHEN d."prevDay" IS NOT NULL OR d."orders" >= 2 OR d."nextDay" < ${toDay} THEN 1 ELSE 0 END AS is_returning, ${isSubscriber} AS is_subscriber
        FROM "CustomerDay" d
        -- CROSS JOIN keeps SQLite from scanning all of the shop's CustomerSummary rows first.
        CROSS JOIN "CustomerSummary" s
        ${changedSince}
        WHERE d."shop" = ${shop} AND d."day" >= ${fromDay} AND d."day" < ${toDay} AND (d."prevDay" IS NULL OR d."prevDay" < ${fromDay})
          AND s."shop" = ${shop} AND s."customerId" = d."customerId"
      ) x GROUP BY x.is_returning, x.is_subscriber`,
      quietSince(),
      db.customerDay.count({ where: { shop, day: { gte: toDay }, prevDay: { lt: cutoffDay } } }),
    ]);
    return { groups: asGroups(groups), lapsed: quiet + laterOnly };
  };
  // No consent changed since `to` either: the summaries' flags are the state at `to`, and the four groups are sums of
  // P's days (rollups.ts summaryContributions), fetched with the totals.
  const currentFromSums = async (): Promise<RetentionCounts> => {
    const sums = new Map((await totals).map((r) => [r.metric, r._sum.value ?? 0]));
    const [last, lastSub, only, onlySub] = ["last_orders", "last_orders_subscribed", "only_orders", "only_orders_subscribed"].map((m) => sums.get(m) ?? 0);
    const groups = [
      { returning: 1, subscriber: 1, customers: lastSub - onlySub },
      { returning: 0, subscriber: 1, customers: onlySub },
      { returning: 1, subscriber: 0, customers: last - lastSub - (only - onlySub) },
      { returning: 0, subscriber: 0, customers: only - onlySub },
    ];
    return { groups, lapsed: await quietSince() };
  };
  const currentFromRows = async (): Promise<RetentionCounts> => {
    const [rows, quiet] = await Promise.all([
      db.$queryRaw<GroupRow[]>`
      SELECT x.is_returning, x.is_subscriber, COUNT(*) AS customers FROM (
        SELECT CASE WHEN s."firstDay" < ${fromDay} OR s."orders" >= 2 THEN 1 ELSE 0 END AS is_returning, ${isSubscriber} AS is_subscriber
        FROM "CustomerSummary" s ${changedSince} WHERE s."shop" = ${shop} AND s."lastDay" >= ${fromDay}
      ) x GROUP BY x.is_returning, x.is_subscriber`,
      quietSince(),
    ]);
    return { groups: asGroups(rows), lapsed: quiet };
  };
  let counts: RetentionCounts;
  if (!orderedSinceTo) counts = changedSinceTo ? await currentFromRows() : await currentFromSums();
  else if (useCache) counts = await cachedPastRetention(db, { shop, timezone, fromDay, toDay, lapsedAfterDays }, pastPeriod);
  else counts = await pastPeriod();
  const { groups, lapsed } = counts;
  const group = (subscriber: boolean | null): GroupRetention => {
    const rows = groups.filter((g) => subscriber === null || g.subscriber === (subscriber ? 1 : 0));
    const customers = rows.reduce((s, g) => s + g.customers, 0);
    const returning = rows.filter((g) => g.returning === 1).reduce((s, g) => s + g.customers, 0);
    return { customers, returningCustomerRate: ratio(returning, customers) };
  };

  const lastMonth = monthOf(addDays(toDay, -1));
  const firstCohort = addMonths(lastMonth, -(COHORT_MONTHS - 1));
  const cells = !withCohorts ? [] : await db.cohortMonth.findMany({ where: { shop, cohort: { gte: firstCohort, lte: lastMonth }, month: { lte: lastMonth } }, select: { cohort: true, month: true, customers: true } });
  const cohorts: Cohort[] = [];
  for (let month = firstCohort; month <= lastMonth; month = addMonths(month, 1)) {
    const size = cells.find((c) => c.cohort === month && c.month === month)?.customers ?? 0;
    if (size === 0) continue;
    const retention = Array.from({ length: monthsBetween(month, lastMonth) + 1 }, (_, k) =>
      ratio(cells.find((c) => c.cohort === month && c.month === addMonths(month, k))?.customers ?? 0, size),
    );
    cohorts.push({ month, customers: size, retention });
  }

  return {
    ...group(null),
    lapsed,
    churnRate: ratio(lapsed, withOrderBefore),
    lapsedAfterDays,
    subscribers: group(true),
    others: group(false),
    cohorts,
  };
}

async function npsFigures(db: DbTx, shop: string, from: Date, to: Date): Promise<Stats["nps"]> {
  const rows = await db.feedbackResponse.groupBy({ by: ["score"], where: { shop, receivedAt: { gte: from, lt: to } }, _count: { _all: true } });
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const row of rows) {
    if (row.score >= 9) promoters += row._count._all;
    else if (row.score >= 7) passives += row._count._all;
    else detractors += row._count._all;
  }
  const responses = promoters + passives + detractors;
  const score = responses < MIN_NPS_ANSWERS ? null : Math.round(((promoters - detractors) / responses) * 1000) / 10;
  return { responses, promoters, passives, detractors, score };
}
