// The cart-recovery figures of METRICS.md, exactly as defined there, from what is recorded: the step-1
// decision per checkout (CartRecovery), the reminders (Message), the clicks (Message.clickedAt) and the
// orders for the same checkout token (Order, without test orders and orders cancelled by their latest state).
// computeStats (analytics/stats.ts) prints the summary; the Cart recovery page also shows the list.
import type { DbTx } from "../db";
import { phoneCountry } from "../identity";
import { cartRecoverySettings, costRateFor } from "./settings";

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

export async function cartRecoveryFigures(db: DbTx, period: { shop: string; from: Date; to: Date }): Promise<CartRecoveryFigures> {
  const { shop, from, to } = period;
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true, currency: true } });
  const settings = cartRecoverySettings(shopRow?.settings);
  const windowMs = settings.attributionWindowDays * DAY;

  const checkouts = await db.cartRecovery.findMany({
    where: { shop, checkoutCreatedAt: { gte: from, lt: to }, decidedAt: { not: null } },
    select: { checkoutToken: true, step1DueAt: true, contactable: true, consentState: true, holdout: true },
  });
  const tokens = checkouts.map((c) => c.checkoutToken);
  const [orders, messages] = await Promise.all([
    inChunks(tokens, (chunk) =>
      db.order.findMany({
        where: { shop, checkoutToken: { in: chunk }, test: false, cancelledAt: null },
        select: { checkoutToken: true, createdAt: true, totalPrice: true, name: true },
        orderBy: { createdAt: "asc" },
      }),
    ),
    inChunks(tokens, (chunk) =>
      db.message.findMany({ where: { shop, flow: "cart_recovery", checkoutToken: { in: chunk } }, select: { checkoutToken: true, status: true, sentAt: true, clickedAt: true } }),
    ),
  ]);
  const ordersOf = new Map<string, typeof orders>();
  for (const o of orders) ordersOf.set(o.checkoutToken!, [...(ordersOf.get(o.checkoutToken!) ?? []), o]);
  const remindersOf = new Map<string, { firstSentAt: Date | null; firstClickAt: Date | null }>();
  for (const m of messages) {
    const r = remindersOf.get(m.checkoutToken!) ?? { firstSentAt: null, firstClickAt: null };
    if (SENT_STATUSES.has(m.status) && m.sentAt && (!r.firstSentAt || m.sentAt < r.firstSentAt)) r.firstSentAt = m.sentAt;
    if (m.clickedAt && (!r.firstClickAt || m.clickedAt < r.firstClickAt)) r.firstClickAt = m.clickedAt;
    remindersOf.set(m.checkoutToken!, r);
  }
  const firstOrderIn = (token: string, after: Date) =>
    (ordersOf.get(token) ?? []).find((o) => o.createdAt > after && o.createdAt.getTime() <= after.getTime() + windowMs) ?? null;

  const s = { abandoned: 0, eligible: 0, holdout: 0, reminded: 0, recoveredWindow: 0, recoveredClick: 0, holdoutRecovered: 0 };
  let revenueWindow = 0;
  let revenueClick = 0;
  const recovered: RecoveredCheckout[] = [];
  for (const c of checkouts) {
    const orderedByStep1 = (ordersOf.get(c.checkoutToken) ?? []).some((o) => o.createdAt <= c.step1DueAt);
    if (orderedByStep1) continue;
    s.abandoned += 1;
    if (!c.contactable || c.consentState !== "CONFIRMED") continue;
    s.eligible += 1;
    if (c.holdout) {
      s.holdout += 1;
      if (firstOrderIn(c.checkoutToken, c.step1DueAt)) s.holdoutRecovered += 1;
      continue;
    }
    const reminder = remindersOf.get(c.checkoutToken);
    if (!reminder?.firstSentAt) continue;
    s.reminded += 1;
    const order = firstOrderIn(c.checkoutToken, reminder.firstSentAt);
    if (!order) continue;
    s.recoveredWindow += 1;
    revenueWindow += toCents(order.totalPrice);
    const byClick = reminder.firstClickAt !== null && reminder.firstClickAt < order.createdAt;
    if (byClick) {
      s.recoveredClick += 1;
      revenueClick += toCents(order.totalPrice);
    }
    recovered.push({
      checkoutToken: c.checkoutToken, abandonedAt: c.step1DueAt, firstReminderAt: reminder.firstSentAt, clickedAt: reminder.firstClickAt,
      orderedAt: order.createdAt, orderName: order.name, totalPrice: order.totalPrice, attribution: byClick ? "click" : "window",
    });
  }

  // Cost: cart reminders created in P that went out (METRICS.md "Messages": sent ∪ delivered ∪ read), priced per recipient country.
  const sent = await db.message.findMany({
    where: { shop, flow: "cart_recovery", createdAt: { gte: from, lt: to }, status: { in: [...SENT_STATUSES] } },
    select: { to: true, category: true },
  });
  // Rates have four decimals: sum in ten-thousandths, then round once to the cent.
  const costTenThousandths = sent.reduce(
    (sum, m) => sum + Math.round(costRateFor(settings.costRates, m.to ? phoneCountry(m.to) : null, m.category === "UTILITY" ? "UTILITY" : "MARKETING") * 10_000),
    0,
  );
  const costCents = Math.round(costTenThousandths / 100);

  const recoveryRate = ratio(s.recoveredWindow, s.reminded);
  const holdoutRate = ratio(s.holdoutRecovered, s.holdout);
  const enough = s.holdout >= MIN_HOLDOUT_FOR_LIFT;
  const lift = enough ? recoveryRate - holdoutRate : null;
  let liftInterval: CartRecoveryFigures["liftInterval"] = null;
  if (lift !== null && s.reminded > 0) {
    const se = Math.sqrt((recoveryRate * (1 - recoveryRate)) / s.reminded + (holdoutRate * (1 - holdoutRate)) / s.holdout);
    liftInterval = { low: lift - 1.96 * se, high: lift + 1.96 * se };
  }
  recovered.sort((a, b) => b.orderedAt.getTime() - a.orderedAt.getTime());
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
    recovered,
    liftInterval,
    attributionWindowDays: settings.attributionWindowDays,
    currency: shopRow?.currency ?? "EUR",
  };
}
