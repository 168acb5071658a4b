// The dispatch loop of the long-running worker process (npm run worker).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../clock";
import type { Db } from "../db";
import type { WhatsAppSender } from "../whatsapp/types";
import { formatShopifySyncCounts, processShopifySyncs, type ShopifySyncDeps } from "../shopify-admin/consent-write-back";
import { dispatchDueMessages, emptyDispatchCounts, type DispatchCounts, type PrepareSend } from "./dispatch";
import type { OutboxPolicy } from "./policy";
import { reconcileExpiredLeases } from "./reconcile";
import type { SenderForShop } from "./shop-senders";
import { createTokenBucket, type TokenBucket } from "./token-bucket";

export interface WorkerDeps {
  db: Db;
  clock: Clock;
  sender: WhatsAppSender;
  policy: OutboxPolicy;
  signal: AbortSignal;
  /** Longest pause when nothing is due; shorter when the next message is due sooner. */
  idleMs: number;
  workerId?: string;
  bucket?: TokenBucket;
  /** Each shop's own sender and bucket (outbox/shop-senders.ts); without it every message uses `sender` and `bucket`. */
  senderFor?: SenderForShop;
  random?: () => number;
  log?: (line: string) => void;
  /** Waits `ms` or until `signal` aborts; replaceable so the loop can run in virtual time. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** When given, each round also mirrors queued consent changes to Shopify (shopify-admin/consent-write-back.ts). */
  shopifySync?: Omit<ShopifySyncDeps, "db" | "clock" | "log">;
  /** Run at the start of every round, before dispatching (cart recovery's step-1 scheduler). */
  schedulers?: (() => Promise<unknown>)[];
  /** Handed to dispatch: the last step before a send (cart recovery's discount code and final re-check). */
  prepareSend?: PrepareSend;
}

export interface WorkerTotals extends DispatchCounts {
  rounds: number;
  reconciled: number;
}

const MIN_PAUSE_MS = 5;

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Dispatches and reconciles until `signal` aborts; returns the totals of the run. */
export async function runWorker(deps: WorkerDeps): Promise<WorkerTotals> {
  const { db, clock, policy, signal } = deps;
  const workerId = deps.workerId ?? defaultWorkerId();
  const bucket = deps.bucket ?? createTokenBucket(policy);
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? abortableSleep;
  const totals: WorkerTotals = { ...emptyDispatchCounts(), rounds: 0, reconciled: 0 };

  while (!signal.aborted) {
    for (const schedule of deps.schedulers ?? []) await schedule();
    const counts = await dispatchDueMessages({ db, clock, sender: deps.sender, policy, workerId, bucket, senderFor: deps.senderFor, random, log: deps.log, signal, prepareSend: deps.prepareSend });
    const { failed: reconciled } = await reconcileExpiredLeases(db, clock, policy);
    totals.rounds += 1;
    totals.reconciled += reconciled;
    for (const key of Object.keys(counts) as (keyof DispatchCounts)[]) totals[key] += counts[key];
    if (counts.claimed > 0 || reconciled > 0) deps.log?.(`outbox: ${formatCounts(counts)}${reconciled > 0 ? ` reconciled=${reconciled}` : ""}`);
    if (deps.shopifySync) {
      const synced = await processShopifySyncs({ db, clock, log: deps.log, ...deps.shopifySync });
      if (synced.picked > 0) deps.log?.(`shopify-sync: ${formatShopifySyncCounts(synced)}`);
    }

    // A full batch means more is probably due right now.
    if (counts.claimed >= policy.batchSize || signal.aborted) continue;
    const wait = await msUntilNextDue(db, clock, deps.idleMs);
    // Claiming nothing although something is due means another worker is taking it: don't spin on the database.
    await sleep(counts.claimed === 0 ? Math.max(wait, MIN_PAUSE_MS) : wait, signal);
  }
  return totals;
}

async function msUntilNextDue(db: Db, clock: Clock, idleMs: number): Promise<number> {
  const next = await db.message.findFirst({ where: { status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
  if (!next) return idleMs;
  return Math.max(0, Math.min(idleMs, next.sendAfter.getTime() - clock.now().getTime()));
}

export function formatCounts(counts: DispatchCounts): string {
  return (Object.entries(counts) as [string, number][])
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${key}=${n}`)
    .join(" ");
}
