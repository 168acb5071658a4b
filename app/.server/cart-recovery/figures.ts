// The cart-recovery figures of METRICS.md, exactly as defined there, from what is recorded: the step-1
// decision per checkout (CartRecovery), the reminders (Message), the clicks (Message.clickedAt) and the
// orders for the same checkout token (Order, without test orders and orders cancelled by their latest state).
// The Cart recovery page computes them from those rows with the list of recovered checkouts; computeStats
// (analytics/stats.ts) sums each checkout's outcome columns, which the write points keep (recordCheckoutOutcomes).
import type { DbTx } from "../db";
import { phoneCountry } from "../identity";
import { cartRecoverySettings, costRateFor, type CostRate } from "./settings";

export interface CartRecoveryStats {
  abandoned: number;
  eligible: number;
  holdout: number;
  reminded: number;
  recoveredWindow: number;
  recoveredClick: number;
  holdoutRecovered: number;
  /** Decimal strings with two places, in the shop currency. */
  recoveredRevenueWindow: string;
  recoveredRevenueClick: string;
  recoveryRate: number;
  holdoutRate: number;
  /** recoveryRate − holdoutRate (a fraction: 0.05 = 5 percentage points); null with fewer than 30 holdout checkouts. */
  incrementalLift: number | null;
  /** METRICS.md "Money": sum of the rate per sent cart reminder (recipient country, MARKETING). */
  estimatedCost: string;
  /** recoveredRevenueWindow / estimatedCost; null when nothing was spent. */
  roi: number | null;
}

export interface RecoveredCheckout {
  checkoutToken: string;
  /** Step-1 time: when the checkout counted as abandoned. */
  abandonedAt: Date;
  firstReminderAt: Date;
  clickedAt: Date | null;
  orderedAt: Date;
  orderName: string;
  totalPrice: string;
  /** "click": the shopper opened a reminder's link before ordering; "window": ordered within the window only. */
  attribution: "click" | "window";
}

export interface CartRecoveryFigures {
  stats: CartRecoveryStats;
  /** The recovered (window) checkouts, latest order first. */
  recovered: RecoveredCheckout[];
  /** 95 % interval of the lift (normal approximation for a difference of two proportions); null without a lift. */
  liftInterval: { low: number; high: number } | null;
  attributionWindowDays: number;
  currency: string;
}

/** Fewer holdout checkouts than this and the lift is "not enough data" (METRICS.md). */
export const MIN_HOLDOUT_FOR_LIFT = 30;
const SENT_STATUSES = new Set(["SENT", "DELIVERED", "READ"]);
const DAY = 86_400_000;
// Tokens per IN list: below SQLite's default limit of 999 bound parameters per statement.
const CHUNK = 500;

/** "49.90" → 4990, exactly (no floating point); more than two decimals round half up. */
export function toCents(amount: string): number {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return 0;
  const [, sign, whole, fraction = ""] = match;
  const cents = Number(whole) * 100 + Number((fraction + "00").slice(0, 2)) + (Number(fraction[2] ?? "0") >= 5 ? 1 : 0);
  return sign === "-" ? -cents : cents;
}

export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

async function inChunks<T>(values: string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(...(await load(values.slice(i, i + CHUNK))));
  return out;
}

async function sentRemindersOf(db: DbTx, period: { shop: string; from: Date; to: Date }): Promise<SentReminders[]> {
  const messages = await db.message.findMany({
    where: { shop: period.shop, flow: "cart_recovery", createdAt: { gte: period.from, lt: period.to }, status: { in: [...SENT_STATUSES] } },
    select: { to: true, category: true },
  });
  return messages.map((m) => ({ country: m.to ? phoneCountry(m.to) : null, category: m.category === "UTILITY" ? "UTILITY" : "MARKETING", count: 1 }));
}

/** Cart reminders created in P that went out (sent ∪ delivered ∪ read), per recipient country and category. */
export interface SentReminders {
  country: string | null;
  category: "MARKETING" | "UTILITY";
  count: number;
}

/** METRICS.md "Money": rates have four decimals, so the sum is taken in ten-thousandths and rounded once to the cent. */
export function estimatedCostCents(rates: readonly CostRate[], sent: readonly SentReminders[]): number {
  const tenThousandths = sent.reduce((sum, s) => sum + s.count * Math.round(costRateFor(rates, s.country, s.category) * 10_000), 0);
  return Math.round(tenThousandths / 100);
}

interface LiveOrder {
  createdAt: Date;
  totalPrice: string;
  name: string;
}

/**
 * One checkout's part in the figures, whatever the attribution window: whether it was abandoned, its first reminder
 * that went out (not for holdout checkouts), and the first order after the anchor (holdout: step-1 time, else the
 * first reminder) with how long after it came and whether a reminder's link was opened before it.
 */
export interface CheckoutOutcome {
  abandoned: boolean;
  firstReminderAt: Date | null;
  firstClickAt: Date | null;
  recovery: { order: LiveOrder; afterMs: number; byClick: boolean } | null;
}

/** The orders (not test, not cancelled; oldest first) and the reminders' first send and click, per checkout token. */
async function checkoutFacts(db: DbTx, shop: string, tokens: string[]) {
  const [orders, messages] = await Promise.all([
    inChunks(tokens, (chunk) =>
      db.order.findMany({
        where: { shop, checkoutToken: { in: chunk }, test: false, cancelledAt: null },
        select: { checkoutToken: true, createdAt: true, totalPrice: true, name: true },
      }),
    ),
    inChunks(tokens, (chunk) =>
      db.message.findMany({ where: { shop, flow: "cart_recovery", checkoutToken: { in: chunk } }, select: { checkoutToken: true, status: true, sentAt: true, clickedAt: true } }),
    ),
  ]);
  // Sorted here: with ORDER BY createdAt, SQLite walks the shop's orders by (shop, createdAt) instead of looking
  // the tokens up by (shop, checkoutToken).
  const ordersOf = new Map<string, LiveOrder[]>();
  for (const o of orders) ordersOf.set(o.checkoutToken!, [...(ordersOf.get(o.checkoutToken!) ?? []), o]);
  for (const list of ordersOf.values()) list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const remindersOf = new Map<string, { firstSentAt: Date | null; firstClickAt: Date | null }>();
  for (const m of messages) {
    const r = remindersOf.get(m.checkoutToken!) ?? { firstSentAt: null, firstClickAt: null };
    if (SENT_STATUSES.has(m.status) && m.sentAt && (!r.firstSentAt || m.sentAt < r.firstSentAt)) r.firstSentAt = m.sentAt;
    if (m.clickedAt && (!r.firstClickAt || m.clickedAt < r.firstClickAt)) r.firstClickAt = m.clickedAt;
    remindersOf.set(m.checkoutToken!, r);
  }
  return (c: { checkoutToken: string; step1DueAt: Date; holdout: boolean | null }): CheckoutOutcome => {
    const orders = ordersOf.get(c.checkoutToken) ?? [];
    const reminders = remindersOf.get(c.checkoutToken);
    const firstReminderAt = c.holdout ? null : (reminders?.firstSentAt ?? null);
    const anchor = c.holdout ? c.step1DueAt : firstReminderAt;
    const order = anchor ? orders.find((o) => o.createdAt > anchor) : undefined;
    const firstClickAt = reminders?.firstClickAt ?? null;
    return {
      abandoned: !orders.some((o) => o.createdAt <= c.step1DueAt),
      firstReminderAt,
      firstClickAt,
      recovery: order && anchor ? { order, afterMs: order.createdAt.getTime() - anchor.getTime(), byClick: firstClickAt !== null && firstClickAt < order.createdAt } : null,
    };
  };
}

type Counts = Pick<CartRecoveryStats, "abandoned" | "eligible" | "holdout" | "reminded" | "recoveredWindow" | "recoveredClick" | "holdoutRecovered">;

/** The stats and the lift's interval from the counts (METRICS.md "Cart recovery", "Money"). */
function summarize(s: Counts, revenueWindow: number, revenueClick: number, costCents: number): { stats: CartRecoveryStats; liftInterval: CartRecoveryFigures["liftInterval"] } {
  const recoveryRate = ratio(s.recoveredWindow, s.reminded);
  const holdoutRate = ratio(s.holdoutRecovered, s.holdout);
  const enough = s.holdout >= MIN_HOLDOUT_FOR_LIFT;
  const lift = enough ? recoveryRate - holdoutRate : null;
  let liftInterval: CartRecoveryFigures["liftInterval"] = null;
  if (lift !== null && s.reminded > 0) {
    const se = Math.sqrt((recoveryRate * (1 - recoveryRate)) / s.reminded + (holdoutRate * (1 - holdoutRate)) / s.holdout);
    liftInterval = { low: lift - 1.96 * se, high: lift + 1.96 * se };
  }
  return {
    stats: {
      ...s,
      recoveredRevenueWindow: formatCents(revenueWindow),
      recoveredRevenueClick: formatCents(revenueClick),
      recoveryRate,
      holdoutRate,
      incrementalLift: lift,
      estimatedCost: formatCents(costCents),
      roi: costCents === 0 ? null : revenueWindow / costCents,
    },
    liftInterval,
  };
}

/** The figures with the list of recovered checkouts (the Cart recovery page), from the checkouts of P and their rows. */
export async function cartRecoveryFigures(db: DbTx, period: { shop: string; from: Date; to: Date }): Promise<CartRecoveryFigures> {
  const { shop, from, to } = period;
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true, currency: true } });
  const settings = cartRecoverySettings(shopRow?.settings);
  const windowMs = settings.attributionWindowDays * DAY;

  const checkouts = await db.cartRecovery.findMany({
    where: { shop, checkoutCreatedAt: { gte: from, lt: to }, decidedAt: { not: null } },
    select: { checkoutToken: true, step1DueAt: true, contactable: true, consentState: true, holdout: true },
  });
  const outcomeOf = await checkoutFacts(db, shop, checkouts.map((c) => c.checkoutToken));

  const s: Counts = { abandoned: 0, eligible: 0, holdout: 0, reminded: 0, recoveredWindow: 0, recoveredClick: 0, holdoutRecovered: 0 };
  let revenueWindow = 0;
  let revenueClick = 0;
  const recovered: RecoveredCheckout[] = [];
  for (const c of checkouts) {
    const { abandoned, firstReminderAt, firstClickAt, recovery } = outcomeOf(c);
    const inWindow = recovery !== null && recovery.afterMs <= windowMs;
    if (!abandoned) continue;
    s.abandoned += 1;
    if (!c.contactable || c.consentState !== "CONFIRMED") continue;
    s.eligible += 1;
    if (c.holdout) {
      s.holdout += 1;
      if (inWindow) s.holdoutRecovered += 1;
      continue;
    }
    if (!firstReminderAt) continue;
    s.reminded += 1;
    if (!inWindow) continue;
    const { order, byClick } = recovery;
    s.recoveredWindow += 1;
    revenueWindow += toCents(order.totalPrice);
    if (byClick) {
      s.recoveredClick += 1;
      revenueClick += toCents(order.totalPrice);
    }
    recovered.push({
      checkoutToken: c.checkoutToken, abandonedAt: c.step1DueAt, firstReminderAt, clickedAt: firstClickAt,
      orderedAt: order.createdAt, orderName: order.name, totalPrice: order.totalPrice, attribution: byClick ? "click" : "window",
    });
  }
  const costCents = estimatedCostCents(settings.costRates, await sentRemindersOf(db, period));
  recovered.sort((a, b) => b.orderedAt.getTime() - a.orderedAt.getTime());
  return { ...summarize(s, revenueWindow, revenueClick, costCents), recovered, attributionWindowDays: settings.attributionWindowDays, currency: shopRow?.currency ?? "EUR" };
}

/**
 * Keeps CartRecovery's outcome columns (abandoned … recoveryByClick) equal to what the checkouts' rows say: called by
 * the write points of a decision, an order for the token, a reminder's status and a click, in their transaction, and
 * by the rollup rebuild. Recomputes from the rows, so calling it again changes nothing. Undecided checkouts keep null.
 */
export async function recordCheckoutOutcomes(db: DbTx, shop: string, tokens: readonly string[]): Promise<number> {
  if (tokens.length === 0) return 0;
  const rows = await inChunks([...new Set(tokens)], (chunk) =>
    db.cartRecovery.findMany({
      where: { shop, checkoutToken: { in: chunk }, decidedAt: { not: null } },
      select: { id: true, checkoutToken: true, step1DueAt: true, holdout: true, abandoned: true, reminded: true, recoveryAfterMs: true, recoveryCents: true, recoveryByClick: true },
    }),
  );
  const outcomeOf = await checkoutFacts(db, shop, rows.map((r) => r.checkoutToken));
  // Rows with the same columns are written together: at decision time most are "abandoned, nothing sent yet".
  const changed = new Map<string, string[]>();
  for (const row of rows) {
    const { abandoned, firstReminderAt, recovery } = outcomeOf(row);
    const columns = {
      abandoned,
      reminded: firstReminderAt !== null,
      recoveryAfterMs: recovery?.afterMs ?? null,
      recoveryCents: recovery ? toCents(recovery.order.totalPrice) : null,
      recoveryByClick: recovery?.byClick ?? null,
    };
    if ((Object.keys(columns) as (keyof typeof columns)[]).every((k) => row[k] === columns[k])) continue;
    const key = JSON.stringify(columns);
    changed.set(key, [...(changed.get(key) ?? []), row.id]);
  }
  for (const [columns, ids] of changed) {
    for (let i = 0; i < ids.length; i += CHUNK) await db.cartRecovery.updateMany({ where: { id: { in: ids.slice(i, i + CHUNK) } }, data: JSON.parse(columns) });
  }
  return [...changed.values()].reduce((sum, ids) => sum + ids.length, 0);
}

/**
 * The stats' cart-recovery figures (no list) from the outcome columns of P's checkouts: one statement, whatever the
 * number of orders and reminders behind them. The window applies here, so changing the setting needs no rebuild.
 */
export async function cartRecoveryStats(db: DbTx, period: { shop: string; from: Date; to: Date }, sentReminders: readonly SentReminders[]): Promise<CartRecoveryStats> {
  const { shop, from, to } = period;
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
  const settings = cartRecoverySettings(shopRow?.settings);
  const windowMs = settings.attributionWindowDays * DAY;
  const [row] = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT COUNT(*) AS abandoned,
      SUM(CASE WHEN x.el THEN 1 ELSE 0 END) AS eligible,
      SUM(CASE WHEN x.el AND x.ho THEN 1 ELSE 0 END) AS holdout,
      SUM(CASE WHEN x.el AND x.ho AND x.w THEN 1 ELSE 0 END) AS holdout_recovered,
      SUM(CASE WHEN x.el AND NOT x.ho AND x.re THEN 1 ELSE 0 END) AS reminded,
      SUM(CASE WHEN x.el AND NOT x.ho AND x.re AND x.w THEN 1 ELSE 0 END) AS recovered_window,
      SUM(CASE WHEN x.el AND NOT x.ho AND x.re AND x.w THEN x.cents ELSE 0 END) AS revenue_window,
      SUM(CASE WHEN x.el AND NOT x.ho AND x.re AND x.w AND x.click THEN 1 ELSE 0 END) AS recovered_click,
      SUM(CASE WHEN x.el AND NOT x.ho AND x.re AND x.w AND x.click THEN x.cents ELSE 0 END) AS revenue_click
    FROM (
      SELECT COALESCE(r."contactable" AND r."consentState" = 'CONFIRMED', false) AS el, COALESCE(r."holdout", false) AS ho,
        COALESCE(r."reminded", false) AS re, COALESCE(r."recoveryAfterMs" <= ${windowMs}, false) AS w,
        COALESCE(r."recoveryByClick", false) AS click, r."recoveryCents" AS cents
      FROM "CartRecovery" r
      WHERE r."shop" = ${shop} AND r."checkoutCreatedAt" >= ${from} AND r."checkoutCreatedAt" < ${to} AND r."decidedAt" IS NOT NULL AND r."abandoned"
    ) x`;
  const n = (key: string) => Number(row?.[key] ?? 0);
  const counts: Counts = {
    abandoned: n("abandoned"), eligible: n("eligible"), holdout: n("holdout"), reminded: n("reminded"),
    recoveredWindow: n("recovered_window"), recoveredClick: n("recovered_click"), holdoutRecovered: n("holdout_recovered"),
  };
  return summarize(counts, n("revenue_window"), n("revenue_click"), estimatedCostCents(settings.costRates, sentReminders)).stats;
}
