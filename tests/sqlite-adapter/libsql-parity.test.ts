// The node:sqlite adapter answers exactly like @prisma/adapter-libsql: every query Prisma sent to libsql during a
// workload over all models is sent again, in the same order and transactions, to the new adapter on a copy of the
// same starting database, and every result (names, column types, values, row counts, error kinds) must be equal.
// And a file written by either adapter reads the same through the other.
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaClient } from "@prisma/client";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaNodeSqlite } from "~/.server/sqlite-adapter";
import { copyOfDatabase, nodeSqliteClient, onPostgres, workload } from "./helpers";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Step =
  | { op: "queryRaw" | "executeRaw"; tx: number | null; query: SqlQuery; outcome: Outcome }
  | { op: "begin"; tx: number }
  | { op: "commit"; tx: number }
  | { op: "rollback"; tx: number };

const describeError = (error: unknown) => {
  const e = error as { name?: string; cause?: { kind?: string; constraint?: unknown } };
  return e.name === "DriverAdapterError" ? { kind: e.cause?.kind, constraint: e.cause?.constraint } : { thrown: String(error) };
};

async function outcomeOf(work: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

/** Wraps a factory so that every query, with its result, and every transaction boundary is logged. */
function recording(factory: SqlDriverAdapterFactory, steps: Step[]): SqlDriverAdapterFactory {
  let nextTx = 0;
  const wrapQueries = <T extends SqlDriverAdapter | Transaction>(target: T, tx: number | null): T =>
    new Proxy(target, {
      get(object, key, receiver) {
        if (key === "queryRaw" || key === "executeRaw") {
          return async (query: SqlQuery) => {
            try {
              const value = await object[key](query);
              steps.push({ op: key, tx, query, outcome: { ok: true, value } });
              return value;
            } catch (error) {
              steps.push({ op: key, tx, query, outcome: { ok: false, error: describeError(error) } });
              throw error;
            }
          };
        }
        if (key === "startTransaction") {
          return async (...args: Parameters<SqlDriverAdapter["startTransaction"]>) => {
            const id = nextTx++;
            const transaction = await (object as SqlDriverAdapter).startTransaction(...args);
            steps.push({ op: "begin", tx: id });
            return wrapQueries(transaction, id);
          };
        }
        if (key === "commit" || key === "rollback") {
          return async () => {
            steps.push({ op: key, tx: tx! });
            return (object as Transaction)[key]();
          };
        }
        const value = Reflect.get(object, key, receiver);
        return typeof value === "function" ? value.bind(object) : value;
      },
    });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wrapQueries(await factory.connect(), null),
  };
}

describe.skipIf(onPostgres)("node:sqlite adapter ≡ libsql adapter", () => {
  // Set up in hooks, not in the describe body: vitest runs a skipped block's body (on PostgreSQL) too.
  let libsqlCopy: ReturnType<typeof copyOfDatabase>;
  let nodeCopy: ReturnType<typeof copyOfDatabase>;
  beforeAll(() => {
    libsqlCopy = copyOfDatabase("libsql");
    nodeCopy = copyOfDatabase("node");
  });
  afterAll(() => {
    libsqlCopy.remove();
    nodeCopy.remove();
  });

  it("gives the same result for every query Prisma sends during a workload over all models", async () => {
    const steps: Step[] = [];
    const libsql = new PrismaClient({ adapter: recording(new PrismaLibSQL({ url: libsqlCopy.url }), steps) });
    await workload(libsql);
    await libsql.$disconnect();
    expect(steps.filter((s) => s.op === "queryRaw").length).toBeGreaterThan(40);
    expect(steps.some((s) => s.op === "queryRaw" && !s.outcome.ok)).toBe(true); // the constraint violations

    const adapter = await new PrismaNodeSqlite({ url: nodeCopy.url }).connect();
    const transactions = new Map<number, Transaction>();
    try {
      for (const [i, step] of steps.entries()) {
        if (step.op === "begin") transactions.set(step.tx, await adapter.startTransaction());
        else if (step.op === "commit") await transactions.get(step.tx)!.commit();
        else if (step.op === "rollback") await transactions.get(step.tx)!.rollback();
        else {
          const op: "queryRaw" | "executeRaw" = step.op;
          const target = step.tx === null ? adapter : transactions.get(step.tx)!;
          const outcome = await outcomeOf(() => target[op](step.query));
          expect({ step: i, sql: step.query.sql, outcome }).toEqual({ step: i, sql: step.query.sql, outcome: step.outcome });
        }
      }
    } finally {
      await adapter.dispose();
    }
  });

  it("reads what libsql wrote, and libsql reads what it wrote, value for value", async () => {
    const a = copyOfDatabase("a");
    const b = copyOfDatabase("b");
    try {
      const writtenByLibsql = new PrismaClient({ adapter: new PrismaLibSQL({ url: a.url }) });
      const writtenByNode = nodeSqliteClient(b.url);
      const expected = await workload(writtenByLibsql);
      expect(await workload(writtenByNode)).toEqual(expected);
      await writtenByLibsql.$disconnect();
      await writtenByNode.$disconnect();

      const readAll = async (db: PrismaClient) => ({
        sessions: await db.session.findMany({ orderBy: { id: "asc" } }),
        shops: await db.shop.findMany(),
        events: await db.webhookEvent.findMany({ orderBy: { id: "asc" } }),
        customers: await db.customer.findMany({ orderBy: { id: "asc" } }),
        orders: await db.order.findMany(),
        checkouts: await db.checkout.findMany(),
        messages: await db.message.findMany({ include: { events: true } }),
        syncs: await db.shopifySync.findMany(),
        exports: await db.dataExport.findMany(),
      });
      const nodeReadsLibsql = nodeSqliteClient(a.url);
      const libsqlReadsNode = new PrismaClient({ adapter: new PrismaLibSQL({ url: b.url }) });
      const fromA = await readAll(nodeReadsLibsql);
      const fromB = await readAll(libsqlReadsNode);
      await nodeReadsLibsql.$disconnect();
      await libsqlReadsNode.$disconnect();
      expect(fromA).toEqual(fromB);
      expect(fromA.customers).toHaveLength(2);
      expect(fromA.sessions[1].userId).toBe(9_007_199_254_740_991n);
    } finally {
      a.remove();
      b.remove();
    }
  });
});
