import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { runWorker } from "~/.server/outbox/worker";
import { createFakeSender, createMessage, giveConsent, resetOutbox, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
beforeEach(() => resetOutbox(db));

describe("runWorker", () => {
  it("dispatches, sleeps until the next message is due, reconciles, and stops on abort", async () => {
    const clock = createVirtualClock(T0);
    const now = await createMessage(db);
    const later = await createMessage(db, { sendAfter: new Date(T0.getTime() + 90_000) });
    const crashed = await createMessage(db, { status: "SENDING", claimedBy: "w-dead", claimedUntil: new Date(T0.getTime() - 20 * 60_000), sendStartedAt: T0 });
    for (const m of [now, later]) await giveConsent(db, m.to!, "CONFIRMED");
    const sender = createFakeSender();
    const stop = new AbortController();
    const sleeps: number[] = [];
    const lines: string[] = [];

    const totals = await runWorker({
      db, clock, sender, policy: defaultOutboxPolicy, signal: stop.signal, idleMs: 60_000, workerId: "w1", random: () => 0.5,
      log: (line) => lines.push(line),
      async sleep(ms) {
        sleeps.push(ms);
        clock.advance(ms);
        if (sleeps.length === 3) stop.abort();
      },
    });

    // Round 1 sends one and reconciles the crashed one, then sleeps the full idle time (next due in 90 s);
    // round 2 finds nothing and sleeps the 30 s left; round 3 sends the second one.
    expect(sleeps).toEqual([60_000, 30_000, 60_000]);
    expect(totals).toMatchObject({ rounds: 3, claimed: 2, sent: 2, reconciled: 1 });
    expect(sender.calls.map((c) => c.bizOpaqueCallbackData)).toEqual([now.id, later.id]);
    expect((await db.message.findUniqueOrThrow({ where: { id: crashed.id } })).status).toBe("FAILED");
    expect(lines).toEqual(["outbox: claimed=1 sent=1 reconciled=1", "outbox: claimed=1 sent=1"]);
  });

  it("returns at once when the signal is already aborted", async () => {
    await createMessage(db);
    const sender = createFakeSender();
    const totals = await runWorker({
      db, clock: createVirtualClock(T0), sender, policy: defaultOutboxPolicy, signal: AbortSignal.abort(), idleMs: 1_000,
    });
    expect(totals.rounds).toBe(0);
    expect(sender.calls).toHaveLength(0);
  });
});
