import type { Clock } from "../clock";
import type { DbTx } from "../db";
import { shopTimeZone } from "../settings/store";
import { localDate, startOfLocalDay } from "./period";
import { computeStats, type Stats } from "./stats";

/**
 * Stats for the last `days` whole local days up to and including today, in the shop's time zone,
 * with the first and last included day for display (Stats.to is exclusive, as METRICS.md defines P).
 */
export async function recentStats(db: DbTx, clock: Clock, shopDomain: string, days = 30): Promise<{ stats: Stats; firstDay: string; lastDay: string }> {
  const timezone = await shopTimeZone(db, shopDomain);
  const today = localDate(clock.now(), timezone);
  const tomorrow = localDate(new Date(startOfLocalDay(today, timezone).getTime() + 36 * 3_600_000), timezone);
  const first = localDate(new Date(startOfLocalDay(today, timezone).getTime() - (days - 1) * 86_400_000 + 12 * 3_600_000), timezone);
  const stats = await computeStats(db, {
    shop: shopDomain,
    from: startOfLocalDay(first, timezone),
    to: startOfLocalDay(tomorrow, timezone),
  });
  return { stats, firstDay: first, lastDay: today };
}
