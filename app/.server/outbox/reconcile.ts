// SENDING rows whose worker vanished. Never handed to Meta (no sendStartedAt): back in the queue as soon as the lease
// runs out. Handed to Meta: once the lease ran out long ago and no status webhook has moved the row, we cannot know
// whether Meta accepted the call, so the message is failed, never resent: a duplicate is worse than a gap.
// (A webhook that still arrives later revives it: statuses.ts matches it through biz_opaque_callback_data.)
import type { Clock } from "../clock";
import type { Db } from "../db";
import { eventReason, transitionMessage } from "./events";
import type { OutboxPolicy } from "./policy";

export const UNKNOWN_OUTCOME = "unknown_outcome";

export async function reconcileExpiredLeases(
  db: Db,
  clock: Clock,
  policy: Pick<OutboxPolicy, "reconcileAfterMs" | "batchSize">,
): Promise<{ failed: number; released: number }> {
  const now = clock.now();
  const released = await releaseUncalled(db, now, policy.batchSize);
  const cutoff = new Date(now.getTime() - policy.reconcileAfterMs);
  const stale = await db.message.findMany({
    where: { status: "SENDING", claimedUntil: { lt: cutoff }, sendStartedAt: { not: null } },
    orderBy: { claimedUntil: "asc" },
    take: policy.batchSize,
    select: { id: true, claimedBy: true },
  });
  let failed = 0;
  for (const row of stale) {
    const applied = await transitionMessage(
      db,
      { id: row.id, status: "SENDING", claimedUntil: { lt: cutoff }, sendStartedAt: { not: null } },
      { statusReason: UNKNOWN_OUTCOME, failedAt: now, claimedUntil: null },
      {
        status: "FAILED",
        reason: eventReason(
          UNKNOWN_OUTCOME,
          `Worker ${row.claimedBy ?? "?"} stopped during the send call and no status webhook arrived; not resent, so it is never sent twice.`,
        ),
        source: "worker",
        at: now,
      },
    );
    if (applied) failed += 1;
  }
  return { failed, released };
}

async function releaseUncalled(db: Db, now: Date, batchSize: number): Promise<number> {
  const expired = await db.message.findMany({
    where: { status: "SENDING", claimedUntil: { lt: now }, sendStartedAt: null },
    orderBy: { claimedUntil: "asc" },
    take: batchSize,
    select: { id: true, claimedBy: true },
  });
  let released = 0;
  for (const row of expired) {
    const applied = await transitionMessage(
      db,
      { id: row.id, status: "SENDING", claimedUntil: { lt: now }, sendStartedAt: null },
      { claimedBy: null, claimedUntil: null, sendAfter: now },
      {
        status: "SCHEDULED",
        reason: eventReason("released", `Worker ${row.claimedBy ?? "?"} stopped before calling Meta; back in the queue.`),
        source: "worker",
        at: now,
      },
    );
    if (applied) released += 1;
  }
  return released;
}
