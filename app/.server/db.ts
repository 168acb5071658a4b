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
