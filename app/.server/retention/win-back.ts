// The win-back step of the worker loop, evaluated once a day (intervalMs): per shop with the flow on, customers
// whose last order is between N and N + LOOKBACK days old, with a phone whose consent is CONFIRMED, are planned
// through planWinBack (one-time buyers only). The dedupeKey names the customer and their one order, so a second
// evaluation — or a second worker — plans nothing new. The offer's code is created just before the send, and a
// new order before then cancels it (retention/prepare-send.ts).
import { planWinBack, storefrontUrl, type CustomerHistory } from "../automations/retention";
import type { MessagePlan } from "../automations/types";
import { shopDisplayName } from "../automations/consent-messages";
import type { Clock } from "../clock";
import { retryOnContention, type Db } from "../db";
import { enqueuePlans } from "../ingest/enqueue";
import { effectiveSettings, parseStoredJson } from "../settings/store";

const DAY = 86_400_000;
/** Customers past the moment by more than this were due while the flow was off: they are not messaged late. */
export const WIN_BACK_LOOKBACK_DAYS = 30;
/** SQLite binds at most 999 parameters per statement. */
const CHUNK = 400;

export interface WinBackOptions {
  /** Time between two evaluations; 0 evaluates on every call (tests). Default one day. */
  intervalMs?: number;
}

const lastRun = new WeakMap<Db, number>();

const chunks = <T>(list: T[]): T[][] => Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));

/** Evaluates win-back for every shop if the last evaluation is older than the interval; returns how many were planned. */
export async function runWinBackScheduler(deps: { db: Db; clock: Clock; log?: (line: string) => void }, options: WinBackOptions = {}): Promise<number> {
  const { db, clock } = deps;
  const now = clock.now();
  const interval = options.intervalMs ?? DAY;
  const previous = lastRun.get(db);
  if (interval > 0 && previous !== undefined && now.getTime() - previous < interval) return 0;
  lastRun.set(db, now.getTime());

  let planned = 0;
  const shops = await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true, locale: true, settings: true } });
  for (const shop of shops) {
    const settings = effectiveSettings(parseStoredJson(shop.settings));
    if (!settings.flows.win_back.enabled) continue;
    const newest = new Date(now.getTime() - settings.winBackDays * DAY);
    const oldest = new Date(newest.getTime() - WIN_BACK_LOOKBACK_DAYS * DAY);
    const customers = await db.customer.findMany({
      where: { shop: shop.domain, phone: { not: null }, lastOrderAt: { gt: oldest, lte: newest } },
      select: { key: true, phone: true, firstName: true, locale: true },
    });
    for (const group of chunks(customers)) {
      const [orders, consents] = await Promise.all([
        db.order.findMany({
          where: { shop: shop.domain, customerKey: { in: group.map((c) => c.key) }, cancelledAt: null, test: false },
          select: { customerKey: true, shopifyOrderId: true, createdAt: true, locale: true },
          orderBy: { createdAt: "asc" },
        }),
        db.consent.findMany({ where: { shop: shop.domain, phone: { in: group.map((c) => c.phone!) }, state: "CONFIRMED" }, select: { phone: true } }),
      ]);
      const confirmed = new Set(consents.map((c) => c.phone));
      const plans: MessagePlan[] = [];
      for (const c of group) {
        if (!confirmed.has(c.phone)) continue;
        const history: CustomerHistory = { customerKey: c.key, phone: c.phone, firstName: c.firstName, locale: c.locale, orders: orders.filter((o) => o.customerKey === c.key) };
        const decision = planWinBack(history, { days: settings.winBackDays }, { locale: shop.locale, name: settings.shopName ?? shopDisplayName(shop.domain, shop.settings), url: storefrontUrl(shop.domain) }, now);
        if (decision.plan) plans.push(decision.plan);
      }
      if (plans.length === 0) continue;
      planned += await retryOnContention(() => db.$transaction((tx) => enqueuePlans(tx, shop.domain, plans, now)));
    }
  }
  if (planned > 0) deps.log?.(`win-back: ${planned} offer(s) planned`);
  return planned;
}
