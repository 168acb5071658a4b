// The dashboard's data: the chosen period (a preset or custom local dates in the shop's time zone) and the
// period of the same length just before it, each as the stats JSON. Every figure on the page comes from these.
import type { Clock } from "../clock";
import type { DbTx } from "../db";
import { shopTimeZone } from "../settings/store";
import { addDays, localDate, startOfLocalDay } from "./period";
import { computeStats, type Stats } from "./stats";

export const PRESETS = { "7d": 7, "30d": 30, "90d": 90, "365d": 365 } as const;
export type Preset = keyof typeof PRESETS | "custom";
const MAX_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface DashboardPeriod {
  preset: Preset;
  /** First and last local day shown (inclusive), and the previous period's. */
  first: string;
  last: string;
  prevFirst: string;
  prevLast: string;
  timezone: string;
  /** The custom dates were not usable: the default preset is shown instead. */
  invalid: boolean;
}

export interface DashboardData {
  period: DashboardPeriod;
  stats: Stats;
  /** The previous period's summary figures for the cards' comparisons (no daily series, no cohorts). */
  previous: Stats;
}

const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
const isDate = (s: string | null): s is string => !!s && DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** The period from the page's query (?preset=30d, or ?preset=custom&from=YYYY-MM-DD&to=YYYY-MM-DD, `to` inclusive). */
export function choosePeriod(query: URLSearchParams, today: string, timezone: string): DashboardPeriod {
  const asked = query.get("preset") ?? "30d";
  let preset: Preset = asked in PRESETS || asked === "custom" ? (asked as Preset) : "30d";
  let first: string;
  let last: string;
  let invalid = false;
  const from = query.get("from");
  const to = query.get("to");
  if (preset === "custom" && isDate(from) && isDate(to) && from <= to && daysBetween(from, to) < MAX_DAYS) {
    first = from;
    last = to;
  } else {
    if (preset === "custom") {
      invalid = true;
      preset = "30d";
    }
    last = today;
    first = addDays(today, -(PRESETS[preset as keyof typeof PRESETS] - 1));
  }
  const length = daysBetween(first, last) + 1;
  const prevLast = addDays(first, -1);
  return { preset, first, last, prevFirst: addDays(prevLast, -(length - 1)), prevLast, timezone, invalid };
}

const statsFor = (db: DbTx, shop: string, first: string, last: string, timezone: string, summaryOnly = false) =>
  computeStats(db, { shop, from: startOfLocalDay(first, timezone), to: startOfLocalDay(addDays(last, 1), timezone) }, { summaryOnly });

export async function dashboardData(db: DbTx, clock: Clock, shop: string, query: URLSearchParams): Promise<DashboardData> {
  const timezone = await shopTimeZone(db, shop);
  const period = choosePeriod(query, localDate(clock.now(), timezone), timezone);
  const [stats, previous] = await Promise.all([statsFor(db, shop, period.first, period.last, timezone), statsFor(db, shop, period.prevFirst, period.prevLast, timezone, true)]);
  return { period, stats, previous };
}
