// Issue 4's first proof: a store's month replayed through the real routes, worker, scheduler and simulators —
// duplicate and out-of-order checkout webhooks, shoppers who buy before the reminder, after a click, after a
// reminder without a click, too late, with a test order or a cancelled one, who write back, who never confirmed,
// and holdout checkouts — yields the cart-recovery figures computed by hand from the stories, to the cent.
import { describe, expect, it } from "vitest";
import { db } from "~/shopify.server";
import { runReplay } from "../../simulator/replay";
import { CHECKOUTS, expectedFigures, generate, isHoldoutCheckout, SHOP, storyOf, tokenOf } from "./cart-recovery-month";

describe("replay: a store's month of abandoned checkouts", () => {
  it("yields exactly the hand-computed cart-recovery figures, and never reminds a checkout that had an order", async () => {
    const expected = expectedFigures();
    // The stories' mix, as a sanity anchor for the hand computation.
    expect(expected).toMatchObject({ abandoned: 216, eligible: 192 });
    expect(expected.holdout).toBeGreaterThanOrEqual(30);

    const { stats, messages, warnings } = await runReplay(generate());
    expect(warnings).toEqual([]);
    const { remindersSent, ...figures } = expected;
    expect(stats.cartRecovery).toEqual(figures);
    expect(Object.keys(stats.cartRecovery)).toEqual([
      "abandoned", "eligible", "holdout", "reminded", "recoveredWindow", "recoveredClick", "holdoutRecovered",
      "recoveredRevenueWindow", "recoveredRevenueClick", "recoveryRate", "holdoutRate", "incrementalLift", "estimatedCost", "roi",
    ]);
    expect(stats.messages.byFlow.cart_recovery).toMatchObject({ read: remindersSent, sent: 0, delivered: 0, failed: 0, skipped: 0, scheduled: 0 });

    // Holdout checkouts got nothing; every checkout's reminders are as its story says.
    const reminders = messages.filter((m) => m.flow === "cart_recovery");
    const rows = await db.message.findMany({ where: { shop: SHOP, flow: "cart_recovery" }, select: { checkoutToken: true, dedupeKey: true, status: true, statusReason: true, sentAt: true } });
    expect(rows).toHaveLength(reminders.length);
    for (let i = 0; i < CHECKOUTS; i++) {
      const mine = rows.filter((r) => r.checkoutToken === tokenOf(i));
      if (isHoldoutCheckout(i) && !["buys_before", "no_consent", "no_phone"].includes(storyOf(i))) {
        expect(mine.map((r) => r.statusReason), `${tokenOf(i)} (${storyOf(i)})`).toEqual(["holdout", "holdout"]);
      }
      // Duplicates and out-of-order updates never doubled a reminder.
      expect(new Set(mine.map((r) => r.dedupeKey)).size).toBe(mine.length);
    }

    // No reminder went out for a checkout that had an order (of any kind) at its send time.
    const orders = await db.order.findMany({ where: { shop: SHOP }, select: { checkoutToken: true, createdAt: true } });
    const late = rows.filter((r) => r.sentAt && orders.some((o) => o.checkoutToken === r.checkoutToken && o.createdAt <= r.sentAt!));
    expect(late).toEqual([]);
  }, 240_000);
});
