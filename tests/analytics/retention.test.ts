// Retention, opt-in rate and NPS of the stats JSON (METRICS.md "Retention", "Consent") against figures computed
// by hand from the story below: orders arrive as signed webhooks through the real routes (duplicates, stale
// updates and a cancellation included), consent moves through the state machine, and the stats read the
// rollups the write points maintain. The edge cases METRICS.md names are in it: test and cancelled orders,
// customers without a Shopify id (phone or email identity), a period across the DST change (29 March 2026).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { computeStats } from "~/.server/analytics/stats";
import { startOfLocalDay } from "~/.server/analytics/period";
import { readRollups, rebuildRollups } from "~/.server/analytics/rebuild";
import { transitionConsent } from "~/.server/consent/state";
import { buyerOrder, deliverAccepted, TEST_SHOP } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const tz = "Europe/Berlin";
const march = { shop: TEST_SHOP, from: startOfLocalDay("2026-03-01", tz), to: startOfLocalDay("2026-04-01", tz) };
const day = (d: string, next: string) => ({ shop: TEST_SHOP, from: startOfLocalDay(d, tz), to: startOfLocalDay(next, tz) });

async function consent(phone: string, to: "REQUESTED" | "CONFIRMED" | "REVOKED", at: string) {
  await db.$transaction((tx) => transitionConsent(tx, { shop: TEST_SHOP, phone, to, source: "test", evidence: {}, at: new Date(at), writeBack: false }));
}

const A = { customerId: 1, phone: "+4915100000001" };
const B = { customerId: 2, phone: "+4915100000002" };
const C = { phone: "+4915100000003" }; // guest: identity is the phone
const D = { email: "D.Guest@Example.com" }; // guest without phone: identity is the lower-cased email
const E = { customerId: 5 };
const F = { customerId: 6 };
const G = { customerId: 7 };
const H = { customerId: 8 };

beforeAll(async () => {
  // Consent first: C's order carries the opt-in marker, which no longer changes a CONFIRMED number.
  await consent(A.phone, "REQUESTED", "2026-03-02T10:00:00Z");
  await consent(A.phone, "CONFIRMED", "2026-03-02T10:05:00Z");
  await consent(A.phone, "REVOKED", "2026-03-25T10:00:00Z");
  await consent(B.phone, "REQUESTED", "2026-03-03T10:00:00Z");
  await consent(B.phone, "CONFIRMED", "2026-04-02T10:00:00Z"); // after `to`
  await consent(C.phone, "REQUESTED", "2026-03-05T10:00:00Z");
  await consent(C.phone, "CONFIRMED", "2026-03-05T10:01:00Z");
  await deliverAccepted("orders/create", buyerOrder(G, "2025-12-31T20:00:00+01:00", "9.00")); // 91 days before 1 April: lapsed
  await deliverAccepted("orders/create", buyerOrder(H, "2026-01-01T10:00:00+01:00", "9.00")); // 90 days before: not lapsed
  await deliverAccepted("orders/create", buyerOrder(A, "2026-01-15T10:00:00+01:00", "9.00"));
  const aMarch = buyerOrder(A, "2026-03-10T10:00:00+01:00", "10.00");
  await deliverAccepted("orders/create", aMarch, "a-march");
  await deliverAccepted("orders/create", aMarch, "a-march"); // duplicate delivery
  await deliverAccepted("orders/updated", { ...aMarch, updated_at: "2026-03-10T11:00:00+01:00" }); // newer, same figures
  await deliverAccepted("orders/updated", { ...aMarch, total_price: "99.00", updated_at: "2026-03-10T10:30:00+01:00" }); // stale: ignored
  await deliverAccepted("orders/create", buyerOrder(B, "2026-03-01T00:30:00+01:00", "20.00")); // first minutes of P (23:30 UTC the day before)
  await deliverAccepted("orders/create", buyerOrder(B, "2026-03-30T00:30:00+02:00", "30.50")); // after the DST change: 29 March 22:30 UTC
  await deliverAccepted("orders/create", buyerOrder(C, "2026-03-31T23:30:00+02:00", "5.25", { note_attributes: [{ name: "_momento_whatsapp_opt_in", value: "1" }] })); // last minutes of P
  await deliverAccepted("orders/create", buyerOrder(D, "2026-03-15T12:00:00+01:00", "7.00"));
  await deliverAccepted("orders/create", buyerOrder(D, "2026-04-01T00:30:00+02:00", "7.00")); // after `to`
  const eOrder = buyerOrder(E, "2026-03-20T12:00:00+01:00", "100.00");
  await deliverAccepted("orders/create", eOrder);
  await deliverAccepted("orders/cancelled", { ...eOrder, cancelled_at: "2026-03-21T12:00:00+01:00", cancel_reason: "customer", updated_at: "2026-03-21T12:00:00+01:00" });
  await deliverAccepted("orders/updated", { ...eOrder, updated_at: "2026-03-20T13:00:00+01:00" }); // older than the cancellation: still cancelled
  await deliverAccepted("orders/create", buyerOrder(F, "2026-03-12T12:00:00+01:00", "1000.00", { test: true }));
  await deliverAccepted("orders/create", buyerOrder(G, "2026-05-05T12:00:00+02:00", "9.00")); // G comes back after P: still lapsed at its end


  const scores = [10, 10, 9, 9, 9, 8, 7, 6, 5, 0, 10, 3];
  await db.feedbackResponse.createMany({
    data: [
      ...scores.map((score, i) => ({ shop: TEST_SHOP, score, waMessageId: `wamid.fb${i}`, receivedAt: new Date(Date.parse("2026-03-10T10:00:00Z") + i * 3_600_000) })),
      { shop: TEST_SHOP, score: 0, waMessageId: "wamid.late", receivedAt: new Date("2026-03-31T22:30:00Z") }, // 1 April 00:30 in Berlin
    ],
  });
});

describe("retention (METRICS.md) from the rollups", () => {
  it("counts customers in P, returning customers, lapsed and churn, subscribers vs others", async () => {
    const { retention } = await computeStats(db, march);
    // In March: A (ordered in January too), B (two orders in P), C (phone identity), D (email identity; its
    // second order is after `to`). E's only order is cancelled, F's a test order.
    expect(retention).toMatchObject({
      customers: 4,
      returningCustomerRate: 2 / 4,
      // Ordered before 1 April: A B C D G H; G's last order before `to` is 91 days before it (H's 90).
      lapsed: 1,
      churnRate: 1 / 6,
      lapsedAfterDays: 90,
      // CONFIRMED at `to`: C only (A revoked on 25 March, B confirmed on 2 April).
      subscribers: { customers: 1, returningCustomerRate: 0 },
      others: { customers: 3, returningCustomerRate: 2 / 3 },
    });
  });

  it("reads the consent state at `to` from the current state when nothing changed since, else from the log", async () => {
    // Up to 3 April: B's confirmation (2 April) is in, nothing happened later. Customers in P: A B C D (D twice now).
    const { retention } = await computeStats(db, { ...march, to: startOfLocalDay("2026-04-03", tz) });
    expect(retention).toMatchObject({ customers: 4, subscribers: { customers: 2, returningCustomerRate: 1 / 2 }, others: { customers: 2, returningCustomerRate: 1 } });
  });

  it("builds cohorts by the month of the first order, retention per calendar month", async () => {
    const { retention } = await computeStats(db, march);
    expect(retention.cohorts).toEqual([
      { month: "2025-12", customers: 1, retention: [1, 0, 0, 0] }, // G
      { month: "2026-01", customers: 2, retention: [1, 0, 0.5] }, // H, A (A again in March)
      { month: "2026-03", customers: 3, retention: [1] }, // B C D
    ]);
  });

  it("cuts periods at local midnight across the DST change", async () => {
    // 29 March has 23 hours in Berlin. B's order at 00:30 on 30 March (22:30 UTC on the 29th) belongs to the 30th.
    const sunday = await computeStats(db, day("2026-03-29", "2026-03-30"));
    expect(sunday.retention.customers).toBe(0);
    expect(sunday.orders.count).toBe(0);
    const monday = await computeStats(db, day("2026-03-30", "2026-03-31"));
    expect(monday.retention).toMatchObject({ customers: 1, returningCustomerRate: 1 });
    expect(monday.orders).toEqual({ count: 1, revenue: "30.50", optInRate: 0 });
    // B's first order at 00:30 on 1 March (23:30 UTC on 28 February) is in March, C's at 23:30 on 31 March too.
    expect((await computeStats(db, day("2026-02-28", "2026-03-01"))).orders.count).toBe(0);
    expect((await computeStats(db, day("2026-03-31", "2026-04-01"))).retention.customers).toBe(1);
  });

  it("counts orders, revenue and the opt-in rate without test and cancelled orders", async () => {
    const stats = await computeStats(db, march);
    // A 10.00 (the stale 99.00 ignored), B 20.00 + 30.50, C 5.25 (with the opt-in), D 7.00.
    expect(stats.orders).toEqual({ count: 5, revenue: "72.75", optInRate: 1 / 5 });
    expect(stats.daily.find((d) => d.day === "2026-03-30")).toMatchObject({ orders: 1, revenue: "30.50" });
    expect(stats.daily).toHaveLength(31);
  });

  it("counts consent transitions and the confirmation rate", async () => {
    const { consent: c } = await computeStats(db, march);
    expect(c).toEqual({ requested: 3, confirmed: 2, revoked: 1, confirmationRate: 2 / 3 });
  });

  it("computes NPS from the answers received in P, null below the minimum", async () => {
    const { nps } = await computeStats(db, march);
    // 12 answers: promoters 10 10 9 9 9 10, passives 8 7, detractors 6 5 0 3 → (6 − 4) / 12 = 16.7 points.
    expect(nps).toEqual({ responses: 12, promoters: 6, passives: 2, detractors: 4, score: 16.7 });
    const april = await computeStats(db, day("2026-04-01", "2026-04-02"));
    expect(april.nps).toEqual({ responses: 1, promoters: 0, passives: 0, detractors: 1, score: null });
  });

  it("the summary-only stats (the dashboard's previous period) equal the full stats without the daily series and cohorts", async () => {
    const full = await computeStats(db, march);
    expect(full.daily.length).toBeGreaterThan(0);
    expect(full.retention.cohorts.length).toBeGreaterThan(0);
    expect(await computeStats(db, march, { summaryOnly: true })).toEqual({ ...full, daily: [], retention: { ...full.retention, cohorts: [] } });
  });

  it("the rebuild from raw rows yields the same rollups and the same stats as the write points did", async () => {
    const incremental = await readRollups(db, TEST_SHOP);
    const before = await computeStats(db, march);
    expect(incremental.summaries).toHaveLength(6); // A B C D G H, and no row for E (cancelled) or F (test)
    await rebuildRollups(db, TEST_SHOP);
    expect(await readRollups(db, TEST_SHOP)).toEqual(incremental);
    expect(await computeStats(db, march)).toEqual(before);
  });
});
