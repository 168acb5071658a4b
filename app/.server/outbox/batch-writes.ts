// The writes of a dispatch round for many messages at once: concurrent sends share one statement (the send-started
// mark) or one transaction (the outcomes) instead of paying Prisma's per-query cost for each message (issue #8).
// Every message still waits for its own write: the mark is durable before its call, the outcome before its lane
// takes the next message, so what a killed worker leaves in doubt is what it did before (dispatch.ts).
import { Prisma, type Message } from "@prisma/client";
import type { Db } from "../db";
import { BUCKET_OF_STATUS, rollupMessageRowsMoved } from "../analytics/rollups";
import { retryOnContention, type StatusEvent } from "./events";

// Raw SQL from here on: these statements run several times per second per worker, and Prisma's query building costs
// a multiple of what SQLite or PostgreSQL spend on them (issue #8: ~1–2 ms per call against ~0.1–0.5 ms of SQL). They
// are plain SQL that SQLite (≥ 3.35, for RETURNING) and PostgreSQL run alike; rarer writes stay with Prisma.

/** Marks the given rows send-started while they are still SENDING and ours; returns the ids it marked. */
export async function markSendStartedMany(db: Db, workerId: string, ids: string[], at: Date): Promise<Set<string>> {
  const rows = await retryOnContention(() =>
    db.$queryRaw<{ id: string }[]>`UPDATE "Message" SET "sendStartedAt" = ${at}
      WHERE "id" IN (${Prisma.join(ids)}) AND "status" = 'SENDING' AND "claimedBy" = ${workerId} RETURNING "id"`,
  );
  return new Set(rows.map((row) => row.id));
}

/** A message leaving SENDING: accepted by Meta (`sent`), or the row's new data and status otherwise. */
export type LeaveSending =
  | { message: Message; sent: { waMessageId: string }; event: StatusEvent & { status: "SENT" } }
  | { message: Message; sent?: undefined; data: Prisma.MessageUpdateManyMutationInput; event: StatusEvent };

type Accepted = Extract<LeaveSending, { sent: object }>;

/**
 * Writes each outcome only if its row is still SENDING and ours (a conditional write, like transitionMessage), with
 * its MessageEvent and the rollups, all in one transaction. Accepted sends share one UPDATE; other outcomes with the
 * same data share one. Returns whether each one applied.
 */
export async function leaveSendingMany(db: Db, workerId: string, items: LeaveSending[]): Promise<boolean[]> {
  if (items.length === 0) return [];
  const accepted = items.filter((item): item is Accepted => item.sent !== undefined);
  const groups = new Map<string, { data: Prisma.MessageUpdateManyMutationInput; ids: string[] }>();
  for (const item of items) {
    if (item.sent) continue;
    const data = { ...item.data, claimedBy: null, claimedUntil: null, status: item.event.status };
    const key = JSON.stringify(data);
    const group = groups.get(key) ?? { data, ids: [] };
    group.ids.push(item.message.id);
    groups.set(key, group);
  }
  // One send time for the accepted sends of this write (the latest answer among them, milliseconds apart), on the row
  // and in its event: the UPDATE binds it once, as a per-row timestamp would need a CASE whose parameter types
  // PostgreSQL cannot infer.
  const sentAt = new Date(Math.max(0, ...accepted.map((item) => item.event.at.getTime())));
  return retryOnContention(() =>
    db.$transaction(async (tx) => {
      const applied = new Set<string>();
      if (accepted.length > 0) {
        const rows = await tx.$queryRaw<{ id: string }[]>`UPDATE "Message" SET "status" = 'SENT',
            "waMessageId" = CASE "id" ${Prisma.join(accepted.map((item) => Prisma.sql`WHEN ${item.message.id} THEN ${item.sent.waMessageId}`), " ")} END,
            "sentAt" = ${sentAt}, "attempts" = "attempts" + 1, "errorCode" = NULL, "statusReason" = NULL,
            "claimedBy" = NULL, "claimedUntil" = NULL
          WHERE "id" IN (${Prisma.join(accepted.map((item) => item.message.id))}) AND "status" = 'SENDING' AND "claimedBy" = ${workerId}
          RETURNING "id"`;
        for (const row of rows) applied.add(row.id);
      }
      for (const { data, ids } of groups.values()) {
        const rows = await tx.message.updateManyAndReturn({ where: { id: { in: ids }, status: "SENDING", claimedBy: workerId }, data, select: { id: true } });
        for (const row of rows) applied.add(row.id);
      }
      const done = items.filter((item) => applied.has(item.message.id));
      if (done.length > 0) {
        await tx.$executeRaw`INSERT INTO "MessageEvent" ("messageId", "status", "reason", "errorCode", "source", "at") VALUES ${Prisma.join(
          done.map(({ message, event, sent }) => Prisma.sql`(${message.id}, ${event.status}, ${event.reason}, ${event.errorCode ?? null}, ${event.source}, ${sent ? sentAt : event.at})`),
        )}`;
        // Back to SCHEDULED stays in the same figure: no rollup, no reminder outcome to recompute.
        const moved = done.filter(({ event }) => BUCKET_OF_STATUS[event.status] !== BUCKET_OF_STATUS.SENDING);
        await rollupMessageRowsMoved(tx, moved.map(({ message, event }) => ({ facts: message, from: "SENDING", to: event.status })));
      }
      return items.map((item) => applied.has(item.message.id));
    }),
  );
}
