// The incremental rollups against the rebuild on the same replay: a month of abandoned checkouts through the real
// routes, worker, scheduler and simulators (duplicate and out-of-order webhooks, test and cancelled orders,
// reminders sent, read, cancelled and skipped, consent requested and confirmed, shoppers writing back).
import { describe, expect, it } from "vitest";
import { db } from "~/shopify.server";
import { readRollups, rebuildRollups } from "~/.server/analytics/rebuild";
import { BUCKET_OF_STATUS } from "~/.server/analytics/rollups";
import { runReplay } from "../../simulator/replay";
import { generate, SHOP } from "../replay/cart-recovery-month";

describe("rollups on a replayed month", () => {
  it("the write points' rollups equal the rebuild from raw rows, and the message figures equal a raw count", async () => {
    const { stats, warnings } = await runReplay(generate());
    expect(warnings).toEqual([]);
    const incremental = await readRollups(db, SHOP);
    expect(incremental.days.length).toBeGreaterThan(30);
    expect(incremental.days.every((d) => d.value > 0 || d.metric === "revenue_cents")).toBe(true);

    await rebuildRollups(db, SHOP);
    expect(await readRollups(db, SHOP)).toEqual(incremental);

    // Independent of both: every message of the shop by its latest status (the replay's period holds them all).
    const testOrders = new Set((await db.order.findMany({ where: { shop: SHOP, test: true }, select: { id: true } })).map((o) => o.id));
    const raw: Record<string, Record<string, number>> = {};
    for (const m of await db.message.findMany({ where: { shop: SHOP }, select: { flow: true, status: true, orderId: true } })) {
      if (m.orderId && testOrders.has(m.orderId)) continue;
      const flow = (raw[m.flow] ??= { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, cancelled: 0, scheduled: 0 });
      flow[BUCKET_OF_STATUS[m.status]] += 1;
    }
    expect(stats.messages.byFlow).toEqual(raw);
    expect(Object.keys(raw).length).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
