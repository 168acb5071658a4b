// Claiming due messages: SCHEDULED → SENDING with a lease, and a "claimed" MessageEvent per row, in one transaction.
// PostgreSQL: one statement selects the due rows FOR UPDATE SKIP LOCKED, marks them and appends their events, so
// M workers take disjoint batches without waiting for each other. SQLite (one writer at a time anyway): one
// conditional UPDATE takes the due rows, so of two workers racing for a row exactly one wins, and one INSERT appends
// their events. Raw SQL because the claim runs every round on the worker's hot path (issue #8): the claimed rows come
// back from the UPDATE itself (RETURNING, SQLite ≥ 3.35), instead of being read again through Prisma's slower path.
import { Prisma, type Message } from "@prisma/client";
import { isPostgresClient, type Db } from "../db";
import { eventReason, isContention, retryOnContention } from "./events";

export interface ClaimOptions {
  now: Date;
  workerId: string;
  limit: number;
  leaseMs: number;
}

/** Claims up to `limit` due messages, oldest sendAfter first, and returns the claimed rows (now SENDING). */
export async function claimDueMessages(db: Db, { now, workerId, limit, leaseMs }: ClaimOptions): Promise<Message[]> {
  if (limit <= 0) return [];
  const claimedUntil = new Date(now.getTime() + leaseMs);
  const reason = eventReason("claimed", `Claimed by worker ${workerId} until ${claimedUntil.toISOString()}.`);
  const due = Prisma.sql`SELECT "id" FROM "Message"
    WHERE "status" = 'SCHEDULED' AND "sendAfter" <= ${now}
    ORDER BY "sendAfter" ASC, "createdAt" ASC, "id" ASC
    LIMIT ${limit}`;
  const claim = Prisma.sql`"status" = 'SENDING', "claimedBy" = ${workerId}, "claimedUntil" = ${claimedUntil}, "sendStartedAt" = NULL`;
  const rows = await retryOnContention(() =>
    isPostgresClient(db)
      ? db.$queryRaw<Message[]>`
          WITH due AS (${due} FOR UPDATE SKIP LOCKED),
          claimed AS (UPDATE "Message" AS m SET ${claim} FROM due WHERE m."id" = due."id" RETURNING m.*),
          logged AS (
            INSERT INTO "MessageEvent" ("messageId", "status", "reason", "source", "at")
            SELECT "id", 'SENDING', ${reason}, 'worker', ${now} FROM claimed
          )
          SELECT * FROM claimed`
      : db.$transaction(async (tx) => {
          const claimed = await tx.$queryRaw<Message[]>`UPDATE "Message" SET ${claim} WHERE "id" IN (${due}) RETURNING *`;
          if (claimed.length > 0) {
            await tx.$executeRaw`INSERT INTO "MessageEvent" ("messageId", "status", "reason", "source", "at")
              SELECT "id", 'SENDING', ${reason}, 'worker', ${now} FROM "Message" WHERE "id" IN (${Prisma.join(claimed.map((row) => row.id))})`;
          }
          return claimed;
        }),
  ).catch((error: unknown) => {
    // Still contended after retries: the rows stay SCHEDULED for a later round rather than fail the worker's loop.
    if (isContention(error)) return [];
    throw error;
  });
  return rows.sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
}
