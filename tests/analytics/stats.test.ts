import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { computeStats } from "~/.server/analytics/stats";
import { localDate, startOfLocalDay } from "~/.server/analytics/period";
import { rebuildRollups } from "~/.server/analytics/rebuild";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const SHOP = "stats.myshopify.com";
const tz = "Europe/Berlin";
const from = startOfLocalDay("2026-03-01", tz);
const to = startOfLocalDay("2026-04-01", tz);
const period = { shop: SHOP, from, to };

let n = 0;
function message(status: string, createdAt: string, extra: Record<string, unknown> = {}) {
  n += 1;
  return db.message.create({
    data: { shop: SHOP, flow: "order_confirmation", dedupeKey: `k${n}`, category: "UTILITY", template: "t", language: "de", components: "[]", status, sendAfter: new Date(createdAt), createdAt: new Date(createdAt), ...extra },
  });
}

describe("period helpers", () => {
  it("finds local midnight in Berlin in winter and in summer time", () => {
    expect(startOfLocalDay("2026-03-01", tz).toISOString()).toBe("2026-02-28T23:00:00.000Z");
    expect(startOfLocalDay("2026-04-01", tz).toISOString()).toBe("2026-03-31T22:00:00.000Z");
    expect(localDate(new Date("2026-03-31T22:30:00Z"), tz)).toBe("2026-04-01");
  });
});

describe("computeStats (METRICS.md)", () => {
  beforeAll(async () => {
    const testOrder = await db.order.create({ data: { shop: SHOP, shopifyOrderId: "1", name: "#1", totalPrice: "1.00", currency: "EUR", test: true, createdAt: new Date("2026-03-05T10:00:00Z"), sourceUpdatedAt: new Date("2026-03-05T10:00:00Z") } });
    await message("READ", "2026-03-01T00:30:00+01:00"); // first minute of P in Berlin
    await message("DELIVERED", "2026-03-10T10:00:00Z");
    await message("SENT", "2026-03-10T10:00:00Z");
    await message("SENDING", "2026-03-10T10:00:00Z"); // in flight: not yet accepted
    await message("FAILED", "2026-03-10T10:00:00Z", { errorCode: 131026 });
    await message("SKIPPED", "2026-03-10T10:00:00Z", { flow: "cart_recovery", category: "MARKETING" });
    await message("READ", "2026-02-28T22:59:00Z"); // before P
    await message("READ", "2026-03-31T22:00:00Z"); // `to` is excluded
    await message("READ", "2026-03-05T10:00:00Z", { orderId: testOrder.id }); // about a test order

    const consent = await db.consent.create({ data: { shop: SHOP, phone: "+4915100000001", state: "CONFIRMED", updatedAt: new Date() } });
    const other = await db.consent.create({ data: { shop: SHOP, phone: "+4915100000002", state: "REQUESTED", updatedAt: new Date() } });
    const event = (consentId: string, toState: string, at: string) => db.consentEvent.create({ data: { consentId, shop: SHOP, fromState: "NONE", toState, source: "test", at: new Date(at) } });
    await event(consent.id, "REQUESTED", "2026-03-02T10:00:00Z");
    await event(consent.id, "CONFIRMED", "2026-03-02T10:05:00Z");
    await event(other.id, "REQUESTED", "2026-03-03T10:00:00Z");
    // These rows were written around the write points (no hooks ran): the stats read what the rebuild computes.
    await rebuildRollups(db, SHOP);
  });

  it("counts messages created in P by their latest status, per flow and in total, without test orders", async () => {
    const stats = await computeStats(db, period);
    expect(stats.messages.byFlow.order_confirmation).toEqual({ sent: 1, delivered: 1, read: 1, failed: 1, skipped: 0, cancelled: 0, scheduled: 1 });
    expect(stats.messages.byFlow.cart_recovery).toEqual({ sent: 0, delivered: 0, read: 0, failed: 0, skipped: 1, cancelled: 0, scheduled: 0 });
    expect(stats.messages.total).toEqual({ sent: 1, delivered: 1, read: 1, failed: 1, skipped: 1, cancelled: 0, scheduled: 1 });
  });

  it("counts consent transitions in P and the confirmation rate of requests made in P", async () => {
    const stats = await computeStats(db, period);
    expect(stats.consent).toEqual({ requested: 2, confirmed: 1, revoked: 0, confirmationRate: 0.5 });
    // P is whole local days: an end inside 2 March covers all of 2 March (the confirmation at 10:05 too).
    const midDay = await computeStats(db, { ...period, to: new Date("2026-03-02T10:01:00Z") });
    expect(midDay.consent).toEqual({ requested: 1, confirmed: 1, revoked: 0, confirmationRate: 1 });
    expect(midDay.consent).toEqual((await computeStats(db, { ...period, to: startOfLocalDay("2026-03-03", tz) })).consent);
  });
});

describe("recentStats", () => {
  it("covers the last 30 local days including today, with an exclusive end", async () => {
    const { recentStats } = await import("~/.server/analytics/recent-stats");
    const clock = { now: () => new Date("2026-03-31T21:30:00Z") }; // 23:30 on 31 March in Berlin
    const { stats, firstDay, lastDay } = await recentStats(db, clock, SHOP);
    expect({ firstDay, lastDay, from: stats.from, to: stats.to }).toEqual({ firstDay: "2026-03-02", lastDay: "2026-03-31", from: "2026-03-02", to: "2026-04-01" });
    // The message at 00:30 on 1 March is outside, the two on 10 March inside.
    expect(stats.messages.total.read).toBe(0);
    expect(stats.messages.total.delivered).toBe(1);
  });
});
