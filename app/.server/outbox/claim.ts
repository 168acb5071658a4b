// Claiming due messages: SCHEDULED → SENDING with a lease. Each row is taken with a conditional update on
// its status, so of two workers racing for a row exactly one wins, on SQLite and PostgreSQL alike.
// (A later issue adds FOR UPDATE SKIP LOCKED on PostgreSQL so racing workers stop colliding at all.)
import type { Message } from "@prisma/client";
import type { Db } from "../db";
import { eventReason, isContention, transitionMessage } from "./events";

export interface ClaimOptions {
  now: Date;
  workerId: string;
  limit: number;
  leaseMs: number;
}

/** Claims up to `limit` due messages, oldest sendAfter first, and returns the claimed rows (now SENDING). */
export async function claimDueMessages(db: Db, { now, workerId, limit, leaseMs }: ClaimOptions): Promise<Message[]> {
  if (limit <= 0) return [];
  const due = await db.message.findMany({
    where: { status: "SCHEDULED", sendAfter: { lte: now } },
    orderBy: [{ sendAfter: "asc" }, { createdAt: "asc" }, { id: "asc" }],
    take: limit,
    select: { id: true },
  });
  const claimedUntil = new Date(now.getTime() + leaseMs);
  const claimedIds: string[] = [];
  for (const { id } of due) {
    const claimed = await transitionMessage(
      db,
      // sendAfter is checked again: another worker may have deferred the row since we read it.
      { id, status: "SCHEDULED", sendAfter: { lte: now } },
      { claimedBy: workerId, claimedUntil },
      { status: "SENDING", reason: eventReason("claimed", `Claimed by worker ${workerId} until ${claimedUntil.toISOString()}.`), source: "worker", at: now },
    ).catch((error: unknown) => {
      // Still contended after retries: leave the row SCHEDULED for a later round rather than fail the whole claim.
      if (isContention(error)) return false;
      throw error;
    });
    if (claimed) claimedIds.push(id);
  }
  if (claimedIds.length === 0) return [];
  const rows = await db.message.findMany({ where: { id: { in: claimedIds }, status: "SENDING", claimedBy: workerId } });
  const order = new Map(claimedIds.map((id, index) => [id, index]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}
