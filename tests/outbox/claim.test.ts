import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { claimDueMessages } from "~/.server/outbox/claim";
import { createMessage, eventsOf, resetOutbox, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
const otherConnection = createDb(process.env.DATABASE_URL!);
afterAll(async () => {
  await db.$disconnect();
  await otherConnection.$disconnect();
});
beforeEach(() => resetOutbox(db));

const later = (ms: number) => new Date(T0.getTime() + ms);

describe("claimDueMessages", () => {
  it("claims due SCHEDULED rows oldest first, with a lease and a SENDING event", async () => {
    const newer = await createMessage(db, { sendAfter: later(-1_000) });
    const older = await createMessage(db, { sendAfter: later(-60_000) });
    await createMessage(db, { sendAfter: later(1) }); // not due yet
    await createMessage(db, { status: "SENT" });

    const claimed = await claimDueMessages(db, { now: T0, workerId: "w1", limit: 10, leaseMs: 60_000 });

    expect(claimed.map((m) => m.id)).toEqual([older.id, newer.id]);
    const rows = await db.message.findMany({ where: { id: { in: [older.id, newer.id] } } });
    // The rows come back from the claim's own raw UPDATE: the same values and types as Prisma reads them.
    expect(claimed).toEqual([older.id, newer.id].map((id) => rows.find((row) => row.id === id)));
    for (const row of rows) {
      expect(row).toMatchObject({ status: "SENDING", claimedBy: "w1", claimedUntil: later(60_000), attempts: 0 });
    }
    const events = await eventsOf(db, older.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: "SENDING", source: "worker", at: T0 });
    expect(events[0].reason).toMatch(/^claimed: /);
  });

  it("respects the limit and claims nothing twice", async () => {
    for (let i = 0; i < 5; i += 1) await createMessage(db, { sendAfter: later(-i) });
    const first = await claimDueMessages(db, { now: T0, workerId: "w1", limit: 3, leaseMs: 60_000 });
    const second = await claimDueMessages(db, { now: T0, workerId: "w1", limit: 3, leaseMs: 60_000 });
    const third = await claimDueMessages(db, { now: T0, workerId: "w1", limit: 3, leaseMs: 60_000 });
    expect([first.length, second.length, third.length]).toEqual([3, 2, 0]);
    expect(new Set([...first, ...second].map((m) => m.id)).size).toBe(5);
  });

  it("gives each row to exactly one of two concurrent workers on separate connections", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) ids.push((await createMessage(db, { sendAfter: later(-i * 10) })).id);

    // Racing rounds until nothing is left: under contention a row may wait for a later round, but never goes twice.
    const byWorker = { "worker-a": [] as string[], "worker-b": [] as string[] };
    for (let round = 0; round < 10; round += 1) {
      const [a, b] = await Promise.all([
        claimDueMessages(db, { now: T0, workerId: "worker-a", limit: 40, leaseMs: 60_000 }),
        claimDueMessages(otherConnection, { now: T0, workerId: "worker-b", limit: 40, leaseMs: 60_000 }),
      ]);
      byWorker["worker-a"].push(...a.map((m) => m.id));
      byWorker["worker-b"].push(...b.map((m) => m.id));
      if (a.length === 0 && b.length === 0) break;
    }

    const claimedIds = [...byWorker["worker-a"], ...byWorker["worker-b"]];
    expect(claimedIds).toHaveLength(40);
    expect(new Set(claimedIds)).toEqual(new Set(ids));
    const rows = await db.message.findMany({ where: { id: { in: ids } } });
    for (const row of rows) {
      expect(row.status).toBe("SENDING");
      expect(row.claimedBy).toBe(byWorker["worker-a"].includes(row.id) ? "worker-a" : "worker-b");
    }
    const events = await db.messageEvent.groupBy({ by: ["messageId"], _count: { _all: true } });
    expect(events).toHaveLength(40);
    expect(events.every((e) => e._count._all === 1)).toBe(true);
  });
});
