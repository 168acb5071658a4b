// A shop's settings: what the merchant can change, their defaults (DESIGN.md §4–6, METRICS.md), and the
// app's per-shop state (onboarding progress, the admin language; the synced templates live in the
// WhatsAppTemplate table). Stored in Shop.settings as JSON; only values that differ from the defaults are
// kept there (see store.ts), so a better default reaches every shop that never changed it. Keys the replay config uses
// (holdoutPercent, attributionWindowDays, cartRecoverySteps, quietHours, marketingCapPer7Days) are the
// same keys here, so a replayed demo shop shows its own settings.
import { z } from "zod";

/** Every flow the product knows, in the order the Automations page lists them. */
export const FLOW_IDS = ["order_confirmation", "opt_in_confirmation", "cart_recovery", "shipping_update", "feedback", "wismo", "auto_reply", "back_in_stock", "win_back", "loyalty"] as const;
export type FlowId = (typeof FLOW_IDS)[number];

export const isFlowId = (flow: string): flow is FlowId => (FLOW_IDS as readonly string[]).includes(flow);

/** Flows whose send time the merchant sets as one delay after the event (cart recovery has two steps instead). */
export const DELAYED_FLOWS: readonly FlowId[] = ["order_confirmation", "opt_in_confirmation"];

export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
const timeOfDay = z.string().regex(TIME_OF_DAY);
export const MAX_QUIET_HOURS = 16;

export function minutesOfDay(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return h * 60 + m;
}

/** Length of a quiet-hours window in minutes; a window that passes midnight (21:00–08:00) is fine. */
export function quietWindowMinutes(start: string, end: string): number {
  return (minutesOfDay(end) - minutesOfDay(start) + 24 * 60) % (24 * 60);
}

export const quietHoursSchema = z
  .object({ start: timeOfDay, end: timeOfDay })
  .refine((q) => quietWindowMinutes(q.start, q.end) > 0 && quietWindowMinutes(q.start, q.end) <= MAX_QUIET_HOURS * 60);
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const costRateSchema = z.object({
  /** ISO country code, or "*" for every country without its own row. */
  country: z.string().regex(/^([A-Z]{2}|\*)$/),
  marketing: z.number().min(0).max(10),
  utility: z.number().min(0).max(10),
});
export type CostRate = z.infer<typeof costRateSchema>;

export const flowSettingsSchema = z.object({
  enabled: z.boolean(),
  /** Minutes after the event (flows in DELAYED_FLOWS). */
  delayMinutes: z.number().int().min(0).max(7 * 24 * 60),
  /** A synced template to use instead of Momento's suggested one; null = the suggested one. */
  template: z.string().min(1).max(512).nullable(),
  /** The how-to video a template with a VIDEO header shows (https); null = none set. */
  headerVideoUrl: z.url({ protocol: /^https$/ }).max(2000).nullable(),
});
export type FlowSettings = z.infer<typeof flowSettingsSchema>;

export const syncedTemplateSchema = z.object({
  name: z.string(),
  language: z.string(),
  status: z.string(),
  category: z.string(),
  body: z.string(),
  /** Placeholders {{n}} in the body. */
  parameters: z.number().int(),
  buttons: z.array(z.object({ type: z.string(), text: z.string(), url: z.string().optional() })),
  /** The HEADER component's format; absent (rows and JSON from before headers were read) = no header. */
  header: z.enum(["none", "TEXT", "IMAGE", "VIDEO", "DOCUMENT"]).optional(),
  /** Placeholders {{n}} in a TEXT header (Momento fills none, so such a template cannot stand in for another). */
  headerParameters: z.number().int().optional(),
});
export type SyncedTemplate = z.infer<typeof syncedTemplateSchema>;

export const onboardingSchema = z.object({
  connectedAt: z.string().nullable(),
  templatesSyncedAt: z.string().nullable(),
  testMessageId: z.string().nullable(),
  testSentAt: z.string().nullable(),
  checkoutConfirmedAt: z.string().nullable(),
  flowsConfirmedAt: z.string().nullable(),
});
export type OnboardingProgress = z.infer<typeof onboardingSchema>;

const flowsShape = Object.fromEntries(FLOW_IDS.map((f) => [f, flowSettingsSchema])) as Record<FlowId, typeof flowSettingsSchema>;

/** One schema per key: a stored value that no longer parses falls back to its default, alone. */
export const settingsSchema = z.object({
  /** The shop's name as shoppers read it in messages ({{1}} of the opt-in templates); null = from the domain. */
  shopName: z.string().min(1).max(60).nullable(),
  quietHours: quietHoursSchema.nullable(),
  /** Marketing messages per shopper per rolling 7 days; null = no cap. */
  marketingCapPer7Days: z.number().int().min(1).max(20).nullable(),
  attributionWindowDays: z.number().int().min(1).max(30),
  holdoutPercent: z.number().int().min(0).max(50),
  /** METRICS.md "Lapsed": a customer whose last order is more than this many days before the period's end. */
  lapsedAfterDays: z.number().int().min(7).max(730),
  /** Minutes after the abandoned checkout for step 1 and step 2. */
  cartRecoverySteps: z.tuple([z.number().int().min(15), z.number().int()]),
  /** Win-back: one-time buyers get one offer this many days after their order. */
  winBackDays: z.number().int().min(14).max(365),
  /** Percent off of the win-back code (one unique code per message; loyalty has its own below). */
  winBackDiscountPercent: z.number().int().min(1).max(50),
  /** Loyalty: the thank-you with a code goes out after this many orders. */
  loyaltyOrderCount: z.number().int().min(2).max(20),
  loyaltyDiscountPercent: z.number().int().min(1).max(50),
  /** Lifetime value (sum of non-cancelled, non-test orders, shop currency) above which a customer is tagged; null = never. */
  vipLifetimeValue: z.number().min(1).max(1_000_000).nullable(),
  /** The Shopify customer tag the VIPs get (tagsAdd, once per customer). */
  vipTag: z.string().trim().min(1).max(40).regex(/^[^,]+$/),
  /** Estimated price per delivered template message in costCurrency, by recipient country and category. */
  costRates: z.array(costRateSchema).min(1),
  costCurrency: z.string().length(3),
  flows: z.object(flowsShape),
  /** Days after delivery (or, without a delivery report, after fulfilment) before the feedback request. */
  feedbackDelayDays: z.number().int().min(1).max(60),
  /** The merchant's number for the onboarding test message (E.164). */
  merchantPhone: z.string().nullable(),
  /**
   * The id of the Meta app behind the shop's own WhatsApp connection: the Resumable Upload API opens its sessions
   * under /{app-id}/uploads (the example image of the IMAGE-header templates). Optional; kept here rather than in
   * WhatsAppConnection because it is no secret and needs no migration. null = not given.
   */
  metaAppId: z.string().regex(/^\d{5,25}$/).nullable(),
  adminLocale: z.enum(["de", "en"]).nullable(),
  onboarding: onboardingSchema,
});
export type ShopSettings = z.infer<typeof settingsSchema>;
export type SettingsKey = keyof ShopSettings;

const flowDefault = (enabled: boolean): FlowSettings => ({ enabled, delayMinutes: 0, template: null, headerVideoUrl: null });

export const DEFAULT_SETTINGS: ShopSettings = {
  shopName: null,
  quietHours: { start: "21:00", end: "08:00" },
  marketingCapPer7Days: 2,
  attributionWindowDays: 5,
  holdoutPercent: 10,
  lapsedAfterDays: 90,
  cartRecoverySteps: [60, 24 * 60],
  winBackDays: 60,
  winBackDiscountPercent: 10,
  loyaltyOrderCount: 3,
  loyaltyDiscountPercent: 10,
  vipLifetimeValue: 500,
  vipTag: "whatsapp-vip",
  // Meta's per-message rates for Germany in EUR since July 2025 (marketing €0.1131, utility €0.0456);
  // other countries use the same until the merchant enters theirs. Estimates, never an invoice.
  costRates: [
    { country: "DE", marketing: 0.1131, utility: 0.0456 },
    { country: "*", marketing: 0.1131, utility: 0.0456 },
  ],
  costCurrency: "EUR",
  flows: {
    // The built flows are on unless switched off: shops that ran before this page existed keep working.
    order_confirmation: flowDefault(true),
    opt_in_confirmation: flowDefault(true),
    cart_recovery: flowDefault(true),
    shipping_update: flowDefault(true),
    feedback: flowDefault(true),
    wismo: flowDefault(true),
    auto_reply: flowDefault(true),
    back_in_stock: flowDefault(false),
    win_back: flowDefault(false),
    loyalty: flowDefault(false),
  },
  feedbackDelayDays: 7,
  merchantPhone: null,
  metaAppId: null,
  adminLocale: null,
  onboarding: { connectedAt: null, templatesSyncedAt: null, testMessageId: null, testSentAt: null, checkoutConfirmedAt: null, flowsConfirmedAt: null },
};

/** The estimated price of one delivered template message to `country` (METRICS.md "Money"). */
export function costRateFor(rates: readonly CostRate[], country: string | null, category: "MARKETING" | "UTILITY"): number {
  const row = rates.find((r) => r.country === country) ?? rates.find((r) => r.country === "*");
  if (!row) return 0;
  return category === "MARKETING" ? row.marketing : row.utility;
}
