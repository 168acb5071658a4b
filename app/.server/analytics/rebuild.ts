// Recomputes a shop's rollups from the raw rows (orders, messages, consent events), with the same contribution
// rules as the incremental hooks in rollups.ts. For a shop whose rows were written around the hooks (an import,
// a restore, a time-zone change) and as the reference the incremental path is tested against.
import { isPostgresClient, type Db } from "../db";
import { recordCheckoutOutcomes } from "../cart-recovery/figures";
import { localDate } from "./period";
import { dropCachedRetention } from "./retention-cache";
import { BUCKET_OF_STATUS, cachedShopTimeZone, consentMetric, consentRequestContributions, dayLinks, forgetTimezones, isCountedFlow, messageMetric, orderContribution, reminderCostMetricOf, SENT_BUCKETS, summaryContributions } from "./rollups";

const PAGE = 5_000;
const INSERT_CHUNK = 500;

export interface RebuildCounts {
  orders: number;
  messages: number;
  consentEvents: number;
  customers: number;
  /** Decided checkouts whose outcome columns were written anew (the others already said the same). */
  checkoutsChanged: number;
}

/** Pages through a table by id, so a shop with millions of rows never sits in memory at once. */
async function eachPage<Id, T extends { id: Id }>(load: (after: Id | undefined) => Promise<T[]>, use: (rows: T[]) => void): Promise<number> {
  let after: Id | undefined;
  let total = 0;
  for (;;) {
    const rows = await load(after);
    if (rows.length === 0) return total;
    use(rows);
    total += rows.length;
    after = rows[rows.length - 1].id;
  }
}

/**
 * Table statistics before paging: without them (rows just imported or restored) the planners page through a
 * shop's messages by (shop, createdAt) and sort every page by id, which grows with the square of the shop's size.
 * SQLite's PRAGMA optimize analyses only the tables that never were or have grown tenfold since.
 */
async function refreshStatistics(db: Db): Promise<void> {
  await db.$executeRawUnsafe(isPostgresClient(db) ? `ANALYZE "Consent", "Customer", "Order", "Message", "ConsentEvent", "CartRecovery"` : "PRAGMA optimize=0x10002");
}

export async function rebuildRollups(db: Db, shop: string): Promise<RebuildCounts> {
  forgetTimezones();
  await refreshStatistics(db);
  const timezone = await cachedShopTimeZone(db, shop);
  const dayValues = new Map<string, number>();
  const addDay = (day: string, metric: string, delta: number) => {
    const key = `${day}|${metric}`;
    dayValues.set(key, (dayValues.get(key) ?? 0) + delta);
  };

  const confirmedPhones = new Set<string>();
  await eachPage<string, { id: string; phone: string | null }>(
    (after) => db.consent.findMany({ where: { shop, state: "CONFIRMED", ...(after ? { id: { gt: after } } : {}) }, select: { id: true, phone: true }, orderBy: { id: "asc" }, take: PAGE }),
    (rows) => rows.forEach((k) => k.phone && confirmedPhones.add(k.phone)),
  );
  const customerIdOf = new Map<string, string>();
  const subscribers = new Set<string>();
  await eachPage<string, { id: string; key: string; phone: string | null }>(
    (after) => db.customer.findMany({ where: { shop, ...(after ? { id: { gt: after } } : {}) }, select: { id: true, key: true, phone: true }, orderBy: { id: "asc" }, take: PAGE }),
    (rows) =>
      rows.forEach((c) => {
        customerIdOf.set(c.key, c.id);
        if (c.phone && confirmedPhones.has(c.phone)) subscribers.add(c.id);
      }),
  );

  const testOrders = new Set<string>();
  const ordersOfCustomerDay = new Map<string, Map<string, number>>();
  const orders = await eachPage<string, { id: string; customerKey: string | null; totalPrice: string; test: boolean; cancelledAt: Date | null; optInRequested: boolean; createdAt: Date }>(
    (after) =>
      db.order.findMany({
        where: { shop, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, customerKey: true, totalPrice: true, test: true, cancelledAt: true, optInRequested: true, createdAt: true },
        orderBy: { id: "asc" },
        take: PAGE,
      }),
    (rows) => {
      for (const order of rows) {
        if (order.test) testOrders.add(order.id);
        const c = orderContribution(order, timezone);
        if (!c) continue;
        addDay(c.day, "orders", 1);
        addDay(c.day, "revenue_cents", c.cents);
        if (c.optIn) addDay(c.day, "opt_in_orders", 1);
        const customerId = c.customerKey ? customerIdOf.get(c.customerKey) : undefined;
        if (!customerId) continue;
        const days = ordersOfCustomerDay.get(customerId) ?? new Map<string, number>();
        days.set(c.day, (days.get(c.day) ?? 0) + 1);
        ordersOfCustomerDay.set(customerId, days);
      }
    },
  );

  const customerDays: { shop: string; customerId: string; day: string; orders: number; prevDay: string | null; nextDay: string | null }[] = [];
  const summaries: { shop: string; customerId: string; firstDay: string; lastDay: string; orders: number; subscriber: boolean }[] = [];
  const cohortCells = new Map<string, number>();
  for (const [customerId, days] of ordersOfCustomerDay) {
    const sorted = [...days.keys()].sort();
    let total = 0;
    for (const [i, day] of sorted.entries()) {
      customerDays.push({ shop, customerId, day, orders: days.get(day)!, ...dayLinks(sorted, i) });
      total += days.get(day)!;
    }
    summaries.push({ shop, customerId, firstDay: sorted[0], lastDay: sorted[sorted.length - 1], orders: total, subscriber: subscribers.has(customerId) });
    addDay(sorted[0], "first_orders", 1);
    for (const metric of summaryContributions({ orders: total, subscriber: subscribers.has(customerId) })) addDay(sorted[sorted.length - 1], metric, 1);
    const cohort = sorted[0].slice(0, 7);
    for (const month of new Set(sorted.map((d) => d.slice(0, 7)))) cohortCells.set(`${cohort}|${month}`, (cohortCells.get(`${cohort}|${month}`) ?? 0) + 1);
  }

  const messages = await eachPage<string, { id: string; flow: string; status: string; createdAt: Date; orderId: string | null; to: string | null; category: string }>(
    (after) =>
      db.message.findMany({
        where: { shop, ...(after ? { id: { gt: after } } : {}) },
        select: { id: true, flow: true, status: true, createdAt: true, orderId: true, to: true, category: true },
        orderBy: { id: "asc" },
        take: PAGE,
      }),
    (rows) => {
      for (const m of rows) {
        const bucket = BUCKET_OF_STATUS[m.status];
        if (!bucket || !isCountedFlow(m.flow)) continue;
        const day = localDate(m.createdAt, timezone);
        if (m.flow === "cart_recovery" && SENT_BUCKETS.has(bucket)) addDay(day, reminderCostMetricOf(m), 1);
        if (m.orderId && testOrders.has(m.orderId)) continue;
        addDay(day, messageMetric(m.flow, bucket), 1);
      }
    },
  );

  const requestLogs = new Map<string, { id: number; toState: string; at: Date }[]>();
  const consentEvents = await eachPage<number, { id: number; consentId: string; toState: string; at: Date }>(
    (after) =>
      db.consentEvent.findMany({ where: { shop, ...(after ? { id: { gt: after } } : {}) }, select: { id: true, consentId: true, toState: true, at: true }, orderBy: { id: "asc" }, take: PAGE }),
    (rows) =>
      rows.forEach((e) => {
        addDay(localDate(e.at, timezone), consentMetric(e.toState), 1);
        if (e.toState !== "REQUESTED" && e.toState !== "CONFIRMED") return;
        const log = requestLogs.get(e.consentId) ?? [];
        log.push({ id: e.id, toState: e.toState, at: e.at });
        requestLogs.set(e.consentId, log);
      }),
  );
  for (const log of requestLogs.values()) for (const c of consentRequestContributions(log, timezone)) addDay(c.day, c.metric, 1);

  const rollupDays = [...dayValues]
    .filter(([, value]) => value !== 0)
    .map(([key, value]) => {
      const [day, metric] = key.split("|");
      return { shop, day, metric, value };
    });
  const cohorts = [...cohortCells].map(([key, customers]) => {
    const [cohort, month] = key.split("|");
    return { shop, cohort, month, customers };
  });

  const decidedTokens: string[] = [];
  await eachPage<string, { id: string; checkoutToken: string }>(
    (after) =>
      db.cartRecovery.findMany({ where: { shop, decidedAt: { not: null }, ...(after ? { id: { gt: after } } : {}) }, select: { id: true, checkoutToken: true }, orderBy: { id: "asc" }, take: PAGE }),
    (rows) => rows.forEach((r) => decidedTokens.push(r.checkoutToken)),
  );

  let checkoutsChanged = 0;
  await db.$transaction(
    async (tx) => {
      await tx.rollupDay.deleteMany({ where: { shop } });
      await tx.customerDay.deleteMany({ where: { shop } });
      await tx.customerSummary.deleteMany({ where: { shop } });
      await tx.cohortMonth.deleteMany({ where: { shop } });
      // Computed from what the rebuild replaces (and in the shop's time zone, which may be why it runs).
      await dropCachedRetention(tx, shop);
      for (let i = 0; i < rollupDays.length; i += INSERT_CHUNK) await tx.rollupDay.createMany({ data: rollupDays.slice(i, i + INSERT_CHUNK) });
      for (let i = 0; i < customerDays.length; i += INSERT_CHUNK) await tx.customerDay.createMany({ data: customerDays.slice(i, i + INSERT_CHUNK) });
      for (let i = 0; i < summaries.length; i += INSERT_CHUNK) await tx.customerSummary.createMany({ data: summaries.slice(i, i + INSERT_CHUNK) });
      for (let i = 0; i < cohorts.length; i += INSERT_CHUNK) await tx.cohortMonth.createMany({ data: cohorts.slice(i, i + INSERT_CHUNK) });
      for (let i = 0; i < decidedTokens.length; i += PAGE) checkoutsChanged += await recordCheckoutOutcomes(tx, shop, decidedTokens.slice(i, i + PAGE));
    },
    { maxWait: 30_000, timeout: 600_000 },
  );
  return { orders, messages, consentEvents, customers: summaries.length, checkoutsChanged };
}

/** The rollup tables of a shop in a stable order, without rows that add nothing: what the rebuild test compares. */
export async function readRollups(db: Db, shop: string) {
  const [days, customerDays, summaries, cohorts, checkouts] = await Promise.all([
    db.rollupDay.findMany({ where: { shop, value: { not: 0 } }, orderBy: [{ day: "asc" }, { metric: "asc" }], select: { day: true, metric: true, value: true } }),
    db.customerDay.findMany({ where: { shop, orders: { gt: 0 } }, orderBy: [{ customerId: "asc" }, { day: "asc" }], select: { customerId: true, day: true, orders: true, prevDay: true, nextDay: true } }),
    db.customerSummary.findMany({ where: { shop }, orderBy: { customerId: "asc" }, select: { customerId: true, firstDay: true, lastDay: true, orders: true, subscriber: true } }),
    db.cohortMonth.findMany({ where: { shop, customers: { not: 0 } }, orderBy: [{ cohort: "asc" }, { month: "asc" }], select: { cohort: true, month: true, customers: true } }),
    db.cartRecovery.findMany({
      where: { shop, decidedAt: { not: null } },
      orderBy: { checkoutToken: "asc" },
      select: { checkoutToken: true, abandoned: true, reminded: true, recoveryAfterMs: true, recoveryCents: true, recoveryByClick: true },
    }),
  ]);
  return { days, customerDays, summaries, cohorts, checkouts };
}
