// Claiming due messages: SCHEDULED → SENDING with a lease, and a "claimed" MessageEvent per row.
// PostgreSQL: one statement selects the due rows FOR UPDATE SKIP LOCKED, marks them and appends their events, so
// M workers take disjoint batches without waiting for each other. SQLite (one writer at a time anyway): each row is
// taken with a conditional update on its status, so of two workers racing for a row exactly one wins.
import { Prisma, type Message } from "@prisma/client";
import { isPostgresClient, type Db } from "../db";
import { eventReason, isContention, retryOnContention, transitionMessage } from "./events";

export interface ClaimOptions {
  now: Date;
  workerId: string;
  limit: number;
  leaseMs: number;
}

/** Claims up to `limit` due messages, oldest sendAfter first, and returns the claimed rows (now SENDING). */
export async function claimDueMessages(db: Db, { now, workerId, limit, leaseMs }: ClaimOptions): Promise<Message[]> {
  if (limit <= 0) return [];
  const claimedIds = isPostgresClient(db)
    ? await claimSkipLocked(db, { now, workerId, limit, leaseMs })
    : await claimOneByOne(db, { now, workerId, limit, leaseMs });
  if (claimedIds.length === 0) return [];
  const rows = await db.message.findMany({ where: { id: { in: claimedIds }, status: "SENDING", claimedBy: workerId } });
  const order = new Map(claimedIds.map((id, index) => [id, index]));
  return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

async function claimSkipLocked(db: Db, { now, workerId, limit, leaseMs }: ClaimOptions): Promise<string[]> {
  const claimedUntil = new Date(now.getTime() + leaseMs);
  const reason = eventReason("claimed", `Claimed by worker ${workerId} until ${claimedUntil.toISOString()}.`);
  const rows = await retryOnContention(() =>
    db.$queryRaw<{ id: string; sendAfter: Date; createdAt: Date }[]>(Prisma.sql`
      WITH due AS (
        SELECT "id" FROM "Message"
        WHERE "status" = 'SCHEDULED' AND "sendAfter" <= ${now}
        ORDER BY "sendAfter" ASC, "createdAt" ASC, "id" ASC
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ), claimed AS (
        UPDATE "Message" AS m SET "status" = 'SENDING', "claimedBy" = ${workerId}, "claimedUntil" = ${claimedUntil},
          "sendStartedAt" = NULL
        FROM due WHERE m."id" = due."id"
        RETURNING m."id", m."sendAfter", m."createdAt"
      ), logged AS (
        INSERT INTO "MessageEvent" ("messageId", "status", "reason", "source", "at")
        SELECT "id", 'SENDING', ${reason}, 'worker', ${now} FROM claimed
      )
      SELECT "id", "sendAfter", "createdAt" FROM claimed`),
  );
  return rows
    .sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1))
    .map((row) => row.id);
}

async function claimOneByOne(db: Db, { now, workerId, limit, leaseMs }: ClaimOptions): Promise<string[]> {
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
      { claimedBy: workerId, claimedUntil, sendStartedAt: null },
      { status: "SENDING", reason: eventReason("claimed", `Claimed by worker ${workerId} until ${claimedUntil.toISOString()}.`), source: "worker", at: now },
    ).catch((error: unknown) => {
      // Still contended after retries: leave the row SCHEDULED for a later round rather than fail the whole claim.
      if (isContention(error)) return false;
      throw error;
    });
    if (claimed) claimedIds.push(id);
  }
  return claimedIds;
}
