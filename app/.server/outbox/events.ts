// Shared helpers for writing a message's status together with its MessageEvent.
import type { Prisma } from "@prisma/client";
import type { Db } from "../db";
import { isContention, retryOnContention } from "../db";
import { rollupMessagesMoved } from "../analytics/rollups";
export { isContention, retryOnContention };

export type MessageStatus = "SCHEDULED" | "SENDING" | "SENT" | "DELIVERED" | "READ" | "FAILED" | "SKIPPED" | "CANCELLED";

export type EventSource = "planner" | "worker" | "webhook";

export interface StatusEvent {
  status: MessageStatus;
  /** "<snake_case code>: <readable sentence>", or Meta's readable reason. */
  reason: string | null;
  errorCode?: number | null;
  source: EventSource;
  at: Date;
}

/** The text stored in MessageEvent.reason: the code for machines, the sentence for people. */
export function eventReason(code: string, sentence: string): string {
  return `${code}: ${sentence}`;
}

/**
 * Updates one message only if it is still in `where` (a conditional write, so concurrent actors never
 * overwrite each other), and appends its event in the same transaction. Returns whether it applied.
 */
export async function transitionMessage(
  db: Db,
  where: Prisma.MessageWhereInput & { id: string },
  data: Prisma.MessageUpdateManyMutationInput,
  event: StatusEvent,
): Promise<boolean> {
  return retryOnContention(() =>
    db.$transaction(async (tx) => {
      const { count } = await tx.message.updateMany({ where, data: { ...data, status: event.status } });
      if (count !== 1) return false;
      await tx.messageEvent.create({
        data: { messageId: where.id, status: event.status, reason: event.reason, errorCode: event.errorCode ?? null, source: event.source, at: event.at },
      });
      if (typeof where.status === "string") await rollupMessagesMoved(tx, [where.id], where.status, event.status);
      return true;
    }),
  );
}
