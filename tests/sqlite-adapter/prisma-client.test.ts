// The node:sqlite adapter through a real PrismaClient on the real, migrated schema.
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { Prisma } from "@prisma/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isContention } from "~/.server/db";
import { describeError, fileOf, nodeSqliteClient, onPostgres, workload } from "./helpers";

const url = process.env.DATABASE_URL!;
const at = (iso: string) => new Date(iso);
const shop = "a.myshopify.com";

describe.skipIf(onPostgres)("node:sqlite adapter through PrismaClient", () => {
  // Set up in a hook, not in the describe body: vitest runs a skipped block's body (on PostgreSQL) too.
  let db: ReturnType<typeof nodeSqliteClient>;
  beforeAll(() => {
    db = nodeSqliteClient(url);
  });
  afterAll(() => db.$disconnect());
  beforeEach(async () => {
    for (const table of ["Session", "Shop", "WebhookEvent", "Customer", "Order", "Checkout", "Consent", "Message", "ShopifySync", "DataExport"]) {
      await db.$executeRawUnsafe(`DELETE FROM "${table}"`);
    }
  });

  it("round-trips every model and column type (the shared workload)", async () => {
    const results = await workload(db);
    const [fullSession, minimalSession, updatedSession] = results as Prisma.SessionGetPayload<object>[];
    expect(fullSession).toMatchObject({ userId: 9_007_199_254_740_991n, isOnline: true, collaborator: false, expires: at("2026-01-02T03:04:05.678Z") });
    expect(minimalSession).toMatchObject({ userId: null, isOnline: false, expires: null, scope: null, accountOwner: null });
    expect(updatedSession).toMatchObject({ userId: -5n, isOnline: true });
    expect(results.slice(-3)).toEqual([
      { code: "P2002", modelName: "Shop", kind: "UniqueConstraintViolation", constraint: { fields: ["domain"] } },
      { code: "P2002", modelName: "WebhookEvent", kind: "UniqueConstraintViolation", constraint: { fields: ["shop", "webhookId"] } },
      { code: "P2003", modelName: "ConsentEvent", kind: "ForeignKeyConstraintViolation", constraint: { foreignKey: {} } },
    ]);
  });

  it("keeps BigInt beyond 2^53 exact (libsql could not read those back)", async () => {
    const big = 2n ** 62n + 7n;
    await db.session.create({ data: { id: "big", shop, state: "s", accessToken: "t", userId: big } });
    expect((await db.session.findUniqueOrThrow({ where: { id: "big" } })).userId).toBe(big);
    expect(await db.session.count({ where: { userId: { gt: 2n ** 62n } } })).toBe(1);
  });

  it("stores DateTime, Boolean and BigInt exactly as Prisma did through libsql", async () => {
    await db.session.create({ data: { id: "s", shop, state: "s", accessToken: "t", userId: 42n, isOnline: true, expires: at("2026-01-02T03:04:05.678Z") } });
    await db.shop.create({ data: { domain: shop } });
    const raw = new DatabaseSync(fileOf(url), { readOnly: true });
    try {
      expect(raw.prepare(`SELECT expires, typeof(expires) AS t, userId, typeof(userId) AS u, isOnline, typeof(isOnline) AS b FROM "Session"`).get()).toEqual({
        expires: "2026-01-02T03:04:05.678+00:00", t: "text", userId: 42, u: "integer", isOnline: 1, b: "integer",
      });
      const { installedAt } = raw.prepare(`SELECT installedAt FROM "Shop"`).get() as { installedAt: string };
      expect(installedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/); // @default(now())
    } finally {
      raw.close();
    }
  });

  it("commits an interactive transaction, and rolls it back when the callback throws", async () => {
    await db.$transaction(async (tx) => {
      await tx.shop.create({ data: { domain: shop } });
      expect(await tx.shop.count()).toBe(1);
      await tx.customer.create({ data: { shop, key: "k1" } });
    });
    expect(await db.customer.count()).toBe(1);

    await expect(
      db.$transaction(async (tx) => {
        await tx.customer.create({ data: { shop, key: "k2" } });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await db.customer.findMany({ select: { key: true } })).toEqual([{ key: "k1" }]);
    // The connection is free again.
    await db.customer.create({ data: { shop, key: "k3" } });
    expect(await db.customer.count()).toBe(2);
  });

  it("rolls the whole transaction back on a unique violation inside it, with P2002", async () => {
    await db.shop.create({ data: { domain: shop } });
    const error = await db
      .$transaction(async (tx) => {
        await tx.customer.create({ data: { shop, key: "inside" } });
        await tx.shop.create({ data: { domain: shop } });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(describeError(error)).toMatchObject({ code: "P2002", kind: "UniqueConstraintViolation", constraint: { fields: ["domain"] } });
    expect(await db.customer.count()).toBe(0);
  });

  it("lets a transaction go on after a statement inside it failed and was caught (as SQLite does)", async () => {
    await db.shop.create({ data: { domain: shop } });
    await db.$transaction(async (tx) => {
      await tx.customer.create({ data: { shop, key: "before" } });
      await expect(tx.shop.create({ data: { domain: shop } })).rejects.toMatchObject({ code: "P2002" });
      await tx.customer.create({ data: { shop, key: "after" } });
    });
    expect((await db.customer.findMany({ orderBy: { key: "asc" } })).map((c) => c.key)).toEqual(["after", "before"]);
  });

  it("rolls a batch transaction back when one of its statements fails", async () => {
    await db.shop.create({ data: { domain: shop } });
    await expect(
      db.$transaction([db.customer.create({ data: { shop, key: "batched" } }), db.shop.create({ data: { domain: shop } })]),
    ).rejects.toMatchObject({ code: "P2002" });
    expect(await db.customer.count()).toBe(0);
  });

  it("rolls back nested writes as one (Prisma's own transaction)", async () => {
    await expect(
      db.consent.create({
        data: {
          shop, phone: "+491", state: "REQUESTED", updatedAt: new Date(),
          events: { create: [{ shop, fromState: "NONE", toState: "REQUESTED", source: "test", at: new Date(), id: 1 }, { shop, fromState: "A", toState: "B", source: "test", at: new Date(), id: 1 }] },
        },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
    expect(await db.consent.count()).toBe(0);
  });

  it("ends a transaction that outlives its timeout and leaves the connection usable", async () => {
    const error = await db
      .$transaction(
        async (tx) => {
          await tx.customer.create({ data: { shop, key: "slow" } });
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.customer.create({ data: { shop, key: "too late" } });
        },
        { timeout: 100 },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "P2028" });
    expect(await db.customer.count()).toBe(0);
    await db.customer.create({ data: { shop, key: "next" } });
    expect(await db.customer.count()).toBe(1);
  });

  it("runs concurrent transactions of one client one after the other", async () => {
    await db.shop.create({ data: { domain: shop } });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        db.$transaction(async (tx) => {
          const n = await tx.customer.count();
          await new Promise((resolve) => setTimeout(resolve, 1));
          return tx.customer.create({ data: { shop, key: `k${i}`, firstName: String(n) } });
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    // Serialized: every transaction saw all the ones before it.
    expect((await db.customer.findMany()).map((c) => Number(c.firstName)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("lets two clients of one process write in overlapping transactions (the wait does not block the process)", async () => {
    const other = nodeSqliteClient(url);
    try {
      const writer = (client: typeof db, name: string) =>
        Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            client.$transaction(async (tx) => {
              await tx.customer.count();
              await tx.customer.create({ data: { shop, key: `${name}${i}` } });
              await tx.customer.create({ data: { shop, key: `${name}${i}b` } });
            }),
          ),
        );
      const started = performance.now();
      await Promise.all([writer(db, "a"), writer(other, "b")]);
      expect(await db.customer.count()).toBe(100);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await other.$disconnect();
    }
  });

  it("answers P1008 (contention) when another connection holds the write lock too long, and waits when it is released in time", async () => {
    const holder = new DatabaseSync(fileOf(url));
    const impatient = nodeSqliteClient(url, { busyTimeoutMs: 150 });
    try {
      await impatient.shop.count(); // connected
      holder.exec("BEGIN IMMEDIATE");
      // Readers are not blocked by a writer in WAL mode.
      expect(await impatient.customer.count()).toBe(0);
      const started = performance.now();
      const error = await impatient.customer.create({ data: { shop, key: "blocked" } }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(error).toMatchObject({ code: "P1008" });
      expect(isContention(error)).toBe(true);
      await expect(impatient.$transaction(async (tx) => tx.customer.count())).rejects.toMatchObject({ code: "P1008" });

      // The holder commits after 100 ms, from a timer: that timer can only fire because the adapter waits
      // asynchronously. The write then goes through.
      setTimeout(() => holder.exec("COMMIT"), 100);
      await db.$transaction(async (tx) => tx.customer.create({ data: { shop, key: "waited" } }));
      expect(await db.customer.count()).toBe(1);
    } finally {
      if (holder.isTransaction) holder.exec("ROLLBACK");
      holder.close();
      await impatient.$disconnect();
    }
  });

  it("answers raw queries with the values and types Prisma expects", async () => {
    await db.shop.create({ data: { domain: shop, installedAt: at("2026-01-01T00:00:00Z") } });
    const rows = await db.$queryRaw<Record<string, unknown>[]>`
      -- expressions have no declared type: integers come back as numbers, as through libsql
      SELECT domain, installedAt, ${12_345_678_901_234n} AS big, ${true} AS yes, ${1.5} AS half, ${at("2026-02-03T04:05:06.007Z")} AS date,
             ${Buffer.from([1, 2, 3])} AS bytes, count(*) OVER () AS n, NULL AS empty
      FROM "Shop"`;
    expect(rows).toEqual([
      {
        domain: shop, installedAt: at("2026-01-01T00:00:00Z"), big: 12_345_678_901_234, yes: 1, half: 1.5,
        date: "2026-02-03T04:05:06.007+00:00", bytes: new Uint8Array([1, 2, 3]), n: 1, empty: null,
      },
    ]);
    expect(await db.$executeRaw`UPDATE "Shop" SET settings = ${"{}"} WHERE domain = ${shop}`).toBe(1);
    await expect(db.$queryRawUnsafe(`SELECT nope FROM "Shop"`)).rejects.toMatchObject({ code: "P2010" });
    await expect(db.$executeRawUnsafe(`INSERT INTO "Shop" (domain) VALUES ('${shop}')`)).rejects.toMatchObject({ code: "P2010" });
  });

  it("groups, aggregates and writes in bulk", async () => {
    const base = { shop, flow: "f", category: "UTILITY", template: "t", language: "de", components: "[]", sendAfter: new Date(), createdAt: new Date() };
    const created = await db.message.createMany({
      data: Array.from({ length: 1_200 }, (_, i) => ({ ...base, dedupeKey: `d${i}`, status: i % 3 === 0 ? "SENT" : "SCHEDULED", attempts: i % 4 })),
    });
    expect(created.count).toBe(1_200);
    const grouped = await db.message.groupBy({ by: ["status"], _count: { _all: true }, _sum: { attempts: true }, orderBy: { status: "asc" } });
    expect(grouped).toEqual([
      { status: "SCHEDULED", _count: { _all: 800 }, _sum: { attempts: 1_200 } },
      { status: "SENT", _count: { _all: 400 }, _sum: { attempts: 600 } },
    ]);
    const ids = (await db.message.findMany({ select: { id: true } })).map((m) => m.id);
    // Prisma splits long `in` lists of a findMany into statements of at most 999 values (its SQLite default, as with libsql).
    expect(await db.message.findMany({ where: { id: { in: ids } }, select: { id: true } })).toHaveLength(1_200);
    expect(await db.message.count({ where: { id: { in: ids.slice(0, 900) } } })).toBe(900);
    expect((await db.message.updateMany({ where: { status: "SENT" }, data: { status: "DELIVERED" } })).count).toBe(400);
    expect((await db.message.deleteMany({ where: { id: { in: ids.slice(0, 900) } } })).count).toBe(900);
    expect(await db.message.aggregate({ _count: { _all: true } })).toEqual({ _count: { _all: 300 } });
  });

  it("cascades deletes through foreign keys (foreign_keys is on)", async () => {
    await db.consent.create({
      data: { id: "c1", shop, phone: "+491", state: "CONFIRMED", updatedAt: new Date(), events: { create: { shop, fromState: "NONE", toState: "CONFIRMED", source: "test", at: new Date() } } },
    });
    expect(await db.consentEvent.count()).toBe(1);
    await db.consent.delete({ where: { id: "c1" } });
    expect(await db.consentEvent.count()).toBe(0);
  });

  it("opens the file in WAL mode and leaves no -wal file behind after $disconnect", async () => {
    const client = nodeSqliteClient(url);
    const [{ journal_mode }] = await client.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    const [{ foreign_keys }] = await client.$queryRawUnsafe<{ foreign_keys: number }[]>("PRAGMA foreign_keys");
    expect([journal_mode, foreign_keys]).toEqual(["wal", 1]);
    await client.$disconnect();
    await db.$disconnect();
    expect(existsSync(`${fileOf(url)}-wal`)).toBe(false);
    await db.$connect();
  });

  it("commits without fsync by default (synchronous NORMAL under WAL, decision 006), FULL when asked", async () => {
    const synchronousOf = async (client: ReturnType<typeof nodeSqliteClient>) => {
      const [{ synchronous }] = await client.$queryRawUnsafe<{ synchronous: number | bigint }[]>("PRAGMA synchronous");
      await client.$disconnect();
      return Number(synchronous);
    };
    // SQLite's numbers: 1 = NORMAL, 2 = FULL.
    expect([await synchronousOf(nodeSqliteClient(url)), await synchronousOf(nodeSqliteClient(url, { synchronous: "FULL" }))]).toEqual([1, 2]);
  });
});
