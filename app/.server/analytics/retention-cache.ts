// The retention figures of a period in the past (decision 010), kept once computed. They are a function of the
// orders on local days before the period's end (its customers, who returns, who lapsed) and of each consent's state
// at its end: orders and consent transitions arriving now do not change them. What does, drops them
// (`dropCachedRetention`, called by the rollup hooks): a customer's orders changing on a day before the end, a
// consent transition recorded before the end, a customer's or a consent's phone changing (the customer then reads
// another consent's log), a rebuild, shop redaction.
//
// A loader that computes them must not store figures that a concurrent write made stale. It first writes a row
// without figures under its token, computes, then fills that row only if it still has its token. A write that
// commits after the row is visible deletes it (the fill then matches nothing). A write whose deletion ran before the
// row existed has committed before the computation starts: on SQLite every writing transaction holds the write lock
// from BEGIN (IMMEDIATE) to COMMIT, so the row's insert waits for it; on PostgreSQL the insert first locks the table
// in SHARE ROW EXCLUSIVE mode, which waits for every transaction that deleted from it (ROW EXCLUSIVE) to end.
import { randomUUID } from "node:crypto";
import { isPostgresClient, type Db, type DbTx } from "../db";

export interface RetentionCacheKey {
  shop: string;
  timezone: string;
  fromDay: string;
  toDay: string;
  lapsedAfterDays: number;
}

export interface RetentionCounts {
  /** Customers of the period per (returning 0/1, subscriber at its end 0/1). */
  groups: { returning: number; subscriber: number; customers: number }[];
  lapsed: number;
}

/** The cached figures, or `compute()`'s, stored for next time when no write got in the way. */
export async function cachedPastRetention(db: DbTx, key: RetentionCacheKey, compute: () => Promise<RetentionCounts>): Promise<RetentionCounts> {
  const row = await db.retentionCache.findUnique({ where: { shop_timezone_fromDay_toDay_lapsedAfterDays: key }, select: { figures: true } });
  if (row?.figures) return JSON.parse(row.figures) as RetentionCounts;
  // Inside a caller's transaction the computation would see its uncommitted writes: no caching there.
  if (!("$transaction" in db)) return compute();
  const token = randomUUID();
  const reserved = await reserve(db as Db, key, token).catch(() => false);
  const figures = await compute();
  if (reserved) {
    await db.retentionCache.updateMany({ where: { ...key, token, figures: null }, data: { figures: JSON.stringify(figures) } }).catch(() => undefined);
  }
  return figures;
}

/** Writes the row without figures under `token` (or takes over one whose loader never filled it). */
async function reserve(db: Db, key: RetentionCacheKey, token: string): Promise<boolean> {
  const upsert = db.$executeRaw`INSERT INTO "RetentionCache" ("shop", "timezone", "fromDay", "toDay", "lapsedAfterDays", "token")
    VALUES (${key.shop}, ${key.timezone}, ${key.fromDay}, ${key.toDay}, ${key.lapsedAfterDays}, ${token})
    ON CONFLICT ("shop", "timezone", "fromDay", "toDay", "lapsedAfterDays") DO UPDATE SET "token" = excluded."token" WHERE "RetentionCache"."figures" IS NULL`;
  // A long writer (a rebuild) is not waited for: the loader then computes without keeping (as SQLite's busy timeout does).
  const changed = isPostgresClient(db)
    ? (await db.$transaction([db.$executeRaw`SET LOCAL lock_timeout = '1s'`, db.$executeRaw`LOCK TABLE "RetentionCache" IN SHARE ROW EXCLUSIVE MODE`, upsert]))[2]
    : await upsert;
  return changed === 1;
}

/**
 * Drops the cached retention of the periods ending after local day `day` (all of the shop's without one): call in
 * the transaction of any write that changes what a period's retention is computed from before its end.
 */
export async function dropCachedRetention(tx: DbTx, shop: string, day?: string): Promise<void> {
  await tx.retentionCache.updateMany({ where: { shop, ...(day ? { toDay: { gt: day } } : {}) }, data: DROPPED });
}

/**
 * A dropped row keeps its key without figures or a loader's token: a loader filling it meanwhile finds its token
 * gone, and the worker computes it again (warm-retention.ts), so the dashboard's next load is not the one that pays.
 */
export const DROPPED = { figures: null, token: "" };

/** shop/redact: nothing of the shop stays. */
export async function deleteCachedRetention(tx: DbTx, shop: string): Promise<void> {
  await tx.retentionCache.deleteMany({ where: { shop } });
}

/** More order days than this: drop all of the shop's periods rather than write a long condition. */
const MAX_DAYS_TO_MATCH = 200;

/**
 * Forgets the cached retention of the periods that contain one of `days` (local days), all of the shop's when there
 * are many: a customer's subscriber flag counts only in the periods where the customer ordered.
 */
export async function dropCachedRetentionContaining(tx: DbTx, shop: string, days: string[]): Promise<void> {
  if (days.length === 0) return;
  if (days.length > MAX_DAYS_TO_MATCH) return dropCachedRetention(tx, shop);
  await tx.retentionCache.updateMany({ where: { shop, OR: days.map((day) => ({ fromDay: { lte: day }, toDay: { gte: day } })) }, data: DROPPED });
}
