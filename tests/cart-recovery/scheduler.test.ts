// The step-1 scheduler in batches: it decides every due checkout once, a limited number of batches per call
// (the worker's rounds), and leaves checkouts that are not due yet alone.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { nextStep1DueAt, pacedCartRecoveryScheduler, runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { createDb } from "~/.server/db";
import { db } from "~/shopify.server";
import { resetDatabase, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const policy = { batchSize: 100, workShare: 1, giveWayAfterWebhookMs: 250, maxGiveWayMs: 5_000 };

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
    const first = await runCartRecoveryScheduler(db, clock, { batchSize: 100, maxBatches: 2 });
    expect(first).toMatchObject({ decided: 200, batches: 2, byDecision: { not_contactable: 200 } });
    const rest = await runCartRecoveryScheduler(db, clock, { batchSize: 100 });
    expect(rest).toMatchObject({ decided: 250, batches: 3 });
    expect(await runCartRecoveryScheduler(db, clock, { batchSize: 100 })).toMatchObject({ decided: 0, batches: 0 });
    expect(await db.cartRecovery.count({ where: { decidedAt: { not: null } } })).toBe(450);
    expect(await nextStep1DueAt(db, SHOP)).toEqual(new Date(T0.getTime() + 3_600_000));
  });

  it("paced for the worker: one batch per call, then calls do nothing until the batch's time × (1/share − 1) has passed", async () => {
    const clock = createVirtualClock(new Date(T0.getTime() + 60_000));
    // The stopwatch's readings in order: a call reads it when it starts and, if it worked, when it finished.
    const readings = [1_000, 1_010, 1_049, 1_050, 1_060];
    const run = pacedCartRecoveryScheduler(db, clock, { ...policy, workShare: 0.2 }, () => readings.shift()!);
    expect(await run()).toMatchObject({ decided: 100, batches: 1 });
    // Worked 1,000 → 1,010 at a share of 0.2: rests until 1,010 + 10 · 4 = 1,050.
    expect(await run()).toMatchObject({ decided: 0, batches: 0 });
    expect(await run()).toMatchObject({ decided: 100, batches: 1 });
    expect(readings).toEqual([]);
    expect(await db.cartRecovery.count({ where: { decidedAt: { not: null } } })).toBe(200);
  });

  // SQLite has one write lock; PostgreSQL's scheduler would wait on row locks instead, and nothing here holds those.
  it.skipIf(process.env.DATABASE_URL!.startsWith("postgres"))("paced: gives its batch up when another writer holds the database past Prisma's maxWait, and decides it later", async () => {
    const clock = createVirtualClock(new Date(T0.getTime() + 60_000));
    const run = pacedCartRecoveryScheduler(db, clock, { ...policy, workShare: 1 });
    const other = createDb(process.env.DATABASE_URL!);
    try {
      // The other connection holds the write lock for 2.5 s (Prisma's maxWait for starting a transaction is 2 s).
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const writer = other.$transaction(async (tx) => {
        await tx.cartRecovery.updateMany({ where: { checkoutToken: "s459" }, data: { updatedAt: T0 } });
        holding();
        await new Promise((resolve) => setTimeout(resolve, 2_500));
      }, { timeout: 10_000 });
      await held;
      expect(await run()).toMatchObject({ decided: 0, batches: 0, contended: true });
      await writer;
    } finally {
      await other.$disconnect();
    }
    expect(await db.cartRecovery.count({ where: { decidedAt: { not: null } } })).toBe(0);
    expect(await run()).toMatchObject({ decided: 100, batches: 1 });
  });

  it("paced: gives way while Shopify deliveries come in, but decides a batch at least every maxGiveWayMs", async () => {
    const clock = createVirtualClock(new Date(T0.getTime() + 60_000));
    const delivered = (ago: number, id: string) =>
      db.webhookEvent.create({ data: { shop: SHOP, webhookId: id, topic: "checkouts/create", receivedAt: new Date(clock.now().getTime() - ago), payload: "{}" } });
    const readings = [1_000, 1_249, 1_250, 1_260, 1_260, 3_000, 6_259, 6_509, 6_519];
    const run = pacedCartRecoveryScheduler(db, clock, policy, () => readings.shift()!);
    await delivered(100, "w1");
    expect(await run()).toMatchObject({ decided: 0, gaveWay: true }); // at 1,000: a delivery 100 ms ago
    expect(await run()).toMatchObject({ decided: 0 }); // at 1,249: resting
    clock.advance(200);
    expect(await run()).toMatchObject({ decided: 100, batches: 1 }); // at 1,250: the delivery is 300 ms old
    // From now on a delivery arrives all the time: the scheduler waits, but not longer than 5 s after its last batch.
    await delivered(0, "w2");
    expect(await run()).toMatchObject({ decided: 0, gaveWay: true }); // at 1,260
    await delivered(0, "w3");
    expect(await run()).toMatchObject({ decided: 0, gaveWay: true }); // at 3,000
    await delivered(0, "w4");
    expect(await run()).toMatchObject({ decided: 0, gaveWay: true }); // at 6,259: 4,999 ms since the batch, rests 250 ms
    expect(await run()).toMatchObject({ decided: 100, batches: 1 }); // at 6,509: over 5,000 ms
    expect(readings).toEqual([]);
  });
});
