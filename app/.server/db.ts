import { PrismaClient } from "@prisma/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

export type Db = PrismaClient;
/** A transaction handle or the client itself: domain functions accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:/.test(url);
}

/** The one place that turns a DATABASE_URL into a Prisma client (SQLite via libsql, or PostgreSQL). */
export function createDb(url: string): Db {
  const adapter = isPostgresUrl(url) ? new PrismaPg({ connectionString: url }) : new PrismaLibSQL({ url });
  return new PrismaClient({ adapter });
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
