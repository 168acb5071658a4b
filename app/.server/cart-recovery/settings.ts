// The cart-recovery settings in Shop.settings (JSON, only what differs from the defaults; REPLAY.md's
// config keys). A missing or unreadable value falls back to its default; `null` switches a policy off.

export interface DiscountSettings {
  /** Whole percent off, 1–100. */
  percent: number;
  /** The code expires this many days after it was created (just before step 2 is sent). */
  expiresInDays: number;
}

/** Estimated price of one delivered template message, per recipient country ("*" = every other) (METRICS.md "Money"). */
export interface CostRate {
  country: string;
  marketing: number;
  utility: number;
}

export interface CartRecoverySettings {
  enabled: boolean;
  /** Minutes after the checkout's last update: step 1 and (optionally) step 2. */
  stepsMinutes: number[];
  /** Share of eligible checkouts that get no reminder (0 = no holdout). */
  holdoutPercent: number;
  attributionWindowDays: number;
  /** Step 2 carries a unique code when set. */
  discount: DiscountSettings | null;
  costRates: CostRate[];
  costCurrency: string;
}

// Meta's per-message rates for Germany in EUR since July 2025 (marketing €0.1131, utility €0.0456), also used
// for other countries until the merchant enters theirs: the same defaults as the Settings page
// (costRates/costCurrency), so both pages estimate the same cost. Estimates, never an invoice.
export const DEFAULT_COST_RATES: CostRate[] = [
  { country: "DE", marketing: 0.1131, utility: 0.0456 },
  { country: "*", marketing: 0.1131, utility: 0.0456 },
];

export const DEFAULT_CART_RECOVERY: CartRecoverySettings = {
  enabled: true,
  stepsMinutes: [60, 1440],
  holdoutPercent: 10,
  attributionWindowDays: 5,
  discount: null,
  costRates: DEFAULT_COST_RATES,
  costCurrency: "EUR",
};

/**
 * The keys this flow reads in Shop.settings. They are the replay config's keys (REPLAY.md) and the Settings
 * page's (flows.cart_recovery.enabled, costRates, costCurrency); the discount keys are this flow's own.
 */
export const SETTING_KEYS = {
  steps: "cartRecoverySteps",
  holdoutPercent: "holdoutPercent",
  attributionWindowDays: "attributionWindowDays",
  discountPercent: "cartRecoveryDiscountPercent",
  discountDays: "cartRecoveryDiscountDays",
  costRates: "costRates",
  costCurrency: "costCurrency",
} as const;

function parseJson(json: string | null | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json ?? "{}");
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function parseSteps(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) return DEFAULT_CART_RECOVERY.stepsMinutes;
  const steps = value.slice(0, 2).map(Number);
  if (!steps.every((m) => Number.isFinite(m) && m >= 0)) return DEFAULT_CART_RECOVERY.stepsMinutes;
  // Step 2 must come after step 1; otherwise only step 1 is kept.
  return steps.length === 2 && steps[1] <= steps[0] ? [steps[0]] : steps;
}

function parseRates(value: unknown): CostRate[] {
  if (!Array.isArray(value)) return DEFAULT_COST_RATES;
  const rates = value.filter(
    (r): r is CostRate =>
      r !== null && typeof r === "object" && typeof r.country === "string" && /^([A-Z]{2}|\*)$/.test(r.country) && isNumber(r.marketing) && r.marketing >= 0 && isNumber(r.utility) && r.utility >= 0,
  );
  return rates.length ? rates.map(({ country, marketing, utility }) => ({ country, marketing, utility })) : DEFAULT_COST_RATES;
}

function flowEnabled(flows: unknown): boolean {
  const flow = flows !== null && typeof flows === "object" ? (flows as Record<string, unknown>).cart_recovery : undefined;
  return !(flow !== null && typeof flow === "object" && (flow as Record<string, unknown>).enabled === false);
}

export function cartRecoverySettings(settingsJson: string | null | undefined): CartRecoverySettings {
  const s = parseJson(settingsJson);
  const holdout = s[SETTING_KEYS.holdoutPercent];
  const window = s[SETTING_KEYS.attributionWindowDays];
  const percent = s[SETTING_KEYS.discountPercent];
  const days = s[SETTING_KEYS.discountDays];
  return {
    enabled: flowEnabled(s.flows),
    stepsMinutes: parseSteps(s[SETTING_KEYS.steps]),
    holdoutPercent: holdout === null ? 0 : isNumber(holdout) ? Math.min(100, Math.max(0, Math.round(holdout))) : DEFAULT_CART_RECOVERY.holdoutPercent,
    attributionWindowDays: isNumber(window) && window > 0 ? window : DEFAULT_CART_RECOVERY.attributionWindowDays,
    discount:
      isNumber(percent) && percent >= 1 && percent <= 100
        ? { percent: Math.round(percent), expiresInDays: isNumber(days) && days >= 1 ? Math.round(days) : 7 }
        : null,
    costRates: parseRates(s[SETTING_KEYS.costRates]),
    costCurrency: typeof s[SETTING_KEYS.costCurrency] === "string" && /^[A-Z]{3}$/.test(s[SETTING_KEYS.costCurrency] as string) ? (s[SETTING_KEYS.costCurrency] as string) : "EUR",
  };
}

/** The estimated price of one sent template message to `country`; a country without its own row uses "*". */
export function costRateFor(rates: readonly CostRate[], country: string | null, category: "MARKETING" | "UTILITY"): number {
  const row = rates.find((r) => r.country === country) ?? rates.find((r) => r.country === "*");
  if (!row) return 0;
  return category === "MARKETING" ? row.marketing : row.utility;
}
