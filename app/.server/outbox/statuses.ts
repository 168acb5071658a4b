// Meta's status webhooks (sent / delivered / read / failed) applied to the outbox in bulk and idempotently.
// Meta batches up to 1,000 updates per POST, redelivers for days and does not keep them in order, so:
// read everything in two queries, plan the changes in memory, write them grouped, and only move forward.
import type { Prisma } from "@prisma/client";
import type { Clock } from "../clock";
import { isUniqueViolation, type Db } from "../db";
import type { ShopFilter } from "../inbound/shop-scope";
import type { DeliveryStatus, StatusUpdate } from "../whatsapp/types";
import { eventReason, isContention, type MessageStatus } from "./events";
import { rollupMessageRowsMoved } from "../analytics/rollups";

export interface StatusApplyCounts {
  /** Updates that changed a message (each appended one MessageEvent). */
  applied: number;
  /** Updates for known messages that changed nothing: duplicates, late or out-of-order arrivals. */
  unchanged: number;
  /** Updates for messages we do not know. */
  unknown: number;
}

const trackedFields = {
  id: true, status: true, statusReason: true, waMessageId: true, errorCode: true,
  sentAt: true, deliveredAt: true, readAt: true, failedAt: true,
  shop: true, flow: true, createdAt: true, orderId: true, to: true, category: true, checkoutToken: true, // for the rollups
} as const satisfies Prisma.MessageSelect;

export type TrackedMessage = Prisma.MessageGetPayload<{ select: typeof trackedFields }>;

export interface PlannedEvent {
  messageId: string;
  status: MessageStatus;
  reason: string | null;
  errorCode: number | null;
  at: Date;
}

export interface PlannedChange {
  id: string;
  /** The row must still be in this state when written (optimistic concurrency). */
  fromStatus: string;
  /** The row had no waMessageId and is matched through biz_opaque_callback_data. */
  reconciled: boolean;
  data: Prisma.MessageUpdateManyMutationInput;
}

export interface StatusPlan {
  changes: PlannedChange[];
  events: PlannedEvent[];
  counts: StatusApplyCounts;
}

// Order of application within one message, so a batch holding several updates for it ends in the right state.
const UPDATE_ORDER: Record<DeliveryStatus, number> = { sent: 1, failed: 1.5, delivered: 2, read: 3 };
const PROGRESS: Partial<Record<string, number>> = { SCHEDULED: 0, SENDING: 0, SENT: 1, DELIVERED: 2, READ: 3 };
const STATUS_OF: Record<Exclude<DeliveryStatus, "failed">, MessageStatus> = { sent: "SENT", delivered: "DELIVERED", read: "READ" };

/**
 * Rows a webhook may reconcile through our id when they have no waMessageId yet: SENDING (the worker died after
 * the call), SCHEDULED (a network error that Meta had in fact accepted) and FAILED with unknown_outcome (the
 * lease reconciliation gave up before the webhook came).
 */
function reconcilableWhere(): Prisma.MessageWhereInput {
  return {
    waMessageId: null,
    OR: [{ status: { in: ["SENDING", "SCHEDULED"] } }, { status: "FAILED", statusReason: "unknown_outcome" }],
  };
}

function progressOf(row: Pick<TrackedMessage, "status" | "statusReason">): number | undefined {
  if (row.status === "FAILED" && row.statusReason === "unknown_outcome") return 0;
  return PROGRESS[row.status];
}

function failureReason(update: StatusUpdate): { code: number | null; reason: string } {
  const first = update.errors[0];
  if (!first) return { code: null, reason: "Meta reported the message as failed without details." };
  return { code: first.code, reason: first.details && first.details !== first.title ? `${first.title}: ${first.details}` : first.title };
}

/** Pure: what the updates do to the given rows. `byWaMessageId` rows are known; `byOwnId` are reconcilable rows. */
export function planStatusChanges(
  byWaMessageId: TrackedMessage[],
  byOwnId: TrackedMessage[],
  updates: StatusUpdate[],
  fallbackNow: Date,
): StatusPlan {
  const counts: StatusApplyCounts = { applied: 0, unchanged: 0, unknown: 0 };
  const known = new Map(byWaMessageId.map((row) => [row.waMessageId!, row]));
  const reconcilable = new Map(byOwnId.map((row) => [row.id, row]));

  // Group the updates per message, in application order.
  const perMessage = new Map<string, { row: TrackedMessage; updates: StatusUpdate[] }>();
  for (const update of updates) {
    const row = known.get(update.waMessageId)
      ?? (update.bizOpaqueCallbackData !== undefined ? reconcilable.get(update.bizOpaqueCallbackData) : undefined);
    if (!row) {
      counts.unknown += 1;
      continue;
    }
    const entry = perMessage.get(row.id) ?? { row, updates: [] };
    entry.updates.push(update);
    perMessage.set(row.id, entry);
  }

  const changes: PlannedChange[] = [];
  const events: PlannedEvent[] = [];
  for (const { row, updates: rowUpdates } of perMessage.values()) {
    rowUpdates.sort((a, b) => UPDATE_ORDER[a.status] - UPDATE_ORDER[b.status] || a.timestamp.getTime() - b.timestamp.getTime());
    const state = { ...row };
    const data: Prisma.MessageUpdateManyMutationInput = {};
    const reconciled = row.waMessageId === null;

    for (const update of rowUpdates) {
      // Two different wamids for one of our ids: only the first one is this row's.
      if (state.waMessageId !== null && state.waMessageId !== update.waMessageId) {
        counts.unknown += 1;
        continue;
      }
      const at = Number.isNaN(update.timestamp.getTime()) ? fallbackNow : update.timestamp;
      const progress = progressOf(state);
      let event: PlannedEvent | null = null;

      if (update.status === "failed") {
        if (state.status === "SENDING" || state.status === "SENT") {
          const { code, reason } = failureReason(update);
          Object.assign(state, { status: "FAILED", errorCode: code, statusReason: reason, failedAt: at });
          Object.assign(data, { status: "FAILED", errorCode: code, statusReason: reason, failedAt: at });
          event = { messageId: row.id, status: "FAILED", reason, errorCode: code, at };
        }
      } else {
        const target = { sent: 1, delivered: 2, read: 3 }[update.status];
        if (progress !== undefined && progress < target) {
          const status = STATUS_OF[update.status];
          const stamps: Partial<TrackedMessage> = { status };
          // Meta skips `delivered` when a message is read at once (delivered is implied), and `sent` can be late.
          if (state.sentAt === null) stamps.sentAt = at;
          if (target >= 2 && state.deliveredAt === null) stamps.deliveredAt = at;
          if (target === 3) stamps.readAt = at;
          if (state.status === "FAILED") Object.assign(stamps, { failedAt: null, errorCode: null, statusReason: null });
          Object.assign(state, stamps);
          Object.assign(data, stamps);
          event = { messageId: row.id, status, reason: null, errorCode: null, at };
        }
      }

      if (!event) {
        counts.unchanged += 1;
        continue;
      }
      if (state.waMessageId === null) {
        state.waMessageId = update.waMessageId;
        Object.assign(data, { waMessageId: update.waMessageId, claimedBy: null, claimedUntil: null });
        event.reason = eventReason(
          "reconciled",
          `Matched through biz_opaque_callback_data: the ${row.status} message had been accepted by Meta without the worker recording it.`,
        );
      }
      counts.applied += 1;
      events.push(event);
    }

    if (Object.keys(data).length > 0) changes.push({ id: row.id, fromStatus: row.status, reconciled, data });
  }
  return { changes, events, counts };
}

class ConcurrentChange extends Error {}

const MAX_TRIES = 5;

/**
 * `shops` limits the messages the updates may match to the shops of the receiving number (inbound/shop-scope.ts);
 * a status for another shop's message counts as unknown. Without it every shop's messages match.
 */
export async function applyStatusUpdates(db: Db, clock: Clock, updates: StatusUpdate[], shops?: ShopFilter): Promise<StatusApplyCounts> {
  if (updates.length === 0) return { applied: 0, unchanged: 0, unknown: 0 };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await applyOnce(db, clock, updates, shops);
    } catch (error) {
      // Another webhook delivery or the worker changed one of the rows between our read and our write (a unique
      // violation: the worker recorded the same waMessageId meanwhile).
      const retryable = error instanceof ConcurrentChange || isContention(error) || isUniqueViolation(error);
      if (!retryable || attempt >= MAX_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 10));
    }
  }
}

async function applyOnce(db: Db, clock: Clock, updates: StatusUpdate[], shops: ShopFilter | undefined): Promise<StatusApplyCounts> {
  const inScope: Prisma.MessageWhereInput = shops ? { shop: shops } : {};
  const waMessageIds = [...new Set(updates.map((u) => u.waMessageId))];
  const byWaMessageId = await db.message.findMany({ where: { waMessageId: { in: waMessageIds }, ...inScope }, select: trackedFields });

  const matched = new Set(byWaMessageId.map((row) => row.waMessageId));
  const ownIds = [...new Set(updates.filter((u) => !matched.has(u.waMessageId) && u.bizOpaqueCallbackData).map((u) => u.bizOpaqueCallbackData!))];
  const byOwnId = ownIds.length === 0
    ? []
    : await db.message.findMany({ where: { id: { in: ownIds }, ...reconcilableWhere(), ...inScope }, select: trackedFields });

  const plan = planStatusChanges(byWaMessageId, byOwnId, updates, clock.now());
  const rowsById = new Map([...byWaMessageId, ...byOwnId].map((row) => [row.id, row]));
  if (plan.changes.length === 0) return plan.counts;

  // Rows that change the same way (same status, same webhook second) are written with one statement.
  const groups = new Map<string, { where: Prisma.MessageWhereInput; data: Prisma.MessageUpdateManyMutationInput; ids: string[] }>();
  for (const change of plan.changes) {
    const key = JSON.stringify([change.fromStatus, change.reconciled, change.data]);
    const group = groups.get(key)
      ?? { where: { status: change.fromStatus, ...(change.reconciled ? { waMessageId: null } : {}) }, data: change.data, ids: [] };
    group.ids.push(change.id);
    groups.set(key, group);
  }

  await db.$transaction(async (tx) => {
    for (const group of groups.values()) {
      const { count } = await tx.message.updateMany({ where: { ...group.where, id: { in: group.ids } }, data: group.data });
      if (count !== group.ids.length) throw new ConcurrentChange();
    }
    await rollupMessageRowsMoved(tx, plan.changes.map((c) => ({ facts: rowsById.get(c.id)!, from: c.fromStatus, to: c.data.status as string | undefined })));
    await tx.messageEvent.createMany({ data: plan.events.map((e) => ({ ...e, source: "webhook" })) });
  }, { maxWait: 10_000, timeout: 30_000 });
  return plan.counts;
}
