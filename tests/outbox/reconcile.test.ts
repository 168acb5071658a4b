import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { reconcileExpiredLeases } from "~/.server/outbox/reconcile";
import { createMessage, eventsOf, resetOutbox, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
beforeEach(() => resetOutbox(db));

const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

describe("reconcileExpiredLeases", () => {
  it("fails SENDING rows whose lease ran out more than 15 minutes ago as unknown_outcome, and nothing else", async () => {
    const stale = await createMessage(db, { status: "SENDING", claimedBy: "w-dead", claimedUntil: minutes(1), sendStartedAt: T0 });
    const justExpired = await createMessage(db, { status: "SENDING", claimedBy: "w-slow", claimedUntil: minutes(2), sendStartedAt: T0 });
    const settledByWebhook = await createMessage(db, { status: "DELIVERED", waMessageId: "wamid.x", claimedUntil: null });
    const clock = createVirtualClock(minutes(16.5));

    expect(await reconcileExpiredLeases(db, clock, defaultOutboxPolicy)).toEqual({ failed: 1, released: 0 });

    expect(await db.message.findUniqueOrThrow({ where: { id: stale.id } })).toMatchObject({
      status: "FAILED", statusReason: "unknown_outcome", failedAt: minutes(16.5), claimedUntil: null, attempts: 0,
    });
    const [event] = await eventsOf(db, stale.id);
    expect(event).toMatchObject({ status: "FAILED", source: "worker", at: minutes(16.5) });
    expect(event.reason).toMatch(/^unknown_outcome: .*never sent twice/);
    expect((await db.message.findUniqueOrThrow({ where: { id: justExpired.id } })).status).toBe("SENDING");
    expect((await db.message.findUniqueOrThrow({ where: { id: settledByWebhook.id } })).status).toBe("DELIVERED");

    clock.advance(60_000);
    expect(await reconcileExpiredLeases(db, clock, defaultOutboxPolicy)).toEqual({ failed: 1, released: 0 });
    expect(await reconcileExpiredLeases(db, clock, defaultOutboxPolicy)).toEqual({ failed: 0, released: 0 });
    expect(await eventsOf(db, stale.id)).toHaveLength(1);
  });

  it("puts a row whose worker died before calling Meta back in the queue as soon as its lease runs out", async () => {
    const uncalled = await createMessage(db, { status: "SENDING", claimedBy: "w-dead", claimedUntil: minutes(1) });
    const leased = await createMessage(db, { status: "SENDING", claimedBy: "w-alive", claimedUntil: minutes(5) });
    const clock = createVirtualClock(minutes(2));

    expect(await reconcileExpiredLeases(db, clock, defaultOutboxPolicy)).toEqual({ failed: 0, released: 1 });

    expect(await db.message.findUniqueOrThrow({ where: { id: uncalled.id } })).toMatchObject({
      status: "SCHEDULED", sendAfter: minutes(2), claimedBy: null, claimedUntil: null, attempts: 0,
    });
    const [event] = await eventsOf(db, uncalled.id);
    expect(event).toMatchObject({ status: "SCHEDULED", source: "worker", at: minutes(2) });
    expect(event.reason).toMatch(/^released: .*before calling Meta/);
    expect((await db.message.findUniqueOrThrow({ where: { id: leased.id } })).status).toBe("SENDING");
  });
});
