// Several workers on one database (each with its own client, as separate processes would have): every message is
// claimed and sent exactly once, and the business number's configured rate holds in every second across all of them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, systemClock } from "~/.server/clock";
import { createDb, isPostgresClient, type Db } from "~/.server/db";
import { claimDueMessages } from "~/.server/outbox/claim";
import { defaultOutboxPolicy, type OutboxPolicy } from "~/.server/outbox/policy";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { createSharedSendRate, createSharedSendRates } from "~/.server/outbox/send-rate";
import { runWorker } from "~/.server/outbox/worker";
import type { WhatsAppSender } from "~/.server/whatsapp/types";
import { createMessage, giveConsent, resetOutbox, T0 } from "./helpers";

const WORKERS = 4;
const db = createDb(process.env.DATABASE_URL!);
let workerDbs: Db[] = [];

beforeAll(() => {
  workerDbs = Array.from({ length: WORKERS }, () => createDb(process.env.DATABASE_URL!));
});
afterAll(async () => {
  await Promise.all([db, ...workerDbs].map((client) => client.$disconnect()));
});
beforeEach(async () => {
  await resetOutbox(db);
  await db.rateLimit.deleteMany();
});

async function seedMessages(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const message = await createMessage(db, { createdAt: new Date(T0.getTime() + i) });
    await giveConsent(db, message.to!, "CONFIRMED");
    ids.push(message.id);
  }
  return ids;
}

/** Records when each send call starts (wall clock) and answers like Meta after a short delay. */
function recordingSender(calls: { id: string; at: number }[]): WhatsAppSender {
  return {
    async sendTemplate(message) {
      calls.push({ id: message.bizOpaqueCallbackData!, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 2));
      return { ok: true, waMessageId: `wamid.scale-${message.bizOpaqueCallbackData}` };
    },
  };
}

function maxPerSecond(times: number[]): number {
  const perSecond = new Map<number, number>();
  for (const at of times) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return Math.max(0, ...perSecond.values());
}

describe("claiming with several workers", () => {
  it(`gives ${WORKERS} concurrent claimers disjoint batches and logs one claim event per row`, async () => {
    const ids = await seedMessages(60);
    const now = new Date(T0.getTime() + 1_000);
    const batches = await Promise.all(
      workerDbs.map((client, i) => claimDueMessages(client, { now, workerId: `w${i}`, limit: 20, leaseMs: 60_000 })),
    );
    const claimed = batches.flat().map((m) => m.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    if (isPostgresClient(db)) {
      // SKIP LOCKED: nobody waits for or collides with another's rows, so the four batches cover everything.
      expect(new Set(claimed)).toEqual(new Set(ids));
    } else {
      // SQLite: the claimers read the same oldest rows and race for them; each row still goes to exactly one.
      expect(claimed.length).toBeGreaterThanOrEqual(20);
    }
    for (const [i, batch] of batches.entries()) {
      for (const m of batch) expect(m).toMatchObject({ status: "SENDING", claimedBy: `w${i}` });
    }
    expect(await db.messageEvent.count({ where: { status: "SENDING" } })).toBe(claimed.length);
    // Each batch comes back oldest first.
    for (const batch of batches) {
      const created = batch.map((m) => m.createdAt.getTime());
      expect(created).toEqual([...created].sort((a, b) => a - b));
    }
  });

  // SQLite has one writer at a time; its claim path is the conditional update tested above and in claim.test.ts.
  it.skipIf(!isPostgresClient(db))("claims with FOR UPDATE SKIP LOCKED on PostgreSQL: rows locked by another transaction are skipped, not waited for", async () => {
    const ids = await seedMessages(4);
    const now = new Date(T0.getTime() + 1_000);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // Another worker's transaction holds the two oldest rows.
    const holder = workerDbs[0].$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Message" WHERE "id" IN (${ids[0]}, ${ids[1]}) FOR UPDATE`;
      locked();
      await held;
    }, { timeout: 10_000 });
    await lockTaken;
    const started = Date.now();
    const batch = await claimDueMessages(workerDbs[1], { now, workerId: "w1", limit: 4, leaseMs: 60_000 });
    const tookMs = Date.now() - started;
    release();
    await holder;
    expect(batch.map((m) => m.id)).toEqual([ids[2], ids[3]]);
    expect(tookMs).toBeLessThan(2_000);
  });
});

describe("the shared send rate", () => {
  it("never grants more than the rate in one second, however many clients ask at once", async () => {
    const rate = 25;
    const now = new Date(T0.getTime() + 1_234);
    const limiters = workerDbs.map((client) => createSharedSendRate(client, "phone-1", rate));
    const grants = await Promise.all(limiters.flatMap((limiter) => [limiter.take(now, 10), limiter.take(now, 10)]));
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(rate);
    expect(grants.every((g) => g.validUntil.getTime() === T0.getTime() + 2_000)).toBe(true);
    // Used up: the next ask in the same second gets nothing and learns when to come back.
    const more = await limiters[0].take(new Date(T0.getTime() + 1_900), 5);
    expect(more.granted).toBe(0);
    expect(limiters[0].usedUpUntil(new Date(T0.getTime() + 1_900))).toEqual(new Date(T0.getTime() + 2_000));
    // The next second starts full; tokens given back are available again within their second.
    const next = await limiters[1].take(new Date(T0.getTime() + 2_000), 20);
    expect(next.granted).toBe(20);
    await limiters[1].giveBack(next, 15);
    expect((await limiters[2].take(new Date(T0.getTime() + 2_500), 100)).granted).toBe(20);
    // Another key is another number with its own tokens.
    expect((await createSharedSendRate(db, "phone-2", rate).take(new Date(T0.getTime() + 2_500), 5)).granted).toBe(5);
  });

  it("with per-shop numbers (senderFor), each number has its own shared tokens", async () => {
    const policy: OutboxPolicy = { ...defaultOutboxPolicy, ratePerSecond: 2, burst: 2 };
    const calls: { id: string; at: number }[] = [];
    const sender = recordingSender(calls);
    const numberOf: Record<string, string> = { "shop-a.myshopify.com": "number-a", "shop-b.myshopify.com": "number-b" };
    const senderFor = async (shop: string) => ({ sender, bucket: { take: () => ({ ok: true as const }) }, phoneNumberId: numberOf[shop] });
    const ids: Record<string, string[]> = {};
    for (const shop of Object.keys(numberOf)) {
      ids[shop] = [];
      for (let i = 0; i < 3; i += 1) {
        const message = await createMessage(db, { shop, createdAt: new Date(T0.getTime() + i) });
        await db.consent.create({ data: { shop, phone: message.to!, state: "CONFIRMED", updatedAt: T0 } });
        ids[shop].push(message.id);
      }
    }
    const clock = createVirtualClock(new Date(T0.getTime() + 1_000));
    const sendRates = createSharedSendRates(db, policy.ratePerSecond, "app-wide");
    const counts = await dispatchDueMessages({ db, clock, sender, policy, workerId: "w", senderFor, sendRates, random: () => 0.5 });
    // Two per number this second; the bucket the routes bring is not consulted.
    expect(counts).toMatchObject({ claimed: 6, sent: 4, deferred: 2 });
    for (const shop of Object.keys(numberOf)) expect(calls.filter((c) => ids[shop].includes(c.id))).toHaveLength(2);
    expect(await db.rateLimit.findMany({ orderBy: { key: "asc" }, select: { key: true, used: true } })).toEqual([{ key: "number-a", used: 2 }, { key: "number-b", used: 2 }]);
  });

  it(`${WORKERS} worker loops send every message exactly once and never more than the rate in any second`, async () => {
    const rate = 40;
    const ids = await seedMessages(150);
    const policy: OutboxPolicy = { ...defaultOutboxPolicy, ratePerSecond: rate, burst: rate, batchSize: 15 };
    const calls: { id: string; at: number }[] = [];
    const stop = new AbortController();
    const sender = recordingSender(calls);
    const workers = workerDbs.map((client, i) =>
      runWorker({ db: client, clock: systemClock, sender, policy, signal: stop.signal, idleMs: 50, workerId: `loop-${i}`, rateLimitKey: "phone-1" }),
    );
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await db.message.count({ where: { status: { in: ["SCHEDULED", "SENDING"] } } })) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stop.abort();
    const totals = await Promise.all(workers);

    const sentIds = calls.map((c) => c.id);
    expect(sentIds.length).toBe(150);
    expect(new Set(sentIds)).toEqual(new Set(ids));
    expect(await db.message.count({ where: { status: "SENT" } })).toBe(150);
    const max = maxPerSecond(calls.map((c) => c.at));
    expect(max).toBeLessThanOrEqual(rate);
    // It really is the rate that paced them: 150 at 40/s needs at least four seconds.
    const seconds = new Set(calls.map((c) => Math.floor(c.at / 1000))).size;
    expect(seconds).toBeGreaterThanOrEqual(4);
    // More than one worker did the work.
    expect(totals.filter((t) => t.sent > 0).length).toBeGreaterThan(1);
  });
});
