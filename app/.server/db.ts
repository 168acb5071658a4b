import { PrismaClient } from "@prisma/client";
import { PrismaPg } from "@prisma/adapter-pg";
import type { ArgType, SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaNodeSqlite } from "./sqlite-adapter";

export type Db = PrismaClient;
/** A transaction handle or the client itself: domain functions accept either. */
export type DbTx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:/.test(url);
}

/** Whether the client was generated for PostgreSQL (the suite regenerates it per provider). */
export function isPostgresClient(db: Db): boolean {
  return (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql";
}

/** The driver adapter each client connected through (createDb), for `executeDirect`. */
const connectedAdapters = new WeakMap<Db, () => SqlDriverAdapter | undefined>();

/**
 * The one place that turns a DATABASE_URL into a Prisma client: PostgreSQL, or SQLite through Node's built-in
 * node:sqlite (several processes may write one file; decision 005).
 */
export function createDb(url: string): Db {
  const factory: SqlDriverAdapterFactory = isPostgresUrl(url) ? new PrismaPg({ connectionString: url }) : new PrismaNodeSqlite({ url });
  let connected: SqlDriverAdapter | undefined;
  // The same factory, remembering the adapter Prisma connects through, for `executeDirect`.
  const remembering: SqlDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => (connected = await factory.connect()),
  };
  const db = new PrismaClient({ adapter: remembering });
  connectedAdapters.set(db, () => connected);
  return db;
}

/** A statement's SQL per provider (placeholders `?` on SQLite, `$1`… on PostgreSQL) and its arguments. */
export interface DirectStatement {
  sqlite: string;
  postgresql: string;
  args: (string | number | Date | null)[];
}

function argType(arg: DirectStatement["args"][number]): ArgType {
  return { scalarType: arg instanceof Date ? "datetime" : typeof arg === "number" ? "float" : "string", arity: "scalar" };
}

/**
 * Runs one write on the connection Prisma uses (same lock, same pool), without Prisma's query compiler and request
 * pipeline, which cost more than the statement for a single insert on a hot path (decision 012). Returns the number of
 * rows changed. Before Prisma has connected, or for a client not made by createDb, it goes through $executeRawUnsafe.
 * Errors are the driver adapter's (not PrismaClientKnownRequestError).
 */
export async function executeDirect(db: Db, statement: DirectStatement): Promise<number> {
  const postgres = isPostgresClient(db);
  const sql = postgres ? statement.postgresql : statement.sqlite;
  const adapter = connectedAdapters.get(db)?.();
  if (!adapter) return db.$executeRawUnsafe(sql, ...statement.args);
  return adapter.executeRaw({ sql, args: statement.args, argTypes: statement.args.map(argType) });
}

/**
 * Whether a database error means "another writer was in the way": SQLite busy (P1008; the SQLite adapter reports
 * it only after waiting up to 5 s for the lock), an interactive transaction that could not begin within Prisma's
 * maxWait or ran out of its time and was rolled back (P2028), or a PostgreSQL write conflict / deadlock (P2034).
 * The statement or transaction did not happen and may be tried again.
 */
export function isContention(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "P1008" || code === "P2028" || code === "P2034";
}

/**
 * Whether a Prisma call failed on a unique constraint (P2002, on SQLite and PostgreSQL alike): another writer
 * created the same row first. Not for `executeDirect`, whose errors are the driver adapter's.
 */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
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
