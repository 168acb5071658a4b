// The Cart recovery page (issue 4): the figures of METRICS.md with their one-line definitions, both
// attributions side by side, the lift (or "not enough data"), recently recovered checkouts with their
// timeline, and the flow's settings with a live preview. The route is an adapter around these two functions.
import type { Clock } from "../clock";
import type { Db } from "../db";
import { localDate, startOfLocalDay } from "../analytics/period";
import { reminderParameters } from "../automations/cart-recovery";
import { dateTimeFormatter, DATE_LOCALE, type AdminLanguage } from "../i18n/locale";
import { timeZoneOf, writeSettings } from "../settings/store";
import { renderTemplateBody, TEMPLATE_NAMES, templateUrlButtonText, TEMPLATE_LANGUAGES, type TemplateLanguage } from "../templates/catalogue";
import { cartRecoveryFigures, MIN_HOLDOUT_FOR_LIFT, type CartRecoveryStats } from "./figures";
import { cartRecoverySettings, SETTING_KEYS } from "./settings";

const en = {
  title: "Cart recovery",
  intro: "WhatsApp reminders for abandoned checkouts, and what they brought — counted as defined in Momento's metrics, with a holdout group that shows what would have happened without them.",
  period: "Last {days} days ({from} – {to}), checkouts created in this period.",
  figures: "Figures",
  attribution: "Recovered: two ways of counting",
  window: "Ordered within {days} days after a reminder",
  windowHelp: "Reminded checkouts with an order for the same checkout within {days} days after the first reminder.",
  click: "Ordered through the reminder's link",
  clickHelp: "Of those, the ones whose shopper opened a reminder's link before ordering.",
  orders: "{count} orders",
  lift: "Incremental lift",
  liftHelp: "Recovery rate of reminded checkouts minus recovery rate of the holdout group, which got no reminder: what the reminders added.",
  liftValue: "{value} percentage points (95 % interval {low} to {high})",
  notEnough: "Not enough data: {count} of at least {needed} holdout checkouts so far.",
  recent: "Recently recovered checkouts",
  recentEmpty: "No recovered checkouts in this period yet.",
  abandonedAt: "Abandoned",
  remindedAt: "Reminded",
  clickedAt: "Clicked",
  orderedAt: "Ordered",
  notClicked: "Link not opened",
  byClick: "through the link",
  byWindow: "within the window",
  settings: "Settings",
  enabled: "Cart recovery is on.",
  disabled: "Cart recovery is off (switch it on in Automations).",
  step1: "First reminder after (minutes)",
  step2: "Second reminder after (minutes)",
  stepsHelp: "Counted from the checkout's last change. Default: 60 and 1440 (24 hours).",
  discountPercent: "Discount in the second reminder (%)",
  discountPercentHelp: "Leave empty for no discount. Each checkout gets its own single-use code, created only when the second reminder is sent.",
  discountDays: "Code valid for (days)",
  holdoutNote: "Holdout: {percent} % of eligible checkouts get no reminder. Attribution window: {days} days. Both are set in Settings.",
  save: "Save",
  saved: "Cart recovery settings saved.",
  invalid: "Please correct the highlighted fields; nothing was saved.",
  mustBeWhole: "Enter a whole number between {min} and {max}.",
  step2AfterStep1: "The second reminder must come after the first.",
  preview: "Preview",
  previewStep: "Reminder",
  previewLanguage: "Language",
  previewLabel: "Preview of the WhatsApp reminder",
  stepOne: "First reminder",
  stepTwo: "Second reminder",
  sampleName: "Anna",
  sampleItems: ["Sneaker Classic", "Socks"],
  definitions: {
    abandoned: ["Abandoned", "Checkouts with no order by the time the first reminder was due (last change + first delay)."],
    eligible: ["Eligible", "Abandoned, with a usable phone number and WhatsApp consent confirmed at that time."],
    holdout: ["Holdout", "Eligible checkouts that got no reminder on purpose (a fixed draw per checkout)."],
    reminded: ["Reminded", "Eligible, not in the holdout, and at least one reminder was sent."],
    recoveryRate: ["Recovery rate", "Recovered within the window ÷ reminded."],
    holdoutRecovered: ["Holdout recovered", "Holdout checkouts with an order within the window after the first reminder would have been due."],
    holdoutRate: ["Holdout rate", "Holdout recovered ÷ holdout."],
    estimatedCost: ["Estimated cost", "Sent reminders × the rate for the recipient's country (rate table in Settings). An estimate, not Meta's invoice."],
    roi: ["Return", "Revenue recovered within the window ÷ estimated cost."],
  } as Record<string, [string, string]>,
};

export type CartRecoveryStrings = typeof en;

const de: CartRecoveryStrings = {
  title: "Warenkorb-Erinnerungen",
  intro: "WhatsApp-Erinnerungen an abgebrochene Checkouts und was sie gebracht haben – gezählt wie in Momentos Kennzahlen definiert, mit einer Kontrollgruppe, die zeigt, was ohne sie passiert wäre.",
  period: "Letzte {days} Tage ({from} – {to}), Checkouts aus diesem Zeitraum.",
  figures: "Kennzahlen",
  attribution: "Zurückgewonnen: zwei Arten zu zählen",
  window: "Bestellt innerhalb von {days} Tagen nach einer Erinnerung",
  windowHelp: "Erinnerte Checkouts mit einer Bestellung zum selben Checkout innerhalb von {days} Tagen nach der ersten Erinnerung.",
  click: "Bestellt über den Link der Erinnerung",
  clickHelp: "Davon die, deren Kund:in vor der Bestellung einen Link aus einer Erinnerung geöffnet hat.",
  orders: "{count} Bestellungen",
  lift: "Zusätzlicher Effekt (Lift)",
  liftHelp: "Rückgewinnungsquote erinnerter Checkouts minus die der Kontrollgruppe ohne Erinnerung: was die Erinnerungen zusätzlich gebracht haben.",
  liftValue: "{value} Prozentpunkte (95-%-Intervall {low} bis {high})",
  notEnough: "Noch zu wenige Daten: {count} von mindestens {needed} Checkouts in der Kontrollgruppe.",
  recent: "Zuletzt zurückgewonnene Checkouts",
  recentEmpty: "In diesem Zeitraum noch keine zurückgewonnenen Checkouts.",
  abandonedAt: "Abgebrochen",
  remindedAt: "Erinnert",
  clickedAt: "Geklickt",
  orderedAt: "Bestellt",
  notClicked: "Link nicht geöffnet",
  byClick: "über den Link",
  byWindow: "im Zeitfenster",
  settings: "Einstellungen",
  enabled: "Warenkorb-Erinnerungen sind eingeschaltet.",
  disabled: "Warenkorb-Erinnerungen sind ausgeschaltet (einschalten unter Automationen).",
  step1: "Erste Erinnerung nach (Minuten)",
  step2: "Zweite Erinnerung nach (Minuten)",
  stepsHelp: "Gezählt ab der letzten Änderung am Checkout. Standard: 60 und 1440 (24 Stunden).",
  discountPercent: "Rabatt in der zweiten Erinnerung (%)",
  discountPercentHelp: "Leer lassen für keinen Rabatt. Jeder Checkout bekommt einen eigenen Einmal-Code, erst beim Versand der zweiten Erinnerung erstellt.",
  discountDays: "Code gültig für (Tage)",
  holdoutNote: "Kontrollgruppe: {percent} % der berechtigten Checkouts bekommen keine Erinnerung. Zuordnungsfenster: {days} Tage. Beides unter Einstellungen.",
  save: "Speichern",
  saved: "Einstellungen der Warenkorb-Erinnerungen gespeichert.",
  invalid: "Bitte korrigiere die markierten Felder; nichts wurde gespeichert.",
  mustBeWhole: "Gib eine ganze Zahl zwischen {min} und {max} ein.",
  step2AfterStep1: "Die zweite Erinnerung muss nach der ersten kommen.",
  preview: "Vorschau",
  previewStep: "Erinnerung",
  previewLanguage: "Sprache",
  previewLabel: "Vorschau der WhatsApp-Erinnerung",
  stepOne: "Erste Erinnerung",
  stepTwo: "Zweite Erinnerung",
  sampleName: "Anna",
  sampleItems: ["Sneaker Classic", "Socken"],
  definitions: {
    abandoned: ["Abgebrochen", "Checkouts ohne Bestellung, als die erste Erinnerung fällig war (letzte Änderung + erste Wartezeit)."],
    eligible: ["Berechtigt", "Abgebrochen, mit nutzbarer Telefonnummer und zu diesem Zeitpunkt bestätigter WhatsApp-Einwilligung."],
    holdout: ["Kontrollgruppe", "Berechtigte Checkouts, die absichtlich keine Erinnerung bekamen (feste Auslosung je Checkout)."],
    reminded: ["Erinnert", "Berechtigt, nicht in der Kontrollgruppe, und mindestens eine Erinnerung wurde gesendet."],
    recoveryRate: ["Rückgewinnungsquote", "Im Zeitfenster zurückgewonnen ÷ erinnert."],
    holdoutRecovered: ["Kontrollgruppe bestellt", "Checkouts der Kontrollgruppe mit Bestellung im Zeitfenster nach dem Zeitpunkt der ersten Erinnerung."],
    holdoutRate: ["Quote Kontrollgruppe", "Kontrollgruppe bestellt ÷ Kontrollgruppe."],
    estimatedCost: ["Geschätzte Kosten", "Gesendete Erinnerungen × Preis für das Land der Empfänger:in (Preistabelle unter Einstellungen). Eine Schätzung, nicht Metas Rechnung."],
    roi: ["Ertrag je Euro", "Im Zeitfenster zurückgewonnener Umsatz ÷ geschätzte Kosten."],
  },
};

const STRINGS: Record<AdminLanguage, CartRecoveryStrings> = { en, de };

export function cartRecoveryStrings(language: AdminLanguage): CartRecoveryStrings {
  return STRINGS[language];
}

const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));

const FIGURE_KEYS = ["abandoned", "eligible", "holdout", "reminded", "recoveryRate", "holdoutRecovered", "holdoutRate", "estimatedCost", "roi"] as const;

export interface PageDeps {
  db: Db;
  clock: Clock;
}

function formatters(language: AdminLanguage, currency: string) {
  const locale = DATE_LOCALE[language];
  const money = new Intl.NumberFormat(locale, { style: "currency", currency });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const points = new Intl.NumberFormat(locale, { maximumFractionDigits: 1, signDisplay: "always" });
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return {
    money: (decimal: string) => money.format(Number(decimal)),
    percent: (fraction: number) => percent.format(fraction),
    points: (fraction: number) => points.format(fraction * 100),
    number: (n: number) => number.format(n),
  };
}

function figureValue(key: (typeof FIGURE_KEYS)[number], stats: CartRecoveryStats, f: ReturnType<typeof formatters>): string {
  switch (key) {
    case "recoveryRate":
    case "holdoutRate":
      return f.percent(stats[key]);
    case "estimatedCost":
      return f.money(stats.estimatedCost);
    case "roi":
      return stats.roi === null ? "–" : `${f.number(stats.roi)} ×`;
    default:
      return String(stats[key]);
  }
}

/** The preview's template texts: placeholders {{1}}–{{6}} stay for the browser to fill while the merchant types. */
function previewTemplates() {
  const out: Record<string, Record<TemplateLanguage, { body: string; button: string }>> = {};
  for (const name of [TEMPLATE_NAMES.cartRecovery1, TEMPLATE_NAMES.cartRecovery2, TEMPLATE_NAMES.cartRecovery2Discount]) {
    out[name] = Object.fromEntries(
      TEMPLATE_LANGUAGES.map((language) => [language, { body: renderTemplateBody(name, language, []) ?? "", button: templateUrlButtonText(name, language) ?? "" }]),
    ) as Record<TemplateLanguage, { body: string; button: string }>;
  }
  return out;
}

export async function cartRecoveryPage(deps: PageDeps, shop: string, language: AdminLanguage, days = 30) {
  const { db, clock } = deps;
  const s = STRINGS[language];
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { timezone: true, currency: true, settings: true } });
  const timezone = timeZoneOf(row);
  const today = localDate(clock.now(), timezone);
  const to = new Date(startOfLocalDay(today, timezone).getTime() + 36 * 3_600_000);
  const toDay = localDate(to, timezone);
  const fromDay = localDate(new Date(startOfLocalDay(today, timezone).getTime() - (days - 1) * 86_400_000 + 12 * 3_600_000), timezone);
  const figures = await cartRecoveryFigures(db, { shop, from: startOfLocalDay(fromDay, timezone), to: startOfLocalDay(toDay, timezone) });
  const { stats } = figures;
  const settings = cartRecoverySettings(row?.settings);
  const f = formatters(language, figures.currency);
  const when = dateTimeFormatter(language, timezone);
  const windowDays = figures.attributionWindowDays;

  return {
    language,
    strings: s,
    period: fill(s.period, { days, from: fromDay, to: today }),
    figures: FIGURE_KEYS.map((key) => ({ key, label: s.definitions[key][0], definition: s.definitions[key][1], value: figureValue(key, stats, f) })),
    attribution: {
      window: { title: fill(s.window, { days: windowDays }), help: fill(s.windowHelp, { days: windowDays }), count: stats.recoveredWindow, revenue: f.money(stats.recoveredRevenueWindow) },
      click: { title: s.click, help: s.clickHelp, count: stats.recoveredClick, revenue: f.money(stats.recoveredRevenueClick) },
    },
    lift:
      stats.incrementalLift === null
        ? { value: null, text: fill(s.notEnough, { count: stats.holdout, needed: MIN_HOLDOUT_FOR_LIFT }) }
        : {
            value: stats.incrementalLift,
            text: fill(s.liftValue, {
              value: f.points(stats.incrementalLift),
              low: f.points(figures.liftInterval?.low ?? stats.incrementalLift),
              high: f.points(figures.liftInterval?.high ?? stats.incrementalLift),
            }),
          },
    recovered: figures.recovered.slice(0, 10).map((r) => ({
      checkout: `…${r.checkoutToken.slice(-6)}`,
      order: r.orderName,
      total: f.money(r.totalPrice),
      attribution: r.attribution === "click" ? s.byClick : s.byWindow,
      timeline: [
        { label: s.abandonedAt, at: when(r.abandonedAt) },
        { label: s.remindedAt, at: when(r.firstReminderAt) },
        r.clickedAt && r.clickedAt < r.orderedAt ? { label: s.clickedAt, at: when(r.clickedAt) } : { label: s.notClicked, at: "" },
        { label: s.orderedAt, at: when(r.orderedAt) },
      ],
    })),
    settings: {
      enabled: settings.enabled,
      step1: String(settings.stepsMinutes[0]),
      step2: String(settings.stepsMinutes[1] ?? ""),
      discountPercent: settings.discount ? String(settings.discount.percent) : "",
      discountDays: String(settings.discount?.expiresInDays ?? 7),
      note: fill(s.holdoutNote, { percent: settings.holdoutPercent, days: settings.attributionWindowDays }),
    },
    preview: {
      templates: previewTemplates(),
      names: { step1: TEMPLATE_NAMES.cartRecovery1, step2: TEMPLATE_NAMES.cartRecovery2, step2Discount: TEMPLATE_NAMES.cartRecovery2Discount },
      // Sample shopper and cart, rendered exactly like a real reminder's parameters.
      parameters: Object.fromEntries(
        TEMPLATE_LANGUAGES.map((l) => [
          l,
          reminderParameters({ firstName: STRINGS[l].sampleName, items: STRINGS[l].sampleItems.map((title, i) => ({ title, quantity: i + 1 })), totalPrice: "89.90", currency: figures.currency }, l),
        ]),
      ) as Record<TemplateLanguage, string[]>,
      sampleCode: "MOMENTO-7KQ2M9XD",
      today: clock.now().toISOString(),
      timezone,
    },
  };
}

export type CartRecoveryActionResult =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; errors: Record<string, string> };

function whole(value: FormDataEntryValue | null, min: number, max: number): number | null {
  const text = String(value ?? "").trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** Saves the flow's timing and discount; nothing is saved when any field is wrong. */
export async function cartRecoveryAction(deps: PageDeps, shop: string, form: FormData, language: AdminLanguage): Promise<CartRecoveryActionResult> {
  const s = STRINGS[language];
  const intent = String(form.get("intent") ?? "");
  if (intent !== "settings") return { ok: false, intent, message: s.invalid, errors: {} };
  const errors: Record<string, string> = {};
  const range = (min: number, max: number) => fill(s.mustBeWhole, { min, max });
  const step1 = whole(form.get("step1"), 15, 7 * 1440);
  const step2 = whole(form.get("step2"), 16, 14 * 1440);
  if (step1 === null) errors.step1 = range(15, 7 * 1440);
  if (step2 === null) errors.step2 = range(16, 14 * 1440);
  else if (step1 !== null && step2 <= step1) errors.step2 = s.step2AfterStep1;
  const percentText = String(form.get("discountPercent") ?? "").trim();
  const percent = percentText === "" ? null : whole(percentText, 1, 90);
  if (percentText !== "" && percent === null) errors.discountPercent = range(1, 90);
  const days = whole(form.get("discountDays"), 1, 60);
  if (percent !== null && days === null) errors.discountDays = range(1, 60);
  if (Object.keys(errors).length > 0) return { ok: false, intent, message: s.invalid, errors };

  // The timing goes through the Settings page's store (same key, same checks); the discount keys are this flow's own.
  await deps.db.$transaction(async (tx) => {
    await writeSettings(tx, shop, { cartRecoverySteps: [step1!, step2!] });
    const row = await tx.shop.findUniqueOrThrow({ where: { domain: shop }, select: { settings: true } });
    const stored = JSON.parse(row.settings || "{}") as Record<string, unknown>;
    if (percent === null) {
      delete stored[SETTING_KEYS.discountPercent];
      delete stored[SETTING_KEYS.discountDays];
    } else {
      stored[SETTING_KEYS.discountPercent] = percent;
      stored[SETTING_KEYS.discountDays] = days;
    }
    await tx.shop.update({ where: { domain: shop }, data: { settings: JSON.stringify(stored) } });
  });
  return { ok: true, intent, message: s.saved };
}
