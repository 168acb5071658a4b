// The back-in-stock fan-out, a step of the worker loop: each queued Restock is planned in batches — one join
// (waiting subscriptions of the variant × CONFIRMED consent, in id order after the cursor) and a few bulk
// inserts (messages, their planned events, the cursor) per batch, each batch its own short transaction.
// A crash between batches repeats nothing: the cursor moves in the batch's transaction, and the messages'
// (shop, dedupeKey) is unique. Messages are spaced at the fan-out's share of the send rate (outbox/policy.ts).
import type { Restock } from "@prisma/client";
import { planBackInStockBatch, type FanOutSubscriber, type RestockProduct } from "../automations/back-in-stock";
import { storefrontUrl } from "../automations/retention";
import type { MessagePlan } from "../automations/types";
import type { Clock } from "../clock";
import { retryOnContention, type Db, type DbTx } from "../db";
import { newMessageId } from "../ingest/enqueue";
import { fanOutSpacingMs, type OutboxPolicy } from "../outbox/policy";
import { readSettings } from "../settings/store";
import type { AdminGraphqlFactory } from "../shopify-admin/client";
import type { TemplateComponent } from "../whatsapp/types";
import { resolveInventoryItem } from "./variant-lookup";

export interface FanOutDeps {
  db: Db;
  clock: Clock;
  adminGraphql: AdminGraphqlFactory | null;
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

interface SubscriberRow {
  id: string;
  phone: string;
  locale: string | null;
}

/** Waiting subscribers of the variant whose number is CONFIRMED now (the gate checks again at send time). */
function confirmedSubscribers(tx: DbTx, shop: string, variantId: string, after: string, limit: number): Promise<SubscriberRow[]> {
  return tx.$queryRaw<SubscriberRow[]>`
    SELECT s."id" AS "id", s."phone" AS "phone", s."locale" AS "locale"
    FROM "BackInStockSubscription" s
    JOIN "Consent" c ON c."shop" = s."shop" AND c."phone" = s."phone"
    WHERE s."shop" = ${shop} AND s."variantId" = ${variantId} AND s."status" = 'WAITING' AND c."state" = 'CONFIRMED' AND s."id" > ${after}
    ORDER BY s."id"
    LIMIT ${limit}`;
}

/** The bulk twin of enqueuePlans for fresh keys: messages and their "planned" events in two statements. */
async function insertPlans(tx: DbTx, shop: string, plans: MessagePlan[], now: Date): Promise<void> {
  const rows = plans.map((plan) => {
    const id = newMessageId();
    const components: TemplateComponent[] = plan.linkUrl
      ? [...plan.components, { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: id }] }]
      : plan.components;
    return {
      id, shop, flow: plan.flow, dedupeKey: plan.dedupeKey, to: plan.to, customerKey: plan.customerKey, category: plan.category,
      template: plan.template, language: plan.language, components: JSON.stringify(components), linkUrl: plan.linkUrl ?? null,
      status: "SCHEDULED", sendAfter: plan.sendAfter, plannedFor: plan.sendAfter, createdAt: now,
    };
  });
  await tx.message.createMany({ data: rows });
  await tx.messageEvent.createMany({
    data: rows.map((r) => ({ messageId: r.id, status: "SCHEDULED", reason: `planned for ${r.sendAfter.toISOString()}`, source: "planner", at: now })),
  });
}

function productOf(shop: string, row: { productTitle: string | null; variantTitle: string | null; productUrl: string | null }, variantId: string): RestockProduct {
  // The storefront opens the product with the restocked variant selected; a product without an online-store URL
  // (not published there) leads to the storefront itself.
  const productUrl = row.productUrl ? `${row.productUrl}${row.productUrl.includes("?") ? "&" : "?"}variant=${variantId}` : storefrontUrl(shop);
  return { productTitle: row.productTitle, variantTitle: row.variantTitle, productUrl };
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
    const spacingMs = fanOutSpacingMs(deps.policy);

    while (batchesLeft > 0) {
      batchesLeft -= 1;
      const current = restock;
      const planned = await retryOnContention(() =>
        db.$transaction(async (tx) => {
          const subscribers = await confirmedSubscribers(tx, current.shop, variantId, current.cursor ?? "", batchSize);
          const plans = planBackInStockBatch(
            current,
            product,
            subscribers.map((s): FanOutSubscriber => ({ subscriptionId: s.id, phone: s.phone, locale: s.locale })),
            { locale: shopRow?.locale ?? "de" },
            current.planned,
            spacingMs,
            current.detectedAt,
          );
          if (plans.length > 0) await insertPlans(tx, current.shop, plans, now);
          const last = subscribers.at(-1)?.id ?? current.cursor;
          const done = subscribers.length < batchSize;
          // Only the worker that still sees the old cursor may move it (another one planned this batch: roll back).
          const moved = await tx.restock.updateMany({
            where: { id: current.id, cursor: current.cursor, doneAt: null },
            data: { cursor: last, planned: { increment: plans.length }, ...(done ? { doneAt: now, note: `planned ${current.planned + plans.length} alert(s)` } : {}) },
          });
          if (moved.count !== 1) throw new FanOutConflict();
          return { count: plans.length, cursor: last, done };
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
