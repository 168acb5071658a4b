// The stats for a period given as the shop's local dates, P = [from, to) as METRICS.md defines it: what the stats
// CLI prints and the stats CSV holds (the same object the replay prints).
import type { DbTx } from "../db";
import { startOfLocalDay } from "../analytics/period";
import { computeStats, type Stats } from "../analytics/stats";
import { shopTimeZone } from "../settings/store";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** Why the period cannot be used, or null. */
export function periodError(from: string, to: string): string | null {
  if (!isIsoDate(from)) return `from must be a date as YYYY-MM-DD (got "${from.slice(0, 20)}")`;
  if (!isIsoDate(to)) return `to must be a date as YYYY-MM-DD (got "${to.slice(0, 20)}")`;
  if (to <= from) return "to must be after from (the period is [from, to): to is the first day not counted)";
  return null;
}

export async function statsForDates(db: DbTx, shop: string, from: string, to: string): Promise<Stats> {
  const problem = periodError(from, to);
  if (problem) throw new RangeError(problem);
  const timezone = await shopTimeZone(db, shop);
  return computeStats(db, { shop, from: startOfLocalDay(from, timezone), to: startOfLocalDay(to, timezone) });
}
