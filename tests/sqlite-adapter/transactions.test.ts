// The adapter's transaction contract, below Prisma: no transaction may leave the connection, or the file's
// write lock, behind — not after a failed COMMIT either (the libsql cascade of decision 005).
import { DatabaseSync } from "node:sqlite";
import type { SqlDriverAdapter, SqlQuery } from "@prisma/driver-adapter-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaNodeSqlite } from "~/.server/sqlite-adapter";
import { fileOf, onPostgres } from "./helpers";

const url = process.env.DATABASE_URL!;
const sql = (text: string, ...args: unknown[]): SqlQuery => ({ sql: text, args, argTypes: args.map(() => ({ scalarType: "unknown", arity: "scalar" })) });
const orphanEvent = sql(
  `INSERT INTO "ConsentEvent" (consentId, shop, fromState, toState, source, evidence, at) VALUES ('missing', 's', 'A', 'B', 'test', '{}', '2026-01-01T00:00:00.000+00:00')`,
);
const countEvents = sql(`SELECT count(*) AS n FROM "ConsentEvent"`);

/** Whether another connection could take the write lock right now (timeout 0: it does not wait). */
function writeLockIsFree(): boolean {
  const other = new DatabaseSync(fileOf(url), { timeout: 0 });
  try {
    other.exec("BEGIN IMMEDIATE");
    other.exec("ROLLBACK");
    return true;
  } catch {
    return false;
  } finally {
    other.close();
  }
}

describe.skipIf(onPostgres)("node:sqlite adapter transactions", () => {
  let adapter: SqlDriverAdapter;
  beforeAll(async () => {
    adapter = await new PrismaNodeSqlite({ url }).connect();
  });
  afterAll(() => adapter.dispose());

  it("takes the write lock at BEGIN (IMMEDIATE) and gives it back at COMMIT", async () => {
    expect(writeLockIsFree()).toBe(true);
    const tx = await adapter.startTransaction();
    expect(tx.options.usePhantomQuery).toBe(true);
    expect(writeLockIsFree()).toBe(false); // before any write
    await tx.commit();
    expect(writeLockIsFree()).toBe(true);
  });

  it("rolls back a transaction whose COMMIT failed and frees the lock and the connection", async () => {
    const tx = await adapter.startTransaction();
    await tx.executeRaw(sql("PRAGMA defer_foreign_keys = ON")); // the foreign key is checked at COMMIT
    expect(await tx.executeRaw(orphanEvent)).toBe(1);
    await expect(tx.commit()).rejects.toMatchObject({ name: "DriverAdapterError", cause: { kind: "ForeignKeyConstraintViolation", originalCode: "787" } });

    expect(writeLockIsFree()).toBe(true);
    expect((await adapter.queryRaw(countEvents)).rows).toEqual([[0]]);
    const next = await adapter.startTransaction();
    await next.rollback();
  });

  it("refuses statements on a transaction that has ended", async () => {
    const tx = await adapter.startTransaction();
    await tx.rollback();
    await expect(tx.executeRaw(orphanEvent)).rejects.toMatchObject({ cause: { kind: "TransactionAlreadyClosed" } });
    await expect(tx.commit()).rejects.toMatchObject({ cause: { kind: "TransactionAlreadyClosed" } });
    await tx.rollback(); // twice is harmless
    expect((await adapter.queryRaw(countEvents)).rows).toEqual([[0]]);
  });

  it("keeps other statements of the process out of an open transaction until it ends", async () => {
    const tx = await adapter.startTransaction();
    const outside = adapter.queryRaw(countEvents);
    let outsideDone = false;
    void outside.then(() => (outsideDone = true));
    await tx.executeRaw(sql("PRAGMA defer_foreign_keys = ON"));
    await tx.executeRaw(orphanEvent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(outsideDone).toBe(false);
    await tx.rollback();
    expect((await outside).rows).toEqual([[0]]); // it never saw the uncommitted row
  });

  it("accepts only SERIALIZABLE as isolation level, like the libsql adapter", async () => {
    await expect(adapter.startTransaction("READ COMMITTED")).rejects.toMatchObject({ cause: { kind: "InvalidIsolationLevel" } });
    const tx = await adapter.startTransaction("SERIALIZABLE");
    await tx.rollback();
  });

  it("maps SQLite errors to the driver error kinds Prisma turns into P-codes", async () => {
    const errorOf = (query: SqlQuery) => adapter.queryRaw(query).then(() => undefined, (e: { cause: unknown }) => e.cause);
    expect(await errorOf(sql(`SELECT * FROM "Nope"`))).toMatchObject({ kind: "TableDoesNotExist", table: "Nope" });
    expect(await errorOf(sql(`SELECT nope FROM "Shop"`))).toMatchObject({ kind: "ColumnNotFound", column: "nope" });
    expect(await errorOf(sql(`INSERT INTO "Shop" (domain, country) VALUES ('x', NULL)`))).toMatchObject({
      kind: "NullConstraintViolation", constraint: { fields: ["country"] }, originalCode: "1299",
      originalMessage: "SQLITE_CONSTRAINT_NOTNULL: NOT NULL constraint failed: Shop.country",
    });
    expect(await errorOf(sql(`SELEC 1`))).toMatchObject({ kind: "sqlite", extendedCode: 1, message: 'near "SELEC": syntax error' });
  });

  it("runs scripts, and rolls back a script that fails inside its own transaction", async () => {
    await adapter.executeScript(`CREATE TABLE "Scratch" (id INTEGER PRIMARY KEY); INSERT INTO "Scratch" VALUES (1);`);
    await expect(adapter.executeScript(`BEGIN; INSERT INTO "Scratch" VALUES (2); INSERT INTO "Scratch" VALUES (1); COMMIT;`)).rejects.toMatchObject({
      cause: { kind: "UniqueConstraintViolation" },
    });
    expect(writeLockIsFree()).toBe(true);
    expect((await adapter.queryRaw(sql(`SELECT id FROM "Scratch"`))).rows).toEqual([[1]]);
    await adapter.executeScript(`DROP TABLE "Scratch"`);
  });

  it("closes the connection on dispose, rolling back a transaction left open", async () => {
    const other = await new PrismaNodeSqlite({ url }).connect();
    const tx = await other.startTransaction();
    await tx.executeRaw(sql(`INSERT INTO "Shop" (domain) VALUES ('disposed.myshopify.com')`));
    await other.dispose();
    expect(writeLockIsFree()).toBe(true);
    expect((await adapter.queryRaw(sql(`SELECT count(*) FROM "Shop"`))).rows).toEqual([[0]]);
  });
});
