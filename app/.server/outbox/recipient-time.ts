// The recipient's clock (DESIGN.md §4 quiet hours): which time zone a shopper lives in, and when the quiet
// hours they are in end. All wall-clock arithmetic goes through Intl, so daylight saving time is the tz
// database's, never a hand-kept offset.
import { phoneCountry } from "../identity";
import { minutesOfDay, type QuietHours } from "../settings/schema";
import { countryTimeZone } from "./country-time-zones";

export interface RecipientZone {
  zone: string;
  /** Where the zone came from: the order's or checkout's address, the phone number's country, or the shop. */
  basis: "address" | "phone" | "shop";
}

const FALLBACK_ZONE = "UTC";

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The address country when known, else the phone's country (libphonenumber), else the shop's time zone. */
export function recipientZone(input: { addressCountry: string | null; phone: string | null; shopTimeZone: string }): RecipientZone {
  const fromAddress = countryTimeZone(input.addressCountry);
  if (fromAddress) return { zone: fromAddress, basis: "address" };
  const fromPhone = input.phone ? countryTimeZone(phoneCountry(input.phone)) : null;
  if (fromPhone) return { zone: fromPhone, basis: "phone" };
  return { zone: isTimeZone(input.shopTimeZone) ? input.shopTimeZone : FALLBACK_ZONE, basis: "shop" };
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    formatters.set(zone, f);
  }
  return f;
}

/** What a wall clock in `zone` shows at `instant` (to the minute). */
export function wallClock(instant: Date, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute };
}

/** The wall clock reading as if it were UTC, in ms: comparable across instants of one zone. */
function wallMs(instant: Date, zone: string): number {
  const w = wallClock(instant, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The zone's offset from UTC at `instant` (whole minutes). */
function offsetMs(instant: number, zone: string): number {
  const floored = Math.floor(instant / MINUTE_MS) * MINUTE_MS;
  return wallMs(new Date(floored), zone) - floored;
}

/**
 * The first instant after `after` at which a clock in `zone` reads `wall` (a wall time written as UTC ms).
 * A wall time that occurs twice (clocks go back) is reached at its first occurrence after `after`; one that
 * never occurs (clocks jump forward over it) is reached at the jump.
 */
export function instantOfWallTime(wall: number, zone: string, after = -Infinity): Date {
  // Offsets change at most once within any two days, so the two candidates cover every case.
  const candidates = [...new Set([offsetMs(wall - DAY_MS, zone), offsetMs(wall + DAY_MS, zone)])].map((o) => wall - o).sort((a, b) => a - b);
  const exact = candidates.find((t) => t > after && wallMs(new Date(t), zone) === wall);
  if (exact !== undefined) return new Date(exact);
  // In the gap: the first minute whose wall time is at or past `wall` is the transition itself.
  let lo = candidates[0];
  let hi = candidates[candidates.length - 1];
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMs(new Date(mid), zone) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** When the quiet hours that `now` falls into end in `zone`, or null when `now` is outside them. */
export function quietHoursEnd(now: Date, zone: string, quiet: QuietHours): Date | null {
  const local = wallClock(now, zone);
  const minute = local.hour * 60 + local.minute;
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return null;
  // A window passing midnight entered in the evening ends tomorrow.
  const endDay = minute < end ? local.day : local.day + 1;
  return instantOfWallTime(Date.UTC(local.year, local.month - 1, endDay, 0, end), zone, now.getTime());
}
