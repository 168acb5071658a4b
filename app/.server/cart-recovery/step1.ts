// Step-1 time (METRICS.md "Cart recovery"): once per checkout, when its step 1 is due, decide and record
// whether it was abandoned, eligible and held out. Phone and consent are looked up as they were at step-1
// time (the consent log is append-only), so a late run decides exactly like a punctual one.
// The scheduler works through due checkouts in small batches; the send-time gate decides a single
// checkout itself when its reminder is claimed before the scheduler got to it.
import type { CartRecovery } from "@prisma/client";
import type { Clock } from "../clock";
import { isContention, type Db, type DbTx } from "../db";
import { eventReason } from "../outbox/events";
import { cancelSentence, CART_RECOVERY_FLOW } from "./checkout-events";
import { isHoldout } from "./holdout";
import { recordCheckoutOutcomes } from "./figures";
import { cartRecoverySettings } from "./settings";
import { rollupMessagesMoved } from "../analytics/rollups";
import { lastShopifyEventReceivedAt } from "../ingest/inbox";

export type Step1Decision = "remind" | "holdout" | "no_consent" | "not_contactable" | "ordered" | "deleted" | "disabled";

export interface Step1Facts {
  /** An order for the token created no later than step-1 time (or the checkout completed by then). */
  ordered: boolean;
  deleted: boolean;
  contactable: boolean;
  /** The consent state of the checkout's phone at step-1 time; null when there was none. */
  consentState: string | null;
  bucket: number;
  holdoutPercent: number;
  enabled: boolean;
}

/** Pure: the decision from the facts, in METRICS.md's order (abandoned → eligible → holdout). */
export function decideStep1(f: Step1Facts): { decision: Step1Decision; holdout: boolean } {
  const holdout = isHoldout(f.bucket, f.holdoutPercent);
  if (f.ordered) return { decision: "ordered", holdout };
  if (f.deleted) return { decision: "deleted", holdout };
  if (!f.contactable) return { decision: "not_contactable", holdout };
  if (f.consentState !== "CONFIRMED") return { decision: "no_consent", holdout };
  if (holdout) return { decision: "holdout", holdout };
  if (!f.enabled) return { decision: "disabled", holdout };
  return { decision: "remind", holdout };
}

/** Why the pending reminders of a checkout go, per decision (the cancel reason in the message log). */
const CANCEL_REASON: Record<Exclude<Step1Decision, "remind">, string> = {
  ordered: "order_placed",
  deleted: "checkout_deleted",
  not_contactable: "not_contactable",
  no_consent: "no_consent",
  holdout: "holdout",
  disabled: "flow_disabled",
};

interface ConsentEventLite {
  toState: string;
  at: Date;
}

/** The state after the last transition at or before `at`; a row without any logged transition counts as it is now. */
export function consentStateAt(current: string | null, events: ConsentEventLite[], at: Date): string | null {
  if (current === null) return null;
  if (events.length === 0) return current;
  let state: string | null = null;
  for (const e of events) if (e.at.getTime() <= at.getTime()) state = e.toState;
  return state;
}

const byShop = <T extends { shop: string }>(rows: T[]) => {
  const map = new Map<string, T[]>();
  for (const row of rows) map.set(row.shop, [...(map.get(row.shop) ?? []), row]);
  return map;
};

/** Runs `work` in a transaction when the handle can open one (a client), else on the handle itself (already one). */
async function inTransaction<T>(db: DbTx | Db, work: (tx: DbTx) => Promise<T>): Promise<T> {
  const client = db as Partial<Db>;
  return typeof client.$transaction === "function" ? client.$transaction((tx) => work(tx)) : work(db);
}

/** Decides the given undecided rows (each applied once: a row decided meanwhile by someone else is left alone); returns how many per decision. */
export async function decideRows(db: DbTx | Db, rows: CartRecovery[], now: Date): Promise<Map<Step1Decision, number>> {
  const decided = new Map<Step1Decision, number>();
  if (rows.length === 0) return decided;
  const groups = byShop(rows);
  const shops = [...groups.keys()];
  const perShop = (build: (shop: string, tokens: string[]) => object) => ({ OR: shops.map((shop) => build(shop, groups.get(shop)!.map((r) => r.checkoutToken))) });

  const [shopRows, checkouts, orders] = await Promise.all([
    db.shop.findMany({ where: { domain: { in: shops } }, select: { domain: true, settings: true } }),
    db.checkout.findMany({ where: perShop((shop, tokens) => ({ shop, token: { in: tokens } })), select: { shop: true, token: true, phone: true, completedAt: true, deletedAt: true } }),
    db.order.findMany({ where: perShop((shop, tokens) => ({ shop, checkoutToken: { in: tokens } })), select: { shop: true, checkoutToken: true, createdAt: true } }),
  ]);
  const checkoutOf = new Map(checkouts.map((c) => [`${c.shop}:${c.token}`, c]));
  const phonesByShop = new Map<string, string[]>();
  for (const c of checkouts) if (c.phone) phonesByShop.set(c.shop, [...(phonesByShop.get(c.shop) ?? []), c.phone]);
  const consents = phonesByShop.size
    ? await db.consent.findMany({ where: { OR: [...phonesByShop].map(([shop, phones]) => ({ shop, phone: { in: phones } })) }, select: { id: true, shop: true, phone: true, state: true } })
    : [];
  const events = consents.length
    ? await db.consentEvent.findMany({ where: { consentId: { in: consents.map((c) => c.id) } }, orderBy: [{ at: "asc" }, { id: "asc" }], select: { consentId: true, toState: true, at: true } })
    : [];
  const consentOf = new Map(consents.map((c) => [`${c.shop}:${c.phone}`, c]));
  const eventsOf = new Map<string, ConsentEventLite[]>();
  for (const e of events) eventsOf.set(e.consentId, [...(eventsOf.get(e.consentId) ?? []), e]);
  const settingsOf = new Map(shopRows.map((s) => [s.domain, cartRecoverySettings(s.settings)]));

  const outcomes = rows.map((row) => {
    const at = row.step1DueAt;
    const checkout = checkoutOf.get(`${row.shop}:${row.checkoutToken}`);
    const settings = settingsOf.get(row.shop) ?? cartRecoverySettings(null);
    const consent = checkout?.phone ? consentOf.get(`${row.shop}:${checkout.phone}`) : undefined;
    const ordered =
      orders.some((o) => o.shop === row.shop && o.checkoutToken === row.checkoutToken && o.createdAt <= at) ||
      (checkout?.completedAt != null && checkout.completedAt <= at) ||
      (row.closedReason === "order_placed" && row.closedAt !== null && row.closedAt <= at);
    const facts: Step1Facts = {
      ordered,
      deleted: row.closedReason === "checkout_deleted" || (checkout?.deletedAt != null && checkout.deletedAt <= at),
      contactable: Boolean(checkout?.phone),
      consentState: consent ? consentStateAt(consent.state, eventsOf.get(consent.id) ?? [], at) : null,
      bucket: row.bucket,
      holdoutPercent: settings.holdoutPercent,
      enabled: settings.enabled,
    };
    return { row, facts, ...decideStep1(facts) };
  });

  // A few bulk statements per batch, each its own short write: other writers (the webhook routes) wait for one
  // statement, never for the whole batch. Rows with the same outcome are written together. The reminders go first:
  // should the process stop in between, the row is still undecided and the next run decides it the same way
  // (the facts are as of step-1 time), finding nothing left to cancel.
  const sameOutcome = new Map<string, typeof outcomes>();
  for (const o of outcomes) {
    const key = JSON.stringify([o.decision, o.facts.contactable, o.facts.consentState, o.holdout, o.facts.holdoutPercent]);
    sameOutcome.set(key, [...(sameOutcome.get(key) ?? []), o]);
  }
  for (const group of sameOutcome.values()) {
    const [{ decision, facts, holdout }] = group;
    if (decision !== "remind") await cancelRemindersOf(db, group.map((o) => o.row), CANCEL_REASON[decision], now);
    // Conditional on decidedAt: a row decided meanwhile (the gate, another worker) keeps its decision. Decided, the
    // checkout counts in the figures: its outcome columns are written with the decision.
    const count = await inTransaction(db, async (tx) => {
      const { count } = await tx.cartRecovery.updateMany({
        where: { id: { in: group.map((o) => o.row.id) }, decidedAt: null },
        data: { decidedAt: now, decision, contactable: facts.contactable, consentState: facts.consentState, holdout, holdoutPercent: facts.holdoutPercent, updatedAt: now },
      });
      for (const [shop, rows] of byShop(group.map((o) => o.row))) await recordCheckoutOutcomes(tx, shop, rows.map((r) => r.checkoutToken));
      return count;
    });
    decided.set(decision, (decided.get(decision) ?? 0) + count);
  }
  return decided;
}

/** Cancels the SCHEDULED reminders of these checkouts in bulk, each with its event (status and events in one transaction). */
async function cancelRemindersOf(db: DbTx | Db, checkouts: { shop: string; checkoutToken: string }[], reason: string, now: Date): Promise<void> {
  for (const [shop, rows] of byShop(checkouts)) {
    await inTransaction(db, async (tx) => {
      const cancelled = await tx.message.updateManyAndReturn({
        where: { shop, flow: CART_RECOVERY_FLOW, checkoutToken: { in: rows.map((r) => r.checkoutToken) }, status: "SCHEDULED" },
        data: { status: "CANCELLED", statusReason: reason },
        select: { id: true },
      });
      if (cancelled.length === 0) return;
      await rollupMessagesMoved(tx, cancelled.map((c) => c.id), "SCHEDULED", "CANCELLED");
      const event = { status: "CANCELLED", reason: eventReason(reason, cancelSentence(reason)), source: "planner", at: now };
      await tx.messageEvent.createMany({ data: cancelled.map(({ id }) => ({ messageId: id, ...event })) });
    });
  }
}

/** The send-time path: decides one checkout if its step-1 time has come and nobody decided it yet; returns its row. */
export async function ensureDecided(db: DbTx | Db, shop: string, checkoutToken: string, now: Date): Promise<CartRecovery | null> {
  const row = await db.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop, checkoutToken } } });
  if (!row || row.decidedAt !== null || row.step1DueAt > now) return row;
  await decideRows(db, [row], now);
  return db.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop, checkoutToken } } });
}

export interface SchedulerOptions {
  /** Rows decided per call of decideRows: a few short write transactions, so webhook writes never queue behind a long one. */
  batchSize?: number;
  /** Batches per call. */
  maxBatches?: number;
}

export interface SchedulerCounts {
  decided: number;
  byDecision: Partial<Record<Step1Decision, number>>;
  batches: number;
  /** The paced scheduler gave its batch up: another writer held the database. */
  contended?: boolean;
  /** The paced scheduler rested: Shopify deliveries were coming in. */
  gaveWay?: boolean;
}

/** Decides every checkout whose step-1 time has come (up to maxBatches × batchSize of them). */
export async function runCartRecoveryScheduler(db: Db, clock: Clock, options: SchedulerOptions = {}): Promise<SchedulerCounts> {
  const { batchSize = 200, maxBatches = Number.POSITIVE_INFINITY } = options;
  const counts: SchedulerCounts = { decided: 0, byDecision: {}, batches: 0 };
  while (counts.batches < maxBatches) {
    const now = clock.now();
    const due = await db.cartRecovery.findMany({ where: { decidedAt: null, step1DueAt: { lte: now } }, orderBy: [{ step1DueAt: "asc" }, { id: "asc" }], take: batchSize });
    if (due.length === 0) break;
    const decided = await decideRows(db, due, now);
    const total = [...decided.values()].reduce((a, b) => a + b, 0);
    counts.batches += 1;
    counts.decided += total;
    for (const [decision, n] of decided) counts.byDecision[decision] = (counts.byDecision[decision] ?? 0) + n;
    // Rows decided by someone else in the meantime make no progress here: stop rather than spin.
    if (total === 0 || due.length < batchSize) break;
  }
  return counts;
}

/** How the worker runs the scheduler: data, shared with npm run bench:fanout, which measures it. */
export interface CartRecoverySchedulerPolicy {
  /** Checkouts decided per batch; one batch per call. */
  batchSize: number;
  /** Share of the time spent working (0–1]: after a batch that took t ms, the next call before t · (1/share − 1) ms does nothing. */
  workShare: number;
  /** A Shopify delivery stored less than this long ago (ms): the call gives way to the webhook routes and rests as long. */
  giveWayAfterWebhookMs: number;
  /** The longest it gives way (ms): a store with steady traffic still gets a batch decided this often. */
  maxGiveWayMs: number;
}

// Background work: a reminder that comes due gets its checkout decided by the send-time gate anyway, so the
// scheduler leaves nearly all of the CPU and SQLite's one write lock to the webhook routes: it works a tenth of the
// time, in batches of 50 (each write short; 200 held the lock long enough to show in the route's p99), and not at all
// while deliveries are coming in, except for one batch every 5 s (npm run bench:fanout measures this).
export const defaultCartRecoverySchedulerPolicy: CartRecoverySchedulerPolicy = { batchSize: 50, workShare: 0.1, giveWayAfterWebhookMs: 250, maxGiveWayMs: 5_000 };

/**
 * The scheduler paced for the worker's rounds: one batch per call, then rest (calls return at once) for as long as
 * the policy requires. Resting here rather than sleeping keeps the round going, so dispatching never waits for it.
 */
export function pacedCartRecoveryScheduler(
  db: Db,
  clock: Clock,
  policy: CartRecoverySchedulerPolicy = defaultCartRecoverySchedulerPolicy,
  monotonicMs: () => number = () => performance.now(),
): () => Promise<SchedulerCounts> {
  let restUntil = Number.NEGATIVE_INFINITY;
  let lastBatchAt: number | null = null;
  const share = Math.min(1, Math.max(0.01, policy.workShare));
  const nothing = (extra: Partial<SchedulerCounts> = {}): SchedulerCounts => ({ decided: 0, byDecision: {}, batches: 0, ...extra });
  return async () => {
    const started = monotonicMs();
    if (started < restUntil) return nothing();
    lastBatchAt ??= started;
    if (started - lastBatchAt < policy.maxGiveWayMs) {
      const lastDelivery = await lastShopifyEventReceivedAt(db);
      if (lastDelivery && clock.now().getTime() - lastDelivery.getTime() < policy.giveWayAfterWebhookMs) {
        restUntil = started + policy.giveWayAfterWebhookMs;
        return nothing({ gaveWay: true });
      }
    }
    // Another writer in the way (a burst of webhooks): the batch is left undecided for a later call, which decides it
    // the same way (the facts are as of step-1 time). Background work never stops the worker.
    const counts = await runCartRecoveryScheduler(db, clock, { batchSize: policy.batchSize, maxBatches: 1 }).catch((error: unknown) => {
      if (isContention(error)) return nothing({ contended: true });
      throw error;
    });
    const finished = monotonicMs();
    lastBatchAt = finished;
    restUntil = finished + (finished - started) * (1 / share - 1);
    return counts;
  };
}

/** When the scheduler has work next (the earliest undecided step-1 time), for loops in virtual time. */
export async function nextStep1DueAt(db: DbTx, shop?: string): Promise<Date | null> {
  const next = await db.cartRecovery.findFirst({ where: { decidedAt: null, ...(shop ? { shop } : {}) }, orderBy: { step1DueAt: "asc" }, select: { step1DueAt: true } });
  return next?.step1DueAt ?? null;
}
