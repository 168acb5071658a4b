// The worker computes again the kept retention a write dropped (retention-cache.ts), so that the dashboard's next
// load reads it instead of paying for the computation (at a million orders: ~0.2 s for 30 days, ~1 s for a year).
// Only periods someone loaded are kept, so only those are computed again; a row whose shop now has another time zone
// or lapse setting would never be read again, and goes.
import type { Db } from "../db";
import { effectiveSettings, parseStoredJson, timeZoneOf } from "../settings/store";
import { startOfLocalDay } from "./period";
import { DROPPED } from "./retention-cache";
import { computeStats } from "./stats";

export interface WarmRetentionCounts {
  computed: number;
  removed: number;
}

/** Computes up to `limit` dropped periods, the most recent first. */
export async function warmRetentionCache(db: Db, { limit }: { limit: number }): Promise<WarmRetentionCounts> {
  const counts: WarmRetentionCounts = { computed: 0, removed: 0 };
  const dropped = await db.retentionCache.findMany({ where: { figures: null, token: DROPPED.token }, orderBy: { toDay: "desc" }, take: limit });
  for (const row of dropped) {
    const key = { shop: row.shop, timezone: row.timezone, fromDay: row.fromDay, toDay: row.toDay, lapsedAfterDays: row.lapsedAfterDays };
    const shop = await db.shop.findUnique({ where: { domain: row.shop }, select: { timezone: true, settings: true, uninstalledAt: true } });
    const timezone = timeZoneOf(shop);
    if (!shop || shop.uninstalledAt || timezone !== row.timezone || effectiveSettings(parseStoredJson(shop.settings)).lapsedAfterDays !== row.lapsedAfterDays) {
      await db.retentionCache.deleteMany({ where: { ...key, ...DROPPED } });
      counts.removed += 1;
      continue;
    }
    // The loader's own path: it reserves the row, computes, and keeps the figures unless a write dropped them again.
    await computeStats(db, { shop: row.shop, from: startOfLocalDay(row.fromDay, timezone), to: startOfLocalDay(row.toDay, timezone) }, { summaryOnly: true });
    // Still dropped: the period is no longer one whose figures are kept (nobody has ordered since its end).
    const { count } = await db.retentionCache.deleteMany({ where: { ...key, ...DROPPED } });
    if (count > 0) counts.removed += 1;
    else counts.computed += 1;
  }
  return counts;
}
