// Reading and writing Shop.settings. Reading never fails: each key that is missing or no longer valid
// takes its default on its own. Writing merges into what is stored (keys of other features are kept),
// drops values equal to their default, and never stores a value its schema rejects.
import type { DbTx } from "../db";
import { DEFAULT_SETTINGS, FLOW_IDS, settingsSchema, type FlowId, type FlowSettings, type OnboardingProgress, type ShopSettings } from "./schema";

type Json = Record<string, unknown>;

export function parseStoredJson(text: string | null | undefined): Json {
  try {
    const value: unknown = JSON.parse(text ?? "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return {};
  }
}

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The effective settings from a stored JSON object: defaults overlaid with every valid stored value. */
export function effectiveSettings(stored: Json): ShopSettings {
  const result = structuredClone(DEFAULT_SETTINGS) as ShopSettings;
  const shape = settingsSchema.shape;
  for (const key of Object.keys(shape) as (keyof ShopSettings)[]) {
    if (!(key in stored)) continue;
    let candidate = stored[key];
    // Nested objects may be stored in part; their missing fields come from the defaults.
    if (key === "flows" && isObject(candidate)) {
      const flows = {} as Record<FlowId, FlowSettings>;
      for (const flow of FLOW_IDS) {
        const merged = { ...DEFAULT_SETTINGS.flows[flow], ...(isObject(candidate[flow]) ? candidate[flow] : {}) };
        const parsed = shape.flows.shape[flow].safeParse(merged);
        flows[flow] = parsed.success ? parsed.data : DEFAULT_SETTINGS.flows[flow];
      }
      candidate = flows;
    } else if (key === "onboarding" && isObject(candidate)) {
      candidate = { ...DEFAULT_SETTINGS.onboarding, ...candidate };
    }
    const parsed = shape[key].safeParse(candidate);
    if (parsed.success) (result as Record<string, unknown>)[key] = parsed.data;
  }
  return result;
}

/** Keeps only what differs from the defaults (per flow and per onboarding field for the nested ones). */
function pruneDefaults(stored: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!(key in DEFAULT_SETTINGS)) {
      out[key] = value; // another feature's key: not ours to judge
      continue;
    }
    const fallback = DEFAULT_SETTINGS[key as keyof ShopSettings];
    if (key === "flows" && isObject(value)) {
      const flows: Json = {};
      for (const [flow, settings] of Object.entries(value)) {
        const def = DEFAULT_SETTINGS.flows[flow as FlowId];
        if (!def || !isObject(settings)) continue;
        const changed = Object.fromEntries(Object.entries(settings).filter(([k, v]) => !deepEqual(v, def[k as keyof FlowSettings])));
        if (Object.keys(changed).length > 0) flows[flow] = changed;
      }
      if (Object.keys(flows).length > 0) out.flows = flows;
    } else if (key === "onboarding" && isObject(value)) {
      const set = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
      if (Object.keys(set).length > 0) out.onboarding = set;
    } else if (!deepEqual(value, fallback)) {
      out[key] = value;
    }
  }
  return out;
}

export interface SettingsPatch extends Partial<Omit<ShopSettings, "flows" | "onboarding">> {
  flows?: Partial<Record<FlowId, Partial<FlowSettings>>>;
  onboarding?: Partial<OnboardingProgress>;
}

async function ensureShop(db: DbTx, shop: string) {
  return (
    (await db.shop.findUnique({ where: { domain: shop }, select: { settings: true, locale: true } })) ??
    (await db.shop.upsert({ where: { domain: shop }, create: { domain: shop }, update: {}, select: { settings: true, locale: true } }))
  );
}

/** The time zone of a shop that has no Shop row (yet): the column's schema default. */
export const DEFAULT_SHOP_TIME_ZONE = "Europe/Berlin";

/** The time zone of a Shop row read for other columns as well. */
export const timeZoneOf = (row: { timezone: string | null } | null | undefined): string => row?.timezone ?? DEFAULT_SHOP_TIME_ZONE;

/** The shop's time zone, for readers that need no other Shop column. */
export async function shopTimeZone(db: DbTx, shop: string): Promise<string> {
  return timeZoneOf(await db.shop.findUnique({ where: { domain: shop }, select: { timezone: true } }));
}

export async function readSettings(db: DbTx, shop: string): Promise<ShopSettings> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
  return effectiveSettings(parseStoredJson(row?.settings));
}

/** The settings plus the Shop columns the settings page shows (the shop's default message language). */
export async function readShop(db: DbTx, shop: string): Promise<{ settings: ShopSettings; locale: string; country: string; timezone: string; currency: string }> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true, locale: true, country: true, timezone: true, currency: true } });
  return {
    settings: effectiveSettings(parseStoredJson(row?.settings)),
    locale: row?.locale ?? "de",
    country: row?.country ?? "DE",
    timezone: timeZoneOf(row),
    currency: row?.currency ?? "EUR",
  };
}

/**
 * Merges `patch` into the stored settings and writes them. Throws if the result would not parse: callers
 * validate input first, so this is a programming error, and nothing is written.
 */
export async function writeSettings(db: DbTx, shop: string, patch: SettingsPatch, columns: { locale?: string } = {}): Promise<ShopSettings> {
  const row = await ensureShop(db, shop);
  const stored = parseStoredJson(row.settings);
  const merged = effectiveSettings(stored) as ShopSettings & Json;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === "flows") {
      for (const [flow, change] of Object.entries(value as Json)) merged.flows[flow as FlowId] = { ...merged.flows[flow as FlowId], ...(change as Json) };
    } else if (key === "onboarding") {
      merged.onboarding = { ...merged.onboarding, ...(value as Json) };
    } else {
      merged[key] = value;
    }
  }
  // Validate the whole result strictly, so an invalid patch never reaches the database.
  const checked = settingsSchema.parse(merged);
  const next: Json = { ...stored };
  for (const key of Object.keys(patch)) if (patch[key as keyof SettingsPatch] !== undefined) next[key] = checked[key as keyof ShopSettings];
  await db.shop.update({ where: { domain: shop }, data: { settings: JSON.stringify(pruneDefaults(next)), ...(columns.locale ? { locale: columns.locale } : {}) } });
  return checked;
}
