// Moves a replay file (REPLAY.md) forward in time by whole weeks, so a history recorded once still ends
// shortly before today when the demo starts. Every timestamp moves: the `at` of each line and the times
// inside payloads, keeping their zone offset and precision. Whole weeks keep weekdays and times of day.

const WEEK_MS = 7 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function shiftTimestamp(value: string, ms: number): string {
  const m = ISO.exec(value);
  if (!m) return value;
  const [, , fraction, zone] = m;
  const offsetMin = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const local = new Date(Date.parse(value) + ms + offsetMin * 60_000).toISOString();
  return `${local.slice(0, 19)}${fraction ? local.slice(19, 23) : ""}${zone}`;
}

function shiftValue(value: unknown, ms: number): unknown {
  if (typeof value === "string") return shiftTimestamp(value, ms);
  if (Array.isArray(value)) return value.map((v) => shiftValue(v, ms));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftValue(v, ms)]));
  return value;
}

/**
 * Shifts the history so that its last event plus the attribution window lies at most one week
 * before `now` (never backwards, so messages the replay schedules are not in the future).
 */
export function shiftHistory(text: string, now: Date): { text: string; weeks: number } {
  const lines = text.split("\n").filter((l) => l.trim());
  if (lines.length < 2) return { text, weeks: 0 };
  const config = (JSON.parse(lines[0]) as { config?: { attributionWindowDays?: number } }).config ?? {};
  const events = lines.slice(1).map((l) => JSON.parse(l) as { at: string });
  const lastAt = Math.max(...events.map((e) => Date.parse(e.at)));
  const settledAt = lastAt + (config.attributionWindowDays ?? 5) * DAY_MS;
  const weeks = Math.max(0, Math.floor((now.getTime() - settledAt) / WEEK_MS));
  if (weeks === 0) return { text, weeks };
  const shifted = events.map((e) => JSON.stringify(shiftValue(e, weeks * WEEK_MS)));
  return { text: [lines[0], ...shifted].join("\n") + "\n", weeks };
}
