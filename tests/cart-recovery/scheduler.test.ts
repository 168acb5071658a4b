// The step-1 scheduler in batches: it decides every due checkout once, a limited number of batches per call
// (the worker's rounds), and leaves checkouts that are not due yet alone.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { nextStep1DueAt, runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { db } from "~/shopify.server";
import { resetDatabase, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");

beforeEach(async () => {
  await resetDatabase();
  await db.cartRecovery.createMany({
    data: Array.from({ length: 460 }, (_, i) => ({
      shop: SHOP, checkoutToken: `s${i}`, checkoutCreatedAt: T0, lastUpdateAt: T0,
      // 450 due, 10 due an hour later.
      step1DueAt: new Date(T0.getTime() + (i < 450 ? 0 : 3_600_000)), bucket: i % 100, updatedAt: T0,
    })),
  });
});

describe("runCartRecoveryScheduler", () => {
  it("works through due checkouts in batches, a few per call, each decided once", async () => {
    const clock = createVirtualClock(new Date(T0.getTime() + 60_000));
    const first = await runCartRecoveryScheduler(db, clock, { batchSize: 100, maxBatches: 2, workShare: 0.5 });
    expect(first).toMatchObject({ decided: 200, batches: 2, byDecision: { not_contactable: 200 } });
    const rest = await runCartRecoveryScheduler(db, clock, { batchSize: 100 });
    expect(rest).toMatchObject({ decided: 250, batches: 3 });
    expect(await runCartRecoveryScheduler(db, clock, { batchSize: 100 })).toMatchObject({ decided: 0, batches: 0 });
    expect(await db.cartRecovery.count({ where: { decidedAt: { not: null } } })).toBe(450);
    expect(await nextStep1DueAt(db, SHOP)).toEqual(new Date(T0.getTime() + 3_600_000));
  });
});
