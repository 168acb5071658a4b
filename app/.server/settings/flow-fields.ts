// The settings a flow brings along on the Automations page beyond its switch and template, as data: win-back's
// days and percent, loyalty's k, percent, VIP threshold and tag, each template flow's video URL for a VIDEO header.
// One definition drives the page's fields, the form's checks and what is saved.
import type { AdminLanguage } from "../i18n/locale";
import { integer, text, type FieldErrors } from "./form";
import type { FlowId, ShopSettings } from "./schema";

type NumberKey = "feedbackDelayDays" | "winBackDays" | "winBackDiscountPercent" | "loyaltyOrderCount" | "loyaltyDiscountPercent" | "vipLifetimeValue";
type ShopKey = NumberKey | "vipTag";
/** headerVideoUrl is the flow's own (ShopSettings.flows[flow]); the others are shop-wide keys. */
export type FlowFieldKey = ShopKey | "headerVideoUrl";
export type FlowFieldValues = Partial<Pick<ShopSettings, ShopKey>> & { headerVideoUrl?: string | null };

const MAX_URL = 2000;

export interface FlowField {
  key: FlowFieldKey;
  kind: "integer" | "tag" | "httpsUrl";
  min?: number;
  max?: number;
  /** Empty switches it off (null). */
  optional?: boolean;
  label: Record<AdminLanguage, string>;
  help: Record<AdminLanguage, string>;
}

const percent = (key: "winBackDiscountPercent" | "loyaltyDiscountPercent"): FlowField => ({
  key,
  kind: "integer",
  min: 1,
  max: 50,
  label: { en: "Discount (percent)", de: "Rabatt (Prozent)" },
  help: {
    en: "Each message carries its own single-use code, created in Shopify right before it is sent and valid for 30 days.",
    de: "Jede Nachricht bekommt einen eigenen Einmal-Code, der direkt vor dem Versand in Shopify angelegt wird und 30 Tage gilt.",
  },
});

const headerVideo: FlowField = {
  key: "headerVideoUrl",
  kind: "httpsUrl",
  optional: true,
  label: { en: "How-to video for a video header (https URL)", de: "Anleitungsvideo für eine Video-Kopfzeile (https-URL)" },
  help: {
    en: "Only used when the chosen template has a VIDEO header: the message shows this video above the text (MP4, publicly reachable). Without a URL such a template is not used and Momento's suggested template goes out instead.",
    de: "Wird nur genutzt, wenn die gewählte Vorlage eine VIDEO-Kopfzeile hat: Die Nachricht zeigt dieses Video über dem Text (MP4, öffentlich erreichbar). Ohne URL wird so eine Vorlage nicht genutzt und Momentos vorgeschlagene Vorlage geht raus.",
  },
};

const SHOP_FIELDS: Partial<Record<FlowId, FlowField[]>> = {
  feedback: [
    {
      key: "feedbackDelayDays",
      kind: "integer",
      min: 1,
      max: 60,
      label: { en: "Ask after (days)", de: "Fragen nach (Tagen)" },
      help: {
        en: "Counted from the delivery the carrier reports, else from the fulfilment. Default: 7. Feedback requests are marketing: they wait for the end of quiet hours and count towards the weekly limit.",
        de: "Gezählt ab der Zustellung, die der Versanddienstleister meldet, sonst ab dem Versand. Voreinstellung: 7. Feedback-Anfragen sind Marketing: Sie warten das Ende der Ruhezeit ab und zählen zum Wochenlimit.",
      },
    },
  ],
  win_back: [
    {
      key: "winBackDays",
      kind: "integer",
      min: 14,
      max: 365,
      label: { en: "Days after the only order", de: "Tage nach der einzigen Bestellung" },
      help: {
        en: "Checked once a day. Shoppers with exactly one order and none since get one offer; a new order before the send cancels it. Default: 60.",
        de: "Wird einmal täglich geprüft. Wer genau eine Bestellung hat und seitdem keine, bekommt ein Angebot; eine neue Bestellung vor dem Versand bricht es ab. Voreinstellung: 60.",
      },
    },
    percent("winBackDiscountPercent"),
  ],
  loyalty: [
    {
      key: "loyaltyOrderCount",
      kind: "integer",
      min: 2,
      max: 20,
      label: { en: "Thank-you after order number", de: "Dankeschön nach Bestellung Nr." },
      help: { en: "Counts orders that were not cancelled and are not test orders. Default: 3.", de: "Gezählt werden Bestellungen, die nicht storniert und keine Testbestellungen sind. Voreinstellung: 3." },
    },
    percent("loyaltyDiscountPercent"),
    {
      key: "vipLifetimeValue",
      kind: "integer",
      min: 1,
      max: 1_000_000,
      optional: true,
      label: { en: "Tag customers above a lifetime value of", de: "Kunden-Tag ab einem Gesamtumsatz von" },
      help: { en: "In the shop's currency. Leave empty to tag nobody. Default: 500.", de: "In der Währung des Shops. Leer lassen, um niemanden zu taggen. Voreinstellung: 500." },
    },
    {
      key: "vipTag",
      kind: "tag",
      label: { en: "Customer tag", de: "Kunden-Tag" },
      help: { en: "Added once per customer in Shopify. Default: whatsapp-vip.", de: "Wird in Shopify einmal pro Kunde gesetzt. Voreinstellung: whatsapp-vip." },
    },
  ],
};

/** Flows that send templates a merchant can map (and so may choose one with a VIDEO header). */
const VIDEO_FLOWS: readonly FlowId[] = ["order_confirmation", "cart_recovery", "shipping_update", "feedback", "back_in_stock", "win_back", "loyalty"];

export const FLOW_FIELDS: Partial<Record<FlowId, FlowField[]>> = Object.fromEntries(
  [...new Set([...(Object.keys(SHOP_FIELDS) as FlowId[]), ...VIDEO_FLOWS])].map((flow) => [flow, [...(SHOP_FIELDS[flow] ?? []), ...(VIDEO_FLOWS.includes(flow) ? [headerVideo] : [])]]),
);

export function parseFlowFields(errors: FieldErrors, form: FormData, fields: FlowField[]): FlowFieldValues {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    // A form without the video field (an older page, a script) leaves the stored URL alone.
    if (field.kind === "httpsUrl" && !form.has(field.key)) continue;
    const raw = text(form, field.key);
    if (field.kind === "tag") {
      if (raw === "") errors[field.key] = { code: "required" };
      else if (raw.includes(",") || raw.length > 40) errors[field.key] = { code: "tagFormat" };
      else values[field.key] = raw;
      continue;
    }
    if (field.optional && raw === "") {
      values[field.key] = null;
      continue;
    }
    if (field.kind === "httpsUrl") {
      if (isHttpsUrl(raw)) values[field.key] = raw;
      else errors[field.key] = raw.length > MAX_URL ? { code: "tooLong", params: { max: MAX_URL } } : { code: "httpsUrl" };
      continue;
    }
    values[field.key] = integer(errors, field.key, raw, field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER);
  }
  return values as FlowFieldValues;
}

function isHttpsUrl(raw: string): boolean {
  if (raw.length > MAX_URL || /\s/.test(raw)) return false;
  try {
    const url = new URL(raw);
    return url.protocol === "https:" && url.hostname.includes(".");
  } catch {
    return false;
  }
}

/** The fields of a flow as the page shows them, with the shop's current values. */
export function flowFieldsFor(flow: FlowId, settings: ShopSettings, language: AdminLanguage) {
  return (FLOW_FIELDS[flow] ?? []).map((f) => {
    const value = f.key === "headerVideoUrl" ? settings.flows[flow].headerVideoUrl : settings[f.key];
    return { name: f.key, label: f.label[language], help: f.help[language], value: value === null ? "" : String(value) };
  });
}
