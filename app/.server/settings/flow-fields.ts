// The settings a flow brings along on the Automations page beyond its switch and template, as data: win-back's
// days and percent, loyalty's k, percent, VIP threshold and tag. One definition drives the page's fields, the
// form's checks and what is saved.
import type { AdminLanguage } from "../i18n/locale";
import { integer, text, type FieldErrors } from "./form";
import type { FlowId, ShopSettings } from "./schema";

type NumberKey = "feedbackDelayDays" | "winBackDays" | "winBackDiscountPercent" | "loyaltyOrderCount" | "loyaltyDiscountPercent" | "vipLifetimeValue";
export type FlowFieldKey = NumberKey | "vipTag";
export type FlowFieldValues = Partial<Pick<ShopSettings, FlowFieldKey>>;

export interface FlowField {
  key: FlowFieldKey;
  kind: "integer" | "tag";
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

export const FLOW_FIELDS: Partial<Record<FlowId, FlowField[]>> = {
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

export function parseFlowFields(errors: FieldErrors, form: FormData, fields: FlowField[]): FlowFieldValues {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
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
    values[field.key] = integer(errors, field.key, raw, field.min ?? 0, field.max ?? Number.MAX_SAFE_INTEGER);
  }
  return values as FlowFieldValues;
}

/** The fields of a flow as the page shows them, with the shop's current values. */
export function flowFieldsFor(flow: FlowId, settings: ShopSettings, language: AdminLanguage) {
  return (FLOW_FIELDS[flow] ?? []).map((f) => ({ name: f.key, label: f.label[language], help: f.help[language], value: settings[f.key] === null ? "" : String(settings[f.key]) }));
}
