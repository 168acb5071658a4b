// The kept retention figures of past periods (RetentionCache, decision 010) against the same figures computed
// from the rollups, for every period of a week or a month over four months, after each kind of write that can
// change them: a late order on an old day, a cancellation, a consent transition recorded with an old time, a
// customer's phone changing, a consent learning its phone, a customer erased (customers/redact), the rebuild. Each
// write is checked to change some figure (else a forgotten invalidation would pass), and a transition recorded now
// to leave the kept figures in place (else there would be nothing to keep). Both, and the periods ending after every
// order (read from the day sums), equal the definition counted from the rows. And a loader on another connection that
// computes while an old-day order's transaction is open keeps nothing stale (without the insert-first protocol of
// retention-cache.ts, or without its table lock on PostgreSQL, it does).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { computeStats, type Stats, type StatsPeriod } from "~/.server/analytics/stats";
import { addDays, startOfLocalDay } from "~/.server/analytics/period";
import { rebuildRollups } from "~/.server/analytics/rebuild";
import { dropCachedRetention } from "~/.server/analytics/retention-cache";
import { warmRetentionCache } from "~/.server/analytics/warm-retention";
import { transitionConsent } from "~/.server/consent/state";
import { projectOrder } from "~/.server/ingest/projections";
import { orderPayload } from "~/.server/ingest/shopify-payloads";
import { buyerOrder, deliverAccepted, TEST_SHOP, type Buyer } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const tz = "Europe/Berlin";

const periods: StatsPeriod[] = [];
for (let first = "2026-01-03"; first <= "2026-04-20"; first = addDays(first, 6)) {
  for (const length of [7, 30]) periods.push({ shop: TEST_SHOP, from: startOfLocalDay(first, tz), to: startOfLocalDay(addDays(first, length), tz) });
}
// Periods ending after every order and consent change (read from the day sums, not kept): checked against the rows.
const current: StatsPeriod[] = ["2026-01-03", "2026-02-20", "2026-04-01", "2026-06-02"].map((first) => ({ shop: TEST_SHOP, from: startOfLocalDay(first, tz), to: startOfLocalDay("2030-01-01", tz) }));
const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

/** METRICS.md "Retention" counted from the orders, customers and consent log themselves. */
async function fromTheRows(period: StatsPeriod, toDay: string) {
  const orders = await db.order.findMany({ where: { shop: TEST_SHOP, test: false, cancelledAt: null, createdAt: { lt: period.to } }, select: { customerKey: true, createdAt: true } });
  const customers = await db.customer.findMany({ where: { shop: TEST_SHOP }, select: { key: true, phone: true } });
  const consents = await db.consent.findMany({ where: { shop: TEST_SHOP }, select: { phone: true, events: { select: { id: true, toState: true, at: true } } } });
  const cutoff = startOfLocalDay(addDays(toDay, -90), tz);
  const groups = { subscribers: { customers: 0, returning: 0 }, others: { customers: 0, returning: 0 } };
  let lapsed = 0;
  for (const { key, phone } of customers) {
    const times = orders.filter((o) => o.customerKey === key).map((o) => o.createdAt);
    if (times.length === 0) continue;
    if (!times.some((t) => t >= cutoff)) lapsed += 1;
    if (!times.some((t) => t >= period.from)) continue;
    const log = consents.find((c) => phone && c.phone === phone)?.events.filter((e) => e.at < period.to).sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
    const group = log?.at(-1)?.toState === "CONFIRMED" ? groups.subscribers : groups.others;
    group.customers += 1;
    if (times.some((t) => t < period.from) || times.length >= 2) group.returning += 1;
  }
  const all = groups.subscribers.customers + groups.others.customers;
  const split = (g: { customers: number; returning: number }) => ({ customers: g.customers, returningCustomerRate: ratio(g.returning, g.customers) });
  return { customers: all, returningCustomerRate: ratio(groups.subscribers.returning + groups.others.returning, all), lapsed, subscribers: split(groups.subscribers), others: split(groups.others) };
}

const order = (buyer: Buyer, createdAt: string, extra?: Record<string, unknown>) => buyerOrder(buyer, createdAt, "10.00", extra);

async function consent(who: { phone?: string; waUserId?: string }, to: "REQUESTED" | "CONFIRMED" | "REVOKED", at: string) {
  return db.$transaction((tx) => transitionConsent(tx, { shop: TEST_SHOP, ...who, to, source: "test", evidence: {}, at: new Date(at), writeBack: false }));
}

const kept = () => db.retentionCache.count({ where: { shop: TEST_SHOP, figures: { not: null } } });

/** Every period's retention read through the cache and computed without it: equal; returns the computed ones. */
async function check(): Promise<Stats["retention"][]> {
  const computed: Stats["retention"][] = [];
  for (const period of periods) {
    const cached = await computeStats(db, period, { summaryOnly: true });
    const fresh = await computeStats(db, period, { summaryOnly: true, cache: false });
    expect(cached.retention, `${cached.from} – ${cached.to}`).toEqual(fresh.retention);
    expect(fresh.retention, `${cached.from} – ${cached.to}`).toMatchObject(await fromTheRows(period, fresh.to));
    computed.push(fresh.retention);
  }
  for (const period of current) {
    const { retention, from, to } = await computeStats(db, period, { summaryOnly: true });
    expect(retention, `${from} – ${to}`).toMatchObject(await fromTheRows(period, to));
  }
  return computed;
}

/** Runs a write between two checks: the figures change for some period, and the kept ones follow. */
async function expectFollowed(write: () => Promise<unknown>): Promise<void> {
  const before = await check();
  expect(await kept()).toBeGreaterThan(0);
  await write();
  const after = await check();
  expect(after).not.toEqual(before);
}

const A = { customerId: 1, phone: "+4915100000101" };
const B = { customerId: 2, phone: "+4915100000102" };
const C = { customerId: 3, phone: "+4915100000103" };
const D = { customerId: 4, phone: "+4915100000104" };
const E = { customerId: 5, phone: "+4915100000105" };
const NEW_PHONE = "+4915100000199";
const WA_ONLY = "4915100000198";

beforeAll(async () => {
  await consent({ phone: A.phone }, "REQUESTED", "2026-01-02T10:00:00Z");
  await consent({ phone: A.phone }, "CONFIRMED", "2026-01-02T10:05:00Z");
  await consent({ phone: B.phone }, "REQUESTED", "2026-02-10T10:00:00Z");
  await consent({ phone: B.phone }, "CONFIRMED", "2026-02-11T10:00:00Z");
  await consent({ phone: B.phone }, "REVOKED", "2026-03-20T10:00:00Z");
  await consent({ phone: NEW_PHONE }, "REQUESTED", "2026-01-20T10:00:00Z");
  await consent({ phone: NEW_PHONE }, "CONFIRMED", "2026-01-20T10:05:00Z");
  await consent({ waUserId: WA_ONLY }, "REQUESTED", "2026-01-25T10:00:00Z");
  await consent({ waUserId: WA_ONLY }, "CONFIRMED", "2026-01-25T10:05:00Z");
  for (const [buyer, at] of [
    [A, "2026-01-05T10:00:00+01:00"],
    [A, "2026-02-14T10:00:00+01:00"],
    [A, "2026-04-02T10:00:00+02:00"],
    [B, "2026-01-20T10:00:00+01:00"],
    [B, "2026-03-01T10:00:00+01:00"],
    [C, "2026-02-01T10:00:00+01:00"],
    [C, "2026-03-15T10:00:00+01:00"],
    [D, "2026-01-10T10:00:00+01:00"],
    [D, "2026-04-25T10:00:00+02:00"],
    [E, "2026-02-20T10:00:00+01:00"],
    [E, "2026-03-05T10:00:00+01:00"],
    [C, "2026-06-01T10:00:00+02:00"], // after every period: each of them is in the past
  ] as const) {
    await deliverAccepted("orders/create", order(buyer, at));
  }
});

describe("kept retention of past periods", () => {
  it("is kept once computed and equals the computation", async () => {
    await check();
    expect(await kept()).toBe(periods.length);
    await check();
  });

  it("follows an order arriving late for an old day", () => expectFollowed(() => deliverAccepted("orders/create", order(E, "2026-01-15T10:00:00+01:00"))));

  it("follows an old order's cancellation", async () => {
    const payload = order(D, "2026-02-25T10:00:00+01:00");
    await deliverAccepted("orders/create", payload);
    await expectFollowed(() => deliverAccepted("orders/cancelled", { ...payload, cancelled_at: "2026-05-01T12:00:00+02:00", cancel_reason: "customer", updated_at: "2026-05-01T12:00:00+02:00" }));
  });

  it("keeps the figures through a transition recorded after every period", async () => {
    await check();
    const before = await kept();
    await consent({ phone: A.phone }, "REVOKED", "2026-06-02T10:00:00Z");
    expect(await kept()).toBe(before);
    await check();
  });

  it("follows a consent transition recorded with an old time", () => expectFollowed(() => consent({ phone: C.phone }, "REQUESTED", "2026-02-03T10:00:00Z").then(() => consent({ phone: C.phone }, "CONFIRMED", "2026-02-03T11:00:00Z"))));

  it("follows a customer's phone changing to a number confirmed long ago, and keeps the periods the customer has no order in", async () => {
    await expectFollowed(() => deliverAccepted("orders/create", order({ ...D, phone: NEW_PHONE }, "2026-06-03T10:00:00+02:00")));
    const customerD = await db.customer.findFirstOrThrow({ where: { shop: TEST_SHOP, phone: NEW_PHONE }, select: { id: true } });
    const dDays = (await db.customerDay.findMany({ where: { shop: TEST_SHOP, customerId: customerD.id }, select: { day: true } })).map((d) => d.day);
    await dropCachedRetention(db, TEST_SHOP);
    await check();
    const withoutD = (await db.retentionCache.findMany({ where: { shop: TEST_SHOP } })).filter((p) => !dDays.some((d) => p.fromDay <= d && d <= p.toDay));
    expect(withoutD.length).toBeGreaterThan(0);
    await deliverAccepted("orders/create", order({ ...D, phone: E.phone }, "2026-06-05T10:00:00+02:00"));
    expect(await db.retentionCache.count({ where: { shop: TEST_SHOP, figures: { not: null } } })).toBe(withoutD.length);
    await check();
  });

  it("follows a consent learning the phone of a customer", async () => {
    await expectFollowed(async () => {
      const { changed, consent: row } = await consent({ phone: E.phone, waUserId: WA_ONLY }, "CONFIRMED", "2026-06-04T10:00:00Z");
      expect({ changed, phone: row.phone }).toEqual({ changed: false, phone: E.phone });
    });
  });

  it("follows a customer's erasure (customers/redact)", () =>
    expectFollowed(() => deliverAccepted("customers/redact", { shop_id: 1, shop_domain: TEST_SHOP, customer: { id: B.customerId, email: null, phone: B.phone }, orders_to_redact: [] })));

  it("keeps no figures a write made stale while they were computed (another connection, the write's transaction open)", async () => {
    await check();
    await dropCachedRetention(db, TEST_SHOP);
    const loader = createDb(process.env.DATABASE_URL!);
    try {
      let commit!: () => void;
      let written!: () => void;
      const wrote = new Promise<void>((resolve) => (written = resolve));
      const write = db.$transaction(
        async (tx) => {
          await projectOrder(tx, { domain: TEST_SHOP, country: "DE", locale: "de" }, orderPayload.parse(order(A, "2026-01-20T10:00:00+01:00")));
          written();
          await new Promise<void>((resolve) => (commit = resolve));
        },
        { timeout: 30_000 },
      );
      await wrote;
      // The loaders read before the order commits; the write commits while they are under way.
      const reads = Promise.all(periods.map((period) => computeStats(loader, period, { summaryOnly: true })));
      setTimeout(() => commit(), 300);
      await Promise.all([write, reads]);
    } finally {
      await loader.$disconnect();
    }
    await check();
    expect(await kept()).toBe(periods.length);
  });

  it("starts over after a rebuild", async () => {
    await check();
    await rebuildRollups(db, TEST_SHOP);
    expect(await kept()).toBe(0);
    await check();
  });

  it("is computed again by the worker after a write dropped it, and a period of another lapse setting goes", async () => {
    await check();
    await deliverAccepted("orders/create", order(A, "2026-02-02T10:00:00+01:00"));
    const dropped = await db.retentionCache.count({ where: { shop: TEST_SHOP, figures: null } });
    expect(dropped).toBeGreaterThan(0);
    expect((await kept()) + dropped).toBe(periods.length);
    const stale = { shop: TEST_SHOP, timezone: tz, fromDay: "2026-01-03", toDay: "2026-01-10", lapsedAfterDays: 7, token: "", figures: null };
    await db.retentionCache.create({ data: stale });
    expect(await warmRetentionCache(db, { limit: 100 })).toEqual({ computed: dropped, removed: 1 });
    expect(await kept()).toBe(periods.length);
    expect(await db.retentionCache.count({ where: { shop: TEST_SHOP } })).toBe(periods.length);
    expect(await warmRetentionCache(db, { limit: 100 })).toEqual({ computed: 0, removed: 0 });
    await check();
  });
});
