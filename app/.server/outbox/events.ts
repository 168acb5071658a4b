// Shared helpers for writing a message's status together with its MessageEvent.
import type { Prisma } from "@prisma/client";
import type { Db } from "../db";

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
 * Whether a database error means "another writer was in the way": SQLite busy (the libsql adapter reports it as
 * P1008, and opens its connections without a busy timeout) or a PostgreSQL write conflict / deadlock (P2034).
 * The statement or transaction did not happen and may be tried again.
 */
export function isContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "P1008" || code === "P2034";
}

const CONTENTION_TRIES = 8;

export async function retryOnContention<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isContention(error) || attempt >= CONTENTION_TRIES) throw error;
      // Real time on purpose: this waits for another connection, not for anything in the (maybe virtual) domain.
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 10));
    }
  }
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
      return true;
    }),
  );
}
