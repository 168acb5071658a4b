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
    /** A media header: `header_handle` is the example Meta reviews (API-FACTS.md A5, Meta's template-media page). */
    | { type: "HEADER"; format: "IMAGE" | "VIDEO"; example: { header_handle: string[] } }
    | { type: "BODY"; text: string; example: { body_text: string[][] } }
    | { type: "BUTTONS"; buttons: TemplateButton[] }
  )[];
}

export const TEMPLATE_NAMES = {
  optInConfirmation: "momento_opt_in_confirmation",
  optOutConfirmation: "momento_opt_out_confirmation",
  orderConfirmation: "momento_order_confirmation",
  cartRecovery1: "momento_cart_recovery_1",
  /** Step 1 with the first item's image in an IMAGE header; otherwise worded like step 1 (chosen in Automations). */
  cartRecovery1Image: "momento_cart_recovery_1_image",
  cartRecovery2: "momento_cart_recovery_2",
  /** Step 2 with a unique discount code: {{4}} code, {{5}} percent, {{6}} last day. */
  cartRecovery2Discount: "momento_cart_recovery_2_discount",
  /** {{1}} name, {{2}} order, {{3}} carrier, {{4}} tracking number; URL button → the tracking link. */
  shippingUpdate: "momento_shipping_update",
  /** The same without a button, for a carrier that gives no tracking link. */
  shippingUpdateNoLink: "momento_shipping_update_no_link",
  /** {{1}} name, {{2}} order, {{3}} shop; quick replies with scores (FEEDBACK_SCORE_PAYLOADS). */
  feedback: "momento_feedback",
  /** {{1}} product (and variant) title; URL button to the product page. */
  backInStock: "momento_back_in_stock",
  /** The same with the variant's image in an IMAGE header. */
  backInStockImage: "momento_back_in_stock_image",
  /** {{1}} name, {{2}} shop, {{3}} code, {{4}} percent, {{5}} last day; the code is created right before the send. */
  winBack: "momento_win_back",
  /** {{1}} name, {{2}} number of orders, {{3}} code, {{4}} percent, {{5}} last day. */
  loyaltyThanks: "momento_loyalty_thanks",
} as const;

/** The scores the feedback template offers as quick replies, in button order; any 0–10 can be typed. */
export const FEEDBACK_QUICK_SCORES = [10, 9, 8, 7, 6, 5] as const;

type Wording = { body: string; example: string[]; buttons: Omit<TemplateButton, "url" | "example">[] };

type Entry = { category: TemplateCategory; link: boolean; header?: "IMAGE"; de: Wording; en: Wording };

const WORDING: Record<string, Entry> = {
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
  // Cart recovery (marketing): {{1}} name, {{2}} the first items, {{3}} the cart total. The URL button leads
  // through /r/<message id> to the checkout's recovery URL.
  [TEMPLATE_NAMES.cartRecovery1]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Hallo {{1}}, in deinem Warenkorb liegt noch {{2}} (insgesamt {{3}}). Möchtest du deine Bestellung abschließen? Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "Sneaker Classic und Socken", "89,90 €"],
      buttons: [{ type: "URL", text: "Zum Warenkorb" }],
    },
    en: {
      body: "Hi {{1}}, you left {{2}} in your cart ({{3}} in total). Would you like to complete your order? Reply STOP to opt out.",
      example: ["Anna", "Sneaker Classic and Socks", "€89.90"],
      buttons: [{ type: "URL", text: "Back to my cart" }],
    },
  },
  [TEMPLATE_NAMES.cartRecovery2]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Hallo {{1}}, dein Warenkorb mit {{2}} wartet noch auf dich (insgesamt {{3}}). Hier kannst du deine Bestellung abschließen. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "Sneaker Classic und Socken", "89,90 €"],
      buttons: [{ type: "URL", text: "Zum Warenkorb" }],
    },
    en: {
      body: "Hi {{1}}, your cart with {{2}} is still waiting for you ({{3}} in total). You can complete your order here. Reply STOP to opt out.",
      example: ["Anna", "Sneaker Classic and Socks", "€89.90"],
      buttons: [{ type: "URL", text: "Back to my cart" }],
    },
  },
  [TEMPLATE_NAMES.cartRecovery2Discount]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Hallo {{1}}, dein Warenkorb mit {{2}} wartet noch auf dich (insgesamt {{3}}). Mit dem Code {{4}} sparst du {{5}} %, gültig bis {{6}}. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "Sneaker Classic und Socken", "89,90 €", "MOMENTO-7KQ2M9XD", "10", "12.03.2026"],
      buttons: [{ type: "URL", text: "Zum Warenkorb" }],
    },
    en: {
      body: "Hi {{1}}, your cart with {{2}} is still waiting for you ({{3}} in total). Use code {{4}} for {{5}}% off until {{6}}. Reply STOP to opt out.",
      example: ["Anna", "Sneaker Classic and Socks", "€89.90", "MOMENTO-7KQ2M9XD", "10", "March 12, 2026"],
      buttons: [{ type: "URL", text: "Back to my cart" }],
    },
  },
  [TEMPLATE_NAMES.shippingUpdate]: {
    category: "UTILITY",
    link: true,
    de: {
      body: "Hallo {{1}}, deine Bestellung {{2}} ist unterwegs! Versand mit {{3}}, Sendungsnummer {{4}}.",
      example: ["Anna", "#1001", "DHL", "00340434161094042557"],
      buttons: [{ type: "URL", text: "Sendung verfolgen" }],
    },
    en: {
      body: "Hi {{1}}, your order {{2}} is on its way! Shipped with {{3}}, tracking number {{4}}.",
      example: ["Anna", "#1001", "DHL", "00340434161094042557"],
      buttons: [{ type: "URL", text: "Track shipment" }],
    },
  },
  [TEMPLATE_NAMES.shippingUpdateNoLink]: {
    category: "UTILITY",
    link: false,
    de: {
      body: "Hallo {{1}}, deine Bestellung {{2}} ist unterwegs! Versand mit {{3}}, Sendungsnummer {{4}}.",
      example: ["Anna", "#1001", "Hermes", "H1234567890123456789"],
      buttons: [],
    },
    en: {
      body: "Hi {{1}}, your order {{2}} is on its way! Shipped with {{3}}, tracking number {{4}}.",
      example: ["Anna", "#1001", "Hermes", "H1234567890123456789"],
      buttons: [],
    },
  },
  // Feedback / NPS (marketing): the quick replies carry FEEDBACK_QUICK_SCORES; lower scores are typed.
  [TEMPLATE_NAMES.feedback]: {
    category: "MARKETING",
    link: false,
    de: {
      body: "Hallo {{1}}, wie gefällt dir deine Bestellung {{2}}? Wie wahrscheinlich ist es, dass du {{3}} weiterempfiehlst, von 0 (gar nicht) bis 10 (sehr wahrscheinlich)? Tippe auf eine Zahl oder antworte mit einer Zahl von 0 bis 10. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "#1001", "Demo Shop"],
      buttons: FEEDBACK_QUICK_SCORES.map((score) => ({ type: "QUICK_REPLY" as const, text: String(score) })),
    },
    en: {
      body: "Hi {{1}}, how do you like your order {{2}}? How likely are you to recommend {{3}} to a friend, from 0 (not at all) to 10 (very likely)? Tap a number or reply with any number from 0 to 10. Reply STOP to opt out.",
      example: ["Anna", "#1001", "Demo Shop"],
      buttons: FEEDBACK_QUICK_SCORES.map((score) => ({ type: "QUICK_REPLY" as const, text: String(score) })),
    },
  },
  // Back in stock, win-back and loyalty (marketing; docs/back-in-stock.md, docs/decisions/008).
  [TEMPLATE_NAMES.backInStock]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Gute Nachricht: {{1}} ist wieder verfügbar! Du hattest dich dafür angemeldet; dies ist die einzige Nachricht dazu. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Sneaker Classic – 42"],
      buttons: [{ type: "URL", text: "Jetzt ansehen" }],
    },
    en: {
      body: "Good news: {{1}} is back in stock! You asked us to tell you; this is the only message about it. Reply STOP to opt out.",
      example: ["Sneaker Classic – 42"],
      buttons: [{ type: "URL", text: "View now" }],
    },
  },
  [TEMPLATE_NAMES.winBack]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Hallo {{1}}, wir vermissen dich bei {{2}}! Mit dem Code {{3}} sparst du {{4}} % auf deine nächste Bestellung, gültig bis {{5}}. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "Demo Shop", "MOMENTO-7KQ2M9XD", "10", "12.03.2026"],
      buttons: [{ type: "URL", text: "Zum Shop" }],
    },
    en: {
      body: "Hi {{1}}, we miss you at {{2}}! Use code {{3}} for {{4}}% off your next order until {{5}}. Reply STOP to opt out.",
      example: ["Anna", "Demo Shop", "MOMENTO-7KQ2M9XD", "10", "March 12, 2026"],
      buttons: [{ type: "URL", text: "Visit the shop" }],
    },
  },
  [TEMPLATE_NAMES.loyaltyThanks]: {
    category: "MARKETING",
    link: true,
    de: {
      body: "Hallo {{1}}, das war schon deine {{2}}. Bestellung – danke für deine Treue! Mit dem Code {{3}} sparst du {{4}} % auf die nächste, gültig bis {{5}}. Keine Nachrichten mehr? Antworte STOPP.",
      example: ["Anna", "3", "MOMENTO-7KQ2M9XD", "10", "12.03.2026"],
      buttons: [{ type: "URL", text: "Zum Shop" }],
    },
    en: {
      body: "Hi {{1}}, that was order number {{2}} – thank you for your loyalty! Use code {{3}} for {{4}}% off your next one until {{5}}. Reply STOP to opt out.",
      example: ["Anna", "3", "MOMENTO-7KQ2M9XD", "10", "March 12, 2026"],
      buttons: [{ type: "URL", text: "Visit the shop" }],
    },
  },
};

// Image-header variants: new names with the wording of their header-less originals, so the consent evidence and
// wording versions of the originals stay as they are.
WORDING[TEMPLATE_NAMES.cartRecovery1Image] = { ...WORDING[TEMPLATE_NAMES.cartRecovery1], header: "IMAGE" };
WORDING[TEMPLATE_NAMES.backInStockImage] = { ...WORDING[TEMPLATE_NAMES.backInStock], header: "IMAGE" };

/** Templates a merchant may choose but no flow needs: onboarding does not wait for their approval. */
export const OPTIONAL_TEMPLATES: ReadonlySet<string> = new Set([TEMPLATE_NAMES.cartRecovery1Image, TEMPLATE_NAMES.backInStockImage]);

/**
 * Free-form answers to a shopper's own message (inside WhatsApp's 24-hour customer service window no
 * template is needed). {name} placeholders are filled by the planner.
 */
export const FREE_FORM_REPLIES: Record<TemplateLanguage, Record<string, string>> = {
  de: {
    orderStatus: "Deine Bestellung {order}: {status}",
    unfulfilled: "Sie ist eingegangen und wird gerade vorbereitet. Sobald sie unterwegs ist, schicken wir dir die Sendungsverfolgung.",
    shipped: "Sie ist unterwegs mit {carrier}, Sendungsnummer {tracking}.",
    shippedNoTracking: "Sie wurde versendet.",
    delivered: "Sie wurde zugestellt ({carrier}, Sendungsnummer {tracking}).",
    deliveredNoTracking: "Sie wurde zugestellt.",
    cancelled: "Sie wurde storniert.",
    trackingLink: "Sendung verfolgen: {url}",
    orderLink: "Details zu deiner Bestellung: {url}",
    noOrder: "Zu dieser WhatsApp-Nummer finden wir keine Bestellung. Wir haben deine Nachricht an das Team weitergegeben und melden uns bald.",
    unknownNumber: "Zu dieser WhatsApp-Nummer finden wir keine Bestellung {number}. Wir haben deine Nachricht an das Team weitergegeben und melden uns bald.",
    fallback: "Danke für deine Nachricht! Wir haben sie erhalten und melden uns so bald wie möglich.",
  },
  en: {
    orderStatus: "Your order {order}: {status}",
    unfulfilled: "We have received it and are getting it ready. As soon as it ships, we will send you the tracking link.",
    shipped: "It is on its way with {carrier}, tracking number {tracking}.",
    shippedNoTracking: "It has been shipped.",
    delivered: "It has been delivered ({carrier}, tracking number {tracking}).",
    deliveredNoTracking: "It has been delivered.",
    cancelled: "It was cancelled.",
    trackingLink: "Track your parcel: {url}",
    orderLink: "Your order details: {url}",
    noOrder: "We cannot find an order for this WhatsApp number. We have passed your message on to the team and will get back to you soon.",
    unknownNumber: "We cannot find order {number} for this WhatsApp number. We have passed your message on to the team and will get back to you soon.",
    fallback: "Thanks for your message! We have received it and will get back to you as soon as we can.",
  },
};

/**
 * Every suggested template in every language, with URL buttons pointing at `appUrl`/r/{{1}}. An IMAGE header's
 * example is `imageHeaderHandle`, the handle of the example image uploaded through Meta's Resumable Upload API
 * (onboarding uploads it before submitting, docs/templates.md). Without one it is a URL, the way Meta's template
 * list shows a stored example: fine for seeding the simulator's WABA, refused when creating a template.
 */
export function suggestedTemplates(appUrl: string, options: { imageHeaderHandle?: string } = {}): TemplateDefinition[] {
  const base = appUrl.replace(/\/$/, "");
  const imageExample = options.imageHeaderHandle ?? `${base}/template-examples/product.png`;
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
          ...(t.header ? [{ type: "HEADER" as const, format: t.header, example: { header_handle: [imageExample] } }] : []),
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

/** The body text of a suggested template with its {{n}} filled in (previews); null for an unknown template. */
export function renderTemplateBody(name: string, language: TemplateLanguage, parameters: string[]): string | null {
  const body = WORDING[name]?.[language]?.body;
  if (body === undefined) return null;
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (placeholder, n: string) => parameters[Number(n) - 1] ?? placeholder);
}

/** The text of a suggested template's URL button, if it has one. */
export function templateUrlButtonText(name: string, language: TemplateLanguage): string | null {
  return WORDING[name]?.[language]?.buttons.find((b) => b.type === "URL")?.text ?? null;
}

/** Number of {{n}} placeholders in a template text. */
export function placeholderCount(text: string): number {
  return new Set(text.match(/\{\{\s*\d+\s*\}\}/g) ?? []).size;
}

/**
 * The one rule for a recipient's template language, used by every planner: their checkout/order/signup locale
 * ("de", "de-CH", "en_GB" → its base language) when we have templates in it, else the shop's locale, else English.
 */
export function templateLanguage(locale: string | null | undefined, shopLocale: string | null | undefined): TemplateLanguage {
  for (const candidate of [locale, shopLocale]) {
    const primary = candidate?.toLowerCase().split(/[-_]/)[0];
    if (primary && (TEMPLATE_LANGUAGES as readonly string[]).includes(primary)) return primary as TemplateLanguage;
  }
  return "en";
}

/** A suggested template's shape (header, placeholders, buttons) in one language; null for a name the catalogue does not know. */
export function catalogueShape(name: string, language: TemplateLanguage): { header: "none" | "IMAGE"; parameters: number; buttons: { type: string; text: string }[] } | null {
  const entry = WORDING[name];
  const wording = entry?.[language];
  return wording ? { header: entry.header ?? "none", parameters: placeholderCount(wording.body), buttons: wording.buttons.map((b) => ({ type: b.type, text: b.text })) } : null;
}
