// The back-in-stock fan-out, a step of the worker loop: each queued Restock is planned in batches — one join
// (waiting subscriptions of the variant × CONFIRMED consent, in id order after the cursor) and two set-based
// INSERT … SELECT (messages, their planned events) plus the cursor per batch, each batch its own short transaction.
// A crash between batches repeats nothing: the cursor moves in the batch's transaction, and the messages'
// (shop, dedupeKey) is unique. Messages are spaced at the fan-out's share of the send rate (outbox/policy.ts).
import { rollupMessagesCreated } from "../analytics/rollups";
import type { Restock } from "@prisma/client";
import { planBackInStockBatch, type RestockProduct } from "../automations/back-in-stock";
import { storefrontUrl } from "../automations/retention";
import type { MessagePlan } from "../automations/types";
import type { Clock } from "../clock";
import { retryOnContention, type Db, type DbTx } from "../db";
import { fanOutSpacingMs, type OutboxPolicy } from "../outbox/policy";
import { applyFlowSettingsTo } from "../settings/flows";
import type { ShopSettings, SyncedTemplate } from "../settings/schema";
import { readSettings } from "../settings/store";
import { loadShopTemplates } from "../templates/whatsapp-templates";
import type { AdminGraphqlFactory } from "../shopify-admin/client";
import { resolveInventoryItem } from "./variant-lookup";

/** Alerts of earlier restocks of the variant still queued are looked for this far back (they are spaced over minutes, not days). */
const EARLIER_RESTOCKS_DAYS = 7;

export interface FanOutDeps {
  db: Db;
  clock: Clock;
  adminGraphql: AdminGraphqlFactory | null;
  /** TOKEN_ENCRYPTION_KEY: the offline session's token is stored encrypted. */
  secretsKey: Buffer;
  policy: Pick<OutboxPolicy, "ratePerSecond">;
  log?: (line: string) => void;
}

export interface FanOutOptions {
  /** Subscribers per batch (one transaction). */
  batchSize?: number;
  /** Batches per call (the worker calls once per round); Infinity plans everything that is queued. */
  maxBatches?: number;
}

export interface FanOutCounts {
  restocks: number;
  planned: number;
  skipped: number;
}

type Dialect = "sqlite" | "postgresql";
const dialectOf = (db: DbTx): Dialect => ((db as unknown as { _activeProvider?: string })._activeProvider === "postgresql" ? "postgresql" : "sqlite");

/** SQL for the pieces the two databases spell differently: a random 32-hex id, epoch ms → DateTime, DateTime → ISO text. */
const SQL: Record<Dialect, { param: (n: number) => string; id: string; timestamp: (ms: string) => string; iso: (column: string) => string }> = {
  // Prisma's SQLite DateTime text: 2026-03-02T10:00:00.025+00:00 (text comparisons order it).
  sqlite: {
    // ?NNN: numbered, so a value used twice is bound once (like PostgreSQL's $n).
    param: (n) => `?${n}`,
    id: "lower(hex(randomblob(16)))",
    timestamp: (ms) => `strftime('%Y-%m-%dT%H:%M:%S', (${ms}) / 1000, 'unixepoch') || '.' || printf('%03d', (${ms}) % 1000) || '+00:00'`,
    iso: (column) => column,
  },
  postgresql: {
    param: (n) => `$${n}`,
    id: "replace(gen_random_uuid()::text, '-', '')",
    timestamp: (ms) => `(to_timestamp((${ms}) / 1000.0) AT TIME ZONE 'UTC')`,
    iso: (column) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  },
};

/**
 * Who a batch plans: waiting signups of the variant whose number is CONFIRMED now (the gate checks again at send
 * time), after the cursor, without an alert of an earlier restock still queued (two restocks in quick succession:
 * the earlier alert goes out, or is cancelled and its signup waits). `earlier` are those restocks' key prefixes,
 * bound from parameter number `from` on; each lookup is one probe of the unique (shop, dedupeKey) index.
 */
function eligibleSubscribers(P: (n: number) => string, earlier: string[], from: number): string {
  const pending = earlier.length === 0
    ? ""
    : ` AND NOT EXISTS (SELECT 1 FROM "Message" m WHERE m."shop" = s."shop" AND m."dedupeKey" IN (${earlier.map((_, i) => `${P(from + i)} || s."id"`).join(", ")}) AND m."status" IN ('SCHEDULED', 'SENDING'))`;
  return `FROM "BackInStockSubscription" s
       JOIN "Consent" c ON c."shop" = s."shop" AND c."phone" = s."phone"
       WHERE s."shop" = ${P(1)} AND s."variantId" = ${P(2)} AND s."status" = 'WAITING' AND c."state" = 'CONFIRMED' AND s."id" > ${P(3)}${pending}`;
}

/** The ids of the next batch's subscribers, in id order. */
function nextBatchIds(tx: DbTx, shop: string, variantId: string, after: string, limit: number, earlier: string[]): Promise<{ id: string }[]> {
  const P = SQL[dialectOf(tx)].param;
  return tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT s."id" AS "id" ${eligibleSubscribers(P, earlier, 5)} ORDER BY s."id" LIMIT ${P(4)}`,
    shop, variantId, after, limit, ...earlier,
  );
}

/**
 * One batch, set-based: the messages of subscribers (cursor, last] are inserted by one INSERT … SELECT and their
 * "planned" events by a second, so the database does the row work (a JS round trip per row made 100,000 alerts take
 * over a minute; see scripts/bench-back-in-stock.ts). What each message says comes from the pure planner
 * (planBackInStockBatch) — one sample per language — and only the message id is spliced in per row.
 */
async function insertBatch(
  tx: DbTx,
  restock: Restock,
  variantId: string,
  product: RestockProduct,
  shopLocale: string,
  settings: Pick<ShopSettings, "flows">,
  synced: readonly SyncedTemplate[],
  range: { after: string; last: string },
  earlier: string[],
  spacingMs: number,
  now: Date,
): Promise<number> {
  const sql = SQL[dialectOf(tx)];
  const P = sql.param;
  const sample = (locale: string) => planBackInStockBatch(restock, product, [{ subscriptionId: "x", phone: "+1", locale }], { locale: shopLocale }, 0, 0, now)[0];
  // The merchant's template mapping (Automations) per language, as enqueuePlans would apply it.
  // (A mapped template whose header cannot be filled falls back to the suggested one there, which needs nothing.)
  const [de, en] = applyFlowSettingsTo([sample("de"), sample("en")], settings, synced);
  // The body in the message's language, then the URL button whose parameter is the message id (as enqueuePlans writes it).
  const prefix = (p: MessagePlan) => `${JSON.stringify(p.components).slice(0, -1)},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"`;
  const suffix = `"}]}]`;
  const shopLanguage = sample("").language;
  const languageOf = `CASE WHEN lower(substr(p."locale", 1, 2)) IN ('de', 'en') AND (length(p."locale") = 2 OR substr(p."locale", 3, 1) IN ('-', '_')) THEN lower(substr(p."locale", 1, 2)) ELSE '${shopLanguage}' END`;
  const sendAtMs = `(${restock.detectedAt.getTime()} + CAST(FLOOR((${restock.planned} + p."n" - 1) * ${spacingMs}) AS BIGINT))`;
  const inserted = await tx.$executeRawUnsafe(
    `WITH picked AS MATERIALIZED (
       SELECT s."id" AS "sid", s."phone" AS "phone", s."locale" AS "locale", ${sql.id} AS "mid", row_number() OVER (ORDER BY s."id") AS "n"
       ${eligibleSubscribers(P, earlier, 13)} AND s."id" <= ${P(4)}
     ), lang AS MATERIALIZED (SELECT p.*, ${languageOf} AS "language", ${sql.timestamp(sendAtMs)} AS "sendAt" FROM picked p)
     INSERT INTO "Message" ("id", "shop", "flow", "dedupeKey", "to", "customerKey", "category", "template", "language", "components", "linkUrl", "status", "sendAfter", "plannedFor", "attempts", "createdAt")
     SELECT p."mid", ${P(1)}, 'back_in_stock', ${P(5)} || p."sid", p."phone", 'phone:' || p."phone", 'MARKETING', CASE p."language" WHEN 'de' THEN ${P(6)} ELSE ${P(12)} END, p."language",
            CASE p."language" WHEN 'de' THEN ${P(7)} ELSE ${P(8)} END || p."mid" || ${P(9)}, ${P(10)}, 'SCHEDULED', p."sendAt", p."sendAt", 0, ${P(11)}
     FROM lang p`,
    restock.shop, variantId, range.after, range.last, `back_in_stock:${restock.id}:`, de.template, prefix(de), prefix(en), suffix, product.productUrl, now, en.template, ...earlier,
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO "MessageEvent" ("messageId", "status", "reason", "source", "at")
     SELECT m."id", 'SCHEDULED', 'planned for ' || ${sql.iso('m."sendAfter"')}, 'planner', ${P(4)}
     FROM "Message" m WHERE m."shop" = ${P(1)} AND m."dedupeKey" > ${P(2)} AND m."dedupeKey" <= ${P(3)}`,
    restock.shop, `back_in_stock:${restock.id}:${range.after}`, `back_in_stock:${restock.id}:${range.last}`, now,
  );
  // The dashboard's figures (rollups) count messages as they are written, set-based inserts included.
  await rollupMessagesCreated(tx, [{ shop: restock.shop, flow: "back_in_stock", createdAt: now, orderId: null, status: "SCHEDULED", count: inserted }]);
  return inserted;
}

function productOf(shop: string, row: { productTitle: string | null; variantTitle: string | null; productUrl: string | null; imageUrl: string | null }, variantId: string): RestockProduct {
  // The storefront opens the product with the restocked variant selected; a product without an online-store URL
  // (not published there) leads to the storefront itself.
  const productUrl = row.productUrl ? `${row.productUrl}${row.productUrl.includes("?") ? "&" : "?"}variant=${variantId}` : storefrontUrl(shop);
  return { productTitle: row.productTitle, variantTitle: row.variantTitle, productUrl, imageUrl: row.imageUrl };
}

async function finish(db: Db, restock: Restock, note: string, now: Date): Promise<void> {
  await retryOnContention(() => db.restock.updateMany({ where: { id: restock.id, doneAt: null }, data: { doneAt: now, note } }));
}

/** Plans queued restocks, up to `maxBatches` batches; returns what it did. */
export async function runBackInStockFanOut(deps: FanOutDeps, options: FanOutOptions = {}): Promise<FanOutCounts> {
  const { db, clock } = deps;
  const batchSize = options.batchSize ?? 2_000;
  let batchesLeft = options.maxBatches ?? 5;
  const counts: FanOutCounts = { restocks: 0, planned: 0, skipped: 0 };
  const queued = await db.restock.findMany({ where: { doneAt: null }, orderBy: { detectedAt: "asc" }, take: 20 });

  for (let restock of queued) {
    if (batchesLeft <= 0) break;
    counts.restocks += 1;
    const now = clock.now();
    const lookup = await resolveInventoryItem(deps, restock.shop, restock.inventoryItemId, now);
    if (lookup.status === "retry") {
      deps.log?.(`back-in-stock: restock ${restock.id} waits: ${lookup.reason}`);
      continue;
    }
    if (lookup.status !== "found") {
      const note = `skipped: inventory item ${restock.inventoryItemId} not resolved (${lookup.reason})`;
      await finish(db, restock, note, now);
      deps.log?.(`back-in-stock: ${restock.shop} ${note}`);
      counts.skipped += 1;
      continue;
    }
    const variantId = lookup.row.variantId!;
    if (restock.variantId !== variantId) restock = await db.restock.update({ where: { id: restock.id }, data: { variantId } });
    const [settings, shopRow] = await Promise.all([
      readSettings(db, restock.shop),
      db.shop.findUnique({ where: { domain: restock.shop }, select: { locale: true } }),
    ]);
    if (!settings.flows.back_in_stock.enabled) {
      // Nobody is notified and nobody's signup is used up: they keep waiting for a restock while the flow is on.
      await finish(db, restock, "flow_off: back in stock is switched off; subscribers keep waiting", now);
      counts.skipped += 1;
      continue;
    }
    const product = productOf(restock.shop, lookup.row, variantId);
    // The merchant's synced templates, only needed when the flow is mapped to one of them.
    const synced = settings.flows.back_in_stock.template ? (await loadShopTemplates(db, restock.shop)).templates : [];
    const spacingMs = fanOutSpacingMs(deps.policy);
    const earlier = (
      await db.restock.findMany({
        where: { shop: restock.shop, variantId, id: { not: restock.id }, detectedAt: { gte: new Date(restock.detectedAt.getTime() - EARLIER_RESTOCKS_DAYS * 86_400_000) } },
        orderBy: { detectedAt: "desc" },
        take: 10,
        select: { id: true },
      })
    ).map((r) => `back_in_stock:${r.id}:`);

    while (batchesLeft > 0) {
      batchesLeft -= 1;
      const current = restock;
      const planned = await retryOnContention(() =>
        db.$transaction(async (tx) => {
          const ids = await nextBatchIds(tx, current.shop, variantId, current.cursor ?? "", batchSize, earlier);
          const last = ids.at(-1)?.id ?? current.cursor;
          const count = ids.length === 0 ? 0 : await insertBatch(tx, current, variantId, product, shopRow?.locale ?? "de", settings, synced, { after: current.cursor ?? "", last: last! }, earlier, spacingMs, now);
          const done = ids.length < batchSize;
          // Only the worker that still sees the old cursor may move it (another one planned this batch: roll back).
          const moved = await tx.restock.updateMany({
            where: { id: current.id, cursor: current.cursor, doneAt: null },
            data: { cursor: last, planned: { increment: count }, ...(done ? { doneAt: now, note: `planned ${current.planned + count} alert(s)` } : {}) },
          });
          if (moved.count !== 1) throw new FanOutConflict();
          return { count, cursor: last, done };
        }),
      ).catch((error: unknown) => {
        if (error instanceof FanOutConflict) return null;
        throw error;
      });
      if (planned === null) break;
      counts.planned += planned.count;
      restock = { ...current, cursor: planned.cursor, planned: current.planned + planned.count, doneAt: planned.done ? now : null };
      if (planned.done) break;
    }
  }
  return counts;
}

class FanOutConflict extends Error {
  constructor() {
    super("another worker planned this batch");
  }
}
