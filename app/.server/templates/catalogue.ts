// Momento's suggested WhatsApp templates, in Meta's template-creation format (API-FACTS.md A5), in
// German and English. Onboarding submits them to the merchant's WABA; the simulator approves them.
import { createHash } from "node:crypto";

export type TemplateCategory = "UTILITY" | "MARKETING";
export type TemplateLanguage = "de" | "en";
export const TEMPLATE_LANGUAGES: readonly TemplateLanguage[] = ["de", "en"];

export interface TemplateButton {
  type: "QUICK_REPLY" | "URL";
  text: string;
  /** URL buttons: the app URL with one {{1}} suffix, filled with the message id (click tracking). */
  url?: string;
  example?: string[];
}

export interface TemplateDefinition {
  name: string;
  language: TemplateLanguage;
  category: TemplateCategory;
  parameter_format: "POSITIONAL";
  components: (
    | { type: "BODY"; text: string; example: { body_text: string[][] } }
    | { type: "BUTTONS"; buttons: TemplateButton[] }
  )[];
}

export const TEMPLATE_NAMES = {
  optInConfirmation: "momento_opt_in_confirmation",
  optOutConfirmation: "momento_opt_out_confirmation",
  orderConfirmation: "momento_order_confirmation",
} as const;

type Wording = { body: string; example: string[]; buttons: Omit<TemplateButton, "url" | "example">[] };

const WORDING: Record<string, { category: TemplateCategory; link: boolean; de: Wording; en: Wording }> = {
  [TEMPLATE_NAMES.optInConfirmation]: {
    category: "UTILITY",
    link: false,
    de: {
      body: "Hallo! {{1}} möchte dir Bestell-Updates und Angebote per WhatsApp schicken. Tippe auf „Ja, anmelden“, um das zu bestätigen. Abmelden kannst du dich jederzeit mit STOPP.",
      example: ["Demo Shop"],
      buttons: [{ type: "QUICK_REPLY", text: "Ja, anmelden" }, { type: "QUICK_REPLY", text: "Nein, danke" }],
    },
    en: {
      body: "Hi! {{1}} would like to send you order updates and offers on WhatsApp. Tap “Yes, subscribe” to confirm. You can unsubscribe at any time by replying STOP.",
      example: ["Demo Shop"],
      buttons: [{ type: "QUICK_REPLY", text: "Yes, subscribe" }, { type: "QUICK_REPLY", text: "No, thanks" }],
    },
  },
  [TEMPLATE_NAMES.optOutConfirmation]: {
    category: "UTILITY",
    link: false,
    de: {
      body: "Du erhältst keine Nachrichten mehr von {{1}}. Mit START kannst du dich wieder anmelden.",
      example: ["Demo Shop"],
      buttons: [],
    },
    en: {
      body: "You will no longer receive messages from {{1}}. Reply START to subscribe again.",
      example: ["Demo Shop"],
      buttons: [],
    },
  },
  [TEMPLATE_NAMES.orderConfirmation]: {
    category: "UTILITY",
    link: true,
    de: {
      body: "Hallo {{1}}, danke für deine Bestellung {{2}} über {{3}}! Wir melden uns, sobald sie unterwegs ist.",
      example: ["Anna", "#1001", "49,90 €"],
      buttons: [{ type: "URL", text: "Bestellung ansehen" }],
    },
    en: {
      body: "Hi {{1}}, thanks for your order {{2}} of {{3}}! We'll let you know as soon as it ships.",
      example: ["Anna", "#1001", "€49.90"],
      buttons: [{ type: "URL", text: "View order" }],
    },
  },
};

/** Every suggested template in every language, with URL buttons pointing at `appUrl`/r/{{1}}. */
export function suggestedTemplates(appUrl: string): TemplateDefinition[] {
  const base = appUrl.replace(/\/$/, "");
  return Object.entries(WORDING).flatMap(([name, t]) =>
    TEMPLATE_LANGUAGES.map((language) => {
      const w = t[language];
      const buttons = w.buttons.map((b) =>
        b.type === "URL" ? { ...b, url: `${base}/r/{{1}}`, example: [`${base}/r/example`] } : b,
      );
      return {
        name,
        language,
        category: t.category,
        parameter_format: "POSITIONAL" as const,
        components: [
          { type: "BODY" as const, text: w.body, example: { body_text: [w.example] } },
          ...(buttons.length ? [{ type: "BUTTONS" as const, buttons }] : []),
        ],
      };
    }),
  );
}

/**
 * A short, stable version of a template's wording in one language: it changes whenever the text or the
 * buttons change, so a consent's evidence names exactly the wording the shopper answered.
 */
export function templateWordingVersion(name: string, language: TemplateLanguage): string | null {
  const wording = WORDING[name]?.[language];
  if (!wording) return null;
  const digest = createHash("sha256").update(JSON.stringify({ body: wording.body, buttons: wording.buttons.map((b) => b.text) })).digest("hex");
  return `${name}/${language}/${digest.slice(0, 12)}`;
}

/** Number of {{n}} placeholders in a template text. */
export function placeholderCount(text: string): number {
  return new Set(text.match(/\{\{\s*\d+\s*\}\}/g) ?? []).size;
}

/** The template language for a recipient: their checkout/order locale, else the shop's, else German. */
export function templateLanguage(locale: string | null | undefined, shopLocale: string | null | undefined): TemplateLanguage {
  for (const candidate of [locale, shopLocale]) {
    const primary = candidate?.toLowerCase().split(/[-_]/)[0];
    if (primary && (TEMPLATE_LANGUAGES as readonly string[]).includes(primary)) return primary as TemplateLanguage;
  }
  return "de";
}
