// The Shopify webhook inbox (docs/decisions/012-webhook-inbox.md): a verified delivery is stored in ONE insert and
// answered; its projection (receive-shopify-event.ts, one transaction) runs afterwards — in the web process when no
// delivery is waiting to be answered, and in the worker for anything the web process left (a crash, a restart, a
// burst it had no idle time for). The stored row is the durable hand-over: nothing accepted is lost.
import { executeDirect, isContention, type DbTx } from "../db";
import { groupCommit } from "../group-commit";
import { projectShopifyEvent, type IngestDeps, type ShopifyEvent, type StoredShopifyEvent } from "./receive-shopify-event";

/** Failed projections of one event before it is given up (with its reason in the note): a bug costs a few tries, not a storm. */
export const MAX_PROJECTION_ATTEMPTS = 5;
const BATCH = 50;

const COLUMNS = ["shop", "webhookId", "topic", "apiVersion", "triggeredAt", "receivedAt", "payload"];

/**
 * Stores verified events, except deliveries (shop, webhook id) already stored, in ONE statement: it stores all of them
 * or, when the database cannot take it, none (it throws, so every route answers 5xx and Shopify delivers again).
 * Returns how many were new.
 */
export async function acceptShopifyEvents({ db, clock }: IngestDeps, events: ShopifyEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  // Directly on the connection, not webhookEvent.createMany: the one statement every delivery waits for, without
  // Prisma's query compiler and request pipeline (half the route's time), and without an exception for a duplicate.
  const values = (placeholder: (n: number) => string) =>
    events.map((_, e) => `(${COLUMNS.map((_, c) => placeholder(e * COLUMNS.length + c + 1)).join(", ")})`).join(", ");
  const insert = `INSERT INTO "WebhookEvent" (${COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES`;
  const receivedAt = clock.now();
  return executeDirect(db, {
    sqlite: `${insert} ${values(() => "?")} ON CONFLICT ("shop", "webhookId") DO NOTHING`,
    postgresql: `${insert} ${values((n) => `$${n}`)} ON CONFLICT ("shop", "webhookId") DO NOTHING`,
    args: events.flatMap((event) => [
      event.shop, event.webhookId, event.topic, event.apiVersion ?? null, event.triggeredAt ?? null, receivedAt, event.payloadJson ?? JSON.stringify(event.payload),
    ]),
  });
}

/** One event: whether it was new. */
export async function acceptShopifyEvent(deps: IngestDeps, event: ShopifyEvent): Promise<"accepted" | "duplicate"> {
  return (await acceptShopifyEvents(deps, [event])) === 1 ? "accepted" : "duplicate";
}

/** The most deliveries one INSERT stores (7 placeholders each). */
const MAX_EVENTS_PER_INSERT = 100;

/**
 * Group commit for the routes: deliveries verified together share one INSERT instead of queueing for SQLite's write
 * lock one by one (the insert was the largest part of a delivery's cost); each call resolves once the statement
 * holding its event has committed. A refused statement is the database refusing (down, locked past the busy
 * timeout), not one bad row: all of its deliveries get the error, so each route answers 5xx and Shopify delivers
 * again, rather than each waiting out the lock once more on its own.
 */
export function createGroupedAccept(deps: () => IngestDeps): (event: ShopifyEvent) => Promise<void> {
  return groupCommit(
    async (events: ShopifyEvent[]) => {
      await acceptShopifyEvents(deps(), events);
      return events.map(() => undefined);
    },
    { maxItems: MAX_EVENTS_PER_INSERT, failTogether: true },
  );
}

/** When the latest Shopify delivery was stored (any shop), for background work that gives way to a burst. */
export async function lastShopifyEventReceivedAt(db: DbTx): Promise<Date | null> {
  return (await db.webhookEvent.findFirst({ orderBy: { id: "desc" }, select: { receivedAt: true } }))?.receivedAt ?? null;
}

export interface DrainOptions {
  /** Only events received before this instant (the worker leaves the freshest ones to the web process). */
  receivedBefore?: Date;
  /** At most this many projections. */
  limit?: number;
  /** Awaited before each projection: the web process waits here while deliveries are being answered. */
  beforeEach?: () => Promise<void>;
}

export interface DrainResult {
  projected: number;
  failed: number;
  /** Stopped early because another writer held the database: the rest is left for the next round. */
  contended: boolean;
}

/** Projects stored, unprocessed events in the order they were received; each at most once per call. */
export async function projectPendingShopifyEvents(deps: IngestDeps, options: DrainOptions = {}): Promise<DrainResult> {
  const result: DrainResult = { projected: 0, failed: 0, contended: false };
  const limit = options.limit ?? Infinity;
  let afterId = 0;
  while (result.projected + result.failed < limit) {
    const take = Math.min(BATCH, limit - result.projected - result.failed);
    const batch = await deps.db.webhookEvent.findMany({
      where: { processedAt: null, id: { gt: afterId }, ...(options.receivedBefore ? { receivedAt: { lt: options.receivedBefore } } : {}) },
      orderBy: { id: "asc" },
      take,
      select: { id: true, shop: true, webhookId: true, topic: true, apiVersion: true, triggeredAt: true, receivedAt: true, payload: true, attempts: true },
    });
    if (batch.length === 0) break;
    for (const row of batch) {
      afterId = row.id;
      await options.beforeEach?.();
      const outcome = await projectStored(deps, { ...row, payload: JSON.parse(row.payload) as unknown });
      if (outcome === "contended") return { ...result, contended: true };
      if (outcome === "failed") result.failed += 1;
      else if (outcome === "projected") result.projected += 1;
    }
    // A short batch was all there was; what arrived since is the next call's (the web process drains again on a kick).
    if (batch.length < take) break;
  }
  return result;
}

async function projectStored(deps: IngestDeps, event: StoredShopifyEvent): Promise<"projected" | "already" | "failed" | "contended"> {
  try {
    return (await projectShopifyEvent(deps, event)).status === "already" ? "already" : "projected";
  } catch (error) {
    if (isContention(error)) return "contended";
    await recordFailure(deps, event, error);
    return "failed";
  }
}

/** Prisma's messages can quote query arguments (personal data): the note and the log keep the error's kind only. */
function reasonOf(error: unknown): string {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  if (code) return `${name ?? "error"} ${code}`;
  return `${name ?? "error"}: ${(message ?? String(error)).split("\n")[0].slice(0, 200)}`;
}

async function recordFailure({ db, clock }: IngestDeps, event: StoredShopifyEvent, error: unknown): Promise<void> {
  const attempts = event.attempts + 1;
  const givenUp = attempts >= MAX_PROJECTION_ATTEMPTS;
  const note = givenUp ? `skipped: projection failed ${attempts} times (${reasonOf(error)})` : `projection failed (try ${attempts} of ${MAX_PROJECTION_ATTEMPTS}): ${reasonOf(error)}`;
  console.warn(`[ingest] ${event.topic} ${event.webhookId} for ${event.shop}: ${note}`);
  try {
    await db.webhookEvent.updateMany({ where: { id: event.id, processedAt: null }, data: { attempts, note, ...(givenUp ? { processedAt: clock.now() } : {}) } });
  } catch (recordError) {
    // The database is failing as a whole: the event stays pending and is tried again later.
    console.warn(`[ingest] could not record the failed projection of ${event.webhookId}: ${reasonOf(recordError)}`);
  }
}

export interface ShopifyInbox {
  /** Stores a verified delivery (a duplicate is ignored) together with those verified at the same moment; see createGroupedAccept. */
  accept(event: ShopifyEvent): Promise<void>;
  /** Wraps answering one delivery: while any is being answered, projections wait (up to `maxDeferMs`). */
  answering<T>(work: () => Promise<T>): Promise<T>;
  /** Projects what is pending soon, after the current response; calls while a drain runs join it. */
  kick(): void;
  /** Resolves when nothing accepted so far is left to project here (tests, replay, the demo: deliver, then settle). */
  settle(): Promise<void>;
}

/**
 * The web process's drain: coalesced, started after the response, and giving way to deliveries so that answering
 * stays fast under a burst: an event is projected once no delivery has been answered for `quietMs`, or after
 * `maxDeferMs` at the latest, so a steady stream of deliveries slows the projection down but never stops it (the
 * worker projects what is left meanwhile).
 */
export function createShopifyInbox(deps: () => IngestDeps, options: { quietMs?: number; maxDeferMs?: number } = {}): ShopifyInbox {
  const quietMs = options.quietMs ?? 100;
  const maxDeferMs = options.maxDeferMs ?? 1_000;
  let answeringNow = 0;
  let lastAnswered = 0;
  let urgent = 0;
  let running: Promise<void> | null = null;
  let again = false;
  let leftWork = false;

  const busy = () => urgent === 0 && (answeringNow > 0 || Date.now() - lastAnswered < quietMs);
  async function giveWay(): Promise<void> {
    // A projection runs as one chain of promise callbacks (the SQLite driver is synchronous): without a turn of the
    // event loop here, deliveries waiting on their sockets would not even be read until the backlog is empty.
    await new Promise((resolve) => setImmediate(resolve));
    const since = Date.now();
    while (busy() && Date.now() - since < maxDeferMs) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async function drainUntilEmpty(): Promise<void> {
    leftWork = false;
    do {
      again = false;
      try {
        // Another writer busy for seconds: the next delivery or the worker tries again.
        leftWork = (await projectPendingShopifyEvents(deps(), { beforeEach: giveWay })).contended;
      } catch (error) {
        console.warn(`[ingest] inbox drain stopped (${reasonOf(error)}); the worker projects what is left`);
        return;
      }
    } while (again && !leftWork);
  }

  function kick(): void {
    if (running) {
      again = true;
      return;
    }
    running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(drainUntilEmpty)
      .finally(() => {
        running = null;
        // A kick that came after the drain's last look: drain again rather than leave its event waiting.
        if (again && !leftWork) kick();
      });
  }

  return {
    accept: createGroupedAccept(deps),
    async answering(work) {
      answeringNow += 1;
      try {
        return await work();
      } finally {
        answeringNow -= 1;
        lastAnswered = Date.now();
      }
    },
    kick,
    async settle() {
      urgent += 1;
      try {
        for (let tries = 0; tries < 20; tries++) {
          kick();
          while (running) await running;
          if (!leftWork) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        urgent -= 1;
      }
    },
  };
}
