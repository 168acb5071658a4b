// The cart-recovery figures at their edges (METRICS.md): window bounds, clicks after the order, messages
// that never went out, test and cancelled orders, the 30-holdout rule, money to the cent.
import { beforeEach, describe, expect, it } from "vitest";
import { rebuildRollups } from "~/.server/analytics/rebuild";
import { computeStats } from "~/.server/analytics/stats";
import { cartRecoveryFigures, formatCents, toCents } from "~/.server/cart-recovery/figures";
import { db } from "~/shopify.server";
import { resetDatabase, setShopSettings } from "./helpers";

const SHOP = "figures.myshopify.com";
const T0 = new Date("2026-03-02T10:00:00.000Z");
const MIN = 60_000;
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const period = { shop: SHOP, from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-04-01T00:00:00Z") };

let n = 0;
interface Spec {
  decision?: { contactable?: boolean; consentState?: string | null; holdout?: boolean };
  reminders?: { status: string; sentAt?: number; clickedAt?: number }[];
  orders?: { at: number; total: string; test?: boolean; cancelled?: boolean }[];
  createdAt?: number;
}

/** A checkout created at T0 (step-1 time T0 + 60 min), its decision, reminders and orders. */
async function checkout(spec: Spec = {}): Promise<string> {
  n += 1;
  const token = `f${n}`;
  const d = { contactable: true, consentState: "CONFIRMED", holdout: false, ...spec.decision };
  await db.cartRecovery.create({
    data: {
      shop: SHOP, checkoutToken: token, checkoutCreatedAt: at(spec.createdAt ?? 0), lastUpdateAt: T0, step1DueAt: at(60 * MIN), decidedAt: at(60 * MIN),
      decision: "remind", ...d, bucket: 50, holdoutPercent: 10, updatedAt: T0,
    },
  });
  for (const [index, r] of (spec.reminders ?? []).entries()) {
    await db.message.create({
      data: {
        shop: SHOP, flow: "cart_recovery", dedupeKey: `cart_recovery:${token}:step${index + 1}`, to: "+4915112345678", category: "MARKETING", template: "t", language: "de",
        components: "[]", status: r.status, sendAfter: T0, createdAt: T0, checkoutToken: token,
        sentAt: r.sentAt === undefined ? null : at(r.sentAt), clickedAt: r.clickedAt === undefined ? null : at(r.clickedAt),
      },
    });
  }
  for (const o of spec.orders ?? []) {
    n += 1;
    await db.order.create({
      data: {
        shop: SHOP, shopifyOrderId: String(n), name: `#${n}`, checkoutToken: token, totalPrice: o.total, currency: "EUR",
        test: o.test ?? false, cancelledAt: o.cancelled ? at(o.at + MIN) : null, createdAt: at(o.at), sourceUpdatedAt: at(o.at),
      },
    });
  }
  return token;
}

const step1 = 60 * MIN;
const sent = (clickedAt?: number) => [{ status: "READ", sentAt: step1, clickedAt }];

beforeEach(async () => {
  await resetDatabase();
  n = 0;
  await setShopSettings({}, SHOP);
});

describe("cart-recovery figures", () => {
  it("counts each definition at its edges", async () => {
    await checkout({ orders: [{ at: step1, total: "10.00" }] }); // ordered exactly at step-1 time: not abandoned
    await checkout({ orders: [{ at: step1 - MIN, total: "10.00", cancelled: true }], reminders: [{ status: "CANCELLED" }] }); // its only order cancelled: abandoned
    await checkout({ orders: [{ at: step1 - MIN, total: "10.00", test: true }] }); // a test order: abandoned, eligible, never reminded
    await checkout({ decision: { contactable: false, consentState: null } });
    await checkout({ decision: { consentState: "REQUESTED" } });
    await checkout({ reminders: [{ status: "FAILED", sentAt: step1 }] }); // failed after sending: not "sent"
    await checkout({ reminders: [{ status: "READ", sentAt: step1 + MIN }], orders: [{ at: step1 + MIN, total: "99.99" }] }); // order at the reminder's instant: not after it
    await checkout({ reminders: sent(), orders: [{ at: step1 + 5 * DAY, total: "19.99" }] }); // last instant of the window: recovered
    await checkout({ reminders: sent(), orders: [{ at: step1 + 5 * DAY + 1, total: "29.99" }] }); // one ms late
    await checkout({ reminders: sent(step1 + 30 * MIN), orders: [{ at: step1 + 2 * 60 * MIN, total: "0.01" }] }); // click, then order
    await checkout({ reminders: sent(step1 + 3 * 60 * MIN), orders: [{ at: step1 + 2 * 60 * MIN + MIN, total: "5.05" }] }); // clicked only after ordering
    await checkout({ reminders: [{ status: "DELIVERED", sentAt: step1 }, { status: "READ", sentAt: step1 + DAY, clickedAt: step1 + DAY + MIN }], orders: [{ at: step1 + DAY + 2 * MIN, total: "100.00" }] });
    await checkout({ reminders: sent(), orders: [{ at: step1 + MIN, total: "50.00", cancelled: true }] }); // cancelled later: not recovered
    await checkout({ decision: { holdout: true }, orders: [{ at: step1 + DAY, total: "70.00" }] });
    await checkout({ decision: { holdout: true }, orders: [{ at: step1 + 6 * DAY, total: "70.00" }] });
    await checkout({ createdAt: -20 * DAY }); // created before P

    const { stats, recovered } = await cartRecoveryFigures(db, period);
    expect(stats).toMatchObject({
      abandoned: 14, eligible: 12, holdout: 2, reminded: 7, recoveredWindow: 4, recoveredClick: 2, holdoutRecovered: 1,
      recoveredRevenueWindow: "125.05", recoveredRevenueClick: "100.01", recoveryRate: 4 / 7, holdoutRate: 0.5, incrementalLift: null,
    });
    expect(recovered.map((r) => [r.totalPrice, r.attribution])).toEqual([["19.99", "window"], ["100.00", "click"], ["5.05", "window"], ["0.01", "click"]]);
    // Cost: 8 reminders went out (sent ∪ delivered ∪ read), German numbers, €0.1131 each → €0.9048 → €0.90.
    expect(stats.estimatedCost).toBe("0.90");
    expect(stats.roi).toBe(12505 / 90);
    // The rows above were written around the write points: the stats read what the rebuild computes from them.
    await rebuildRollups(db, SHOP);
    expect((await computeStats(db, period)).cartRecovery).toEqual(stats);
  });

  it("shows the lift from 30 holdout checkouts on, with its interval", async () => {
    for (let i = 0; i < 29; i++) await checkout({ decision: { holdout: true }, orders: i < 6 ? [{ at: step1 + DAY, total: "1.00" }] : [] });
    for (let i = 0; i < 40; i++) await checkout({ reminders: sent(), orders: i < 16 ? [{ at: step1 + DAY, total: "1.00" }] : [] });
    expect((await cartRecoveryFigures(db, period)).stats.incrementalLift).toBeNull();
    await checkout({ decision: { holdout: true } });
    const { stats, liftInterval } = await cartRecoveryFigures(db, period);
    expect(stats).toMatchObject({ holdout: 30, holdoutRecovered: 6, reminded: 40, recoveredWindow: 16, recoveryRate: 0.4, holdoutRate: 0.2 });
    expect(stats.incrementalLift).toBeCloseTo(0.2, 12);
    const se = Math.sqrt((0.4 * 0.6) / 40 + (0.2 * 0.8) / 30);
    expect(liftInterval!.low).toBeCloseTo(0.2 - 1.96 * se, 12);
    expect(liftInterval!.high).toBeCloseTo(0.2 + 1.96 * se, 12);
  });

  it("follows the shop's attribution window and cost rates", async () => {
    await setShopSettings({ attributionWindowDays: 1, costRates: [{ country: "*", marketing: 0.05, utility: 0.01 }] }, SHOP);
    await checkout({ reminders: sent(), orders: [{ at: step1 + 2 * DAY, total: "10.00" }] });
    expect((await cartRecoveryFigures(db, period)).stats).toMatchObject({ reminded: 1, recoveredWindow: 0, estimatedCost: "0.05", roi: 0 });
  });

  it("counts more checkouts than one statement may bind parameters for (SQLite: 999)", async () => {
    await db.cartRecovery.createMany({
      data: Array.from({ length: 1_200 }, (_, i) => ({
        shop: SHOP, checkoutToken: `many-${i}`, checkoutCreatedAt: T0, lastUpdateAt: T0, step1DueAt: at(step1), decidedAt: at(step1), decision: "no_consent",
        contactable: true, consentState: "REQUESTED", holdout: false, bucket: 50, holdoutPercent: 10, updatedAt: T0,
      })),
    });
    expect((await cartRecoveryFigures(db, period)).stats).toMatchObject({ abandoned: 1_200, eligible: 0 });
  });

  it("handles money as exact cents", () => {
    expect(["49.90", "0.01", "1.005", "1234", "12.3", "-3.50", "x"].map(toCents)).toEqual([4990, 1, 101, 123400, 1230, -350, 0]);
    expect([0, 5, 4990, 123456, -350].map(formatCents)).toEqual(["0.00", "0.05", "49.90", "1234.56", "-3.50"]);
    expect(formatCents(toCents("0.1") + toCents("0.2"))).toBe("0.30");
  });
});
