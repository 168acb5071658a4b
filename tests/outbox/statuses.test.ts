import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { applyStatusUpdates } from "~/.server/outbox/statuses";
import type { DeliveryStatus, StatusUpdate } from "~/.server/whatsapp/types";
import { createMessage, eventsOf, resetOutbox, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
beforeEach(() => resetOutbox(db));

const clock = createVirtualClock(new Date(T0.getTime() + 3_600_000));
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const row = (id: string) => db.message.findUniqueOrThrow({ where: { id } });

function update(waMessageId: string, status: DeliveryStatus, seconds: number, extra: Partial<StatusUpdate> = {}): StatusUpdate {
  return { receivedBy: { phoneNumberId: "100000000000001", wabaId: "100000000000002" }, waMessageId, status, timestamp: at(seconds), recipientId: "4915100000001", errors: [], ...extra };
}

async function sentMessage(waMessageId: string) {
  return createMessage(db, { status: "SENT", waMessageId, sentAt: at(0), attempts: 1 });
}

describe("applyStatusUpdates", () => {
  it("moves SENT → DELIVERED → READ with Meta's timestamps and one webhook event per change", async () => {
    const message = await sentMessage("wamid.A");

    expect(await applyStatusUpdates(db, clock, [update("wamid.A", "delivered", 5)])).toEqual({ applied: 1, unchanged: 0, unknown: 0 });
    expect(await applyStatusUpdates(db, clock, [update("wamid.A", "read", 60)])).toEqual({ applied: 1, unchanged: 0, unknown: 0 });

    expect(await row(message.id)).toMatchObject({ status: "READ", sentAt: at(0), deliveredAt: at(5), readAt: at(60) });
    const events = await eventsOf(db, message.id);
    expect(events.map((e) => [e.status, e.source, e.at])).toEqual([["DELIVERED", "webhook", at(5)], ["READ", "webhook", at(60)]]);
  });

  it("never moves backwards: a late delivered after read changes and appends nothing", async () => {
    const message = await sentMessage("wamid.B");
    await applyStatusUpdates(db, clock, [update("wamid.B", "read", 60)]);

    expect(await applyStatusUpdates(db, clock, [update("wamid.B", "delivered", 5), update("wamid.B", "sent", 1)])).toEqual({ applied: 0, unchanged: 2, unknown: 0 });
    expect(await row(message.id)).toMatchObject({ status: "READ", readAt: at(60) });
    expect(await eventsOf(db, message.id)).toHaveLength(1);
  });

  it("treats read without delivered as delivered too (Meta implies it)", async () => {
    const message = await sentMessage("wamid.C");
    await applyStatusUpdates(db, clock, [update("wamid.C", "read", 30)]);
    expect(await row(message.id)).toMatchObject({ status: "READ", deliveredAt: at(30), readAt: at(30) });
  });

  it("applies an out-of-order batch in the right order", async () => {
    const message = await sentMessage("wamid.D");
    const counts = await applyStatusUpdates(db, clock, [update("wamid.D", "read", 60), update("wamid.D", "delivered", 5)]);
    expect(counts).toEqual({ applied: 2, unchanged: 0, unknown: 0 });
    expect(await row(message.id)).toMatchObject({ status: "READ", deliveredAt: at(5), readAt: at(60) });
    expect((await eventsOf(db, message.id)).map((e) => e.status)).toEqual(["DELIVERED", "READ"]);
  });

  it("makes duplicates harmless, within a batch and across redeliveries", async () => {
    const message = await sentMessage("wamid.E");
    const batch = [update("wamid.E", "delivered", 5), update("wamid.E", "delivered", 5)];
    expect(await applyStatusUpdates(db, clock, batch)).toEqual({ applied: 1, unchanged: 1, unknown: 0 });
    expect(await applyStatusUpdates(db, clock, batch)).toEqual({ applied: 0, unchanged: 2, unknown: 0 });
    expect(await eventsOf(db, message.id)).toHaveLength(1);
  });

  it("fails a SENT message with Meta's code and reason from errors[0]", async () => {
    const message = await sentMessage("wamid.F");
    const errors = [{ code: 131026, title: "Message undeliverable", details: "Unable to deliver message." }];
    expect(await applyStatusUpdates(db, clock, [update("wamid.F", "failed", 9, { errors })])).toEqual({ applied: 1, unchanged: 0, unknown: 0 });
    expect(await row(message.id)).toMatchObject({ status: "FAILED", errorCode: 131026, statusReason: "Message undeliverable: Unable to deliver message.", failedAt: at(9) });
    expect((await eventsOf(db, message.id))[0]).toMatchObject({ status: "FAILED", errorCode: 131026, source: "webhook", at: at(9) });
  });

  it("ignores failed once a message is delivered", async () => {
    const message = await sentMessage("wamid.G");
    await applyStatusUpdates(db, clock, [update("wamid.G", "delivered", 5)]);
    const counts = await applyStatusUpdates(db, clock, [update("wamid.G", "failed", 9, { errors: [{ code: 131000, title: "Something went wrong" }] })]);
    expect(counts).toEqual({ applied: 0, unchanged: 1, unknown: 0 });
    expect(await row(message.id)).toMatchObject({ status: "DELIVERED", errorCode: null, failedAt: null });
  });

  it("counts and skips updates for unknown messages", async () => {
    await sentMessage("wamid.H");
    const counts = await applyStatusUpdates(db, clock, [
      update("wamid.unknown", "delivered", 5),
      update("wamid.other", "sent", 5, { bizOpaqueCallbackData: "not-one-of-ours" }),
      update("wamid.H", "delivered", 5),
    ]);
    expect(counts).toEqual({ applied: 1, unchanged: 0, unknown: 2 });
    expect(await db.messageEvent.count()).toBe(1);
  });

  it("reconciles a SENDING row left by a crash through biz_opaque_callback_data", async () => {
    const message = await createMessage(db, { status: "SENDING", claimedBy: "w-dead", claimedUntil: at(60) });
    const counts = await applyStatusUpdates(db, clock, [
      update("wamid.crash", "sent", 2, { bizOpaqueCallbackData: message.id }),
      update("wamid.crash", "delivered", 4, { bizOpaqueCallbackData: message.id }),
    ]);
    expect(counts).toEqual({ applied: 2, unchanged: 0, unknown: 0 });
    expect(await row(message.id)).toMatchObject({
      status: "DELIVERED", waMessageId: "wamid.crash", sentAt: at(2), deliveredAt: at(4), claimedBy: null, claimedUntil: null,
    });
    const events = await eventsOf(db, message.id);
    expect(events.map((e) => e.status)).toEqual(["SENT", "DELIVERED"]);
    expect(events[0].reason).toMatch(/^reconciled: /);

    // Later updates find it by its wamid like any other message.
    expect(await applyStatusUpdates(db, clock, [update("wamid.crash", "read", 9)])).toEqual({ applied: 1, unchanged: 0, unknown: 0 });
  });

  it("fails a crashed SENDING row when its first webhook is a failure", async () => {
    const message = await createMessage(db, { status: "SENDING", claimedBy: "w-dead", claimedUntil: at(60) });
    await applyStatusUpdates(db, clock, [update("wamid.crash-f", "failed", 3, { bizOpaqueCallbackData: message.id, errors: [{ code: 131049, title: "Not delivered" }] })]);
    expect(await row(message.id)).toMatchObject({ status: "FAILED", waMessageId: "wamid.crash-f", errorCode: 131049, failedAt: at(3) });
  });

  it("revives a message the lease reconciliation had given up on, when proof of sending arrives", async () => {
    const message = await createMessage(db, { status: "FAILED", statusReason: "unknown_outcome", failedAt: at(1_000) });
    await applyStatusUpdates(db, clock, [update("wamid.late", "delivered", 4, { bizOpaqueCallbackData: message.id })]);
    expect(await row(message.id)).toMatchObject({ status: "DELIVERED", waMessageId: "wamid.late", failedAt: null, statusReason: null, deliveredAt: at(4) });
  });

  it("does not take over a row that already has another wamid", async () => {
    const message = await sentMessage("wamid.own");
    const counts = await applyStatusUpdates(db, clock, [update("wamid.stranger", "delivered", 4, { bizOpaqueCallbackData: message.id })]);
    expect(counts).toEqual({ applied: 0, unchanged: 0, unknown: 1 });
    expect(await row(message.id)).toMatchObject({ status: "SENT", waMessageId: "wamid.own" });
  });

  it("applies a batch of 1,000 updates in few queries", async () => {
    const count = 400;
    const now = new Date();
    await db.message.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        shop: "bulk.myshopify.com", flow: "order_confirmation", dedupeKey: `bulk:${i}`, to: `+4915200${String(i).padStart(5, "0")}`,
        category: "UTILITY", template: "t", language: "de", components: "[]", status: i < 50 ? "SENDING" : "SENT",
        waMessageId: i < 50 ? null : `wamid.bulk-${i}`, sentAt: i < 50 ? null : at(0), sendAfter: at(0), createdAt: now,
      })),
    });
    const rows = await db.message.findMany({ where: { shop: "bulk.myshopify.com" }, select: { id: true, dedupeKey: true } });
    const idOf = new Map(rows.map((r) => [r.dedupeKey, r.id]));
    const updates: StatusUpdate[] = [];
    for (let i = 0; i < count; i += 1) {
      const extra = { bizOpaqueCallbackData: idOf.get(`bulk:${i}`) };
      updates.push(update(`wamid.bulk-${i}`, "delivered", 10 + (i % 3), extra));
      if (i % 2 === 0) updates.push(update(`wamid.bulk-${i}`, "read", 20 + (i % 3), extra));
      else updates.push(update(`wamid.bulk-${i}`, "delivered", 10 + (i % 3), extra)); // redelivered duplicate
    }
    for (let i = 0; i < 1_000 - 2 * count; i += 1) updates.push(update(`wamid.nobody-${i}`, "sent", 1));
    expect(updates).toHaveLength(1_000);

    const queries: string[] = [];
    const counted = createDbWithQueryLog(queries);
    const started = performance.now();
    const counts = await applyStatusUpdates(counted, clock, updates);
    const elapsedMs = performance.now() - started;
    await counted.$disconnect();

    expect(counts).toEqual({ applied: 600, unchanged: 200, unknown: 200 });
    const byStatus = await db.message.groupBy({ by: ["status"], where: { shop: "bulk.myshopify.com" }, _count: { _all: true } });
    expect(Object.fromEntries(byStatus.map((g) => [g.status, g._count._all]))).toEqual({ DELIVERED: 200, READ: 200 });
    expect(await db.messageEvent.count({ where: { source: "webhook" } })).toBe(600);
    // 2 reads; writes grouped by (from, to, timestamps) = 6 groups, plus 50 reconciled rows that each get their
    // own wamid; one insert for all events.
    expect(queries.filter((q) => q === "findMany")).toHaveLength(2);
    expect(queries.filter((q) => q === "updateMany")).toHaveLength(6 + 50);
    expect(queries.filter((q) => q === "createMany")).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(10_000);
  });
});

function createDbWithQueryLog(queries: string[]) {
  const client = createDb(process.env.DATABASE_URL!);
  return client.$extends({
    query: { $allOperations: ({ args, query, operation }) => { queries.push(operation); return query(args); } },
  }) as unknown as typeof client;
}
