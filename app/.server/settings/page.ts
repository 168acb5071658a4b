// The Settings page: what it shows and its three forms (credentials, messaging rules and measuring,
// cost rates). Each form is validated as a whole; on any error nothing of it is saved.
import { shopDisplayName } from "../automations/consent-messages";
import { COMMON } from "../i18n/common";
import { localizeErrors } from "../i18n/form-errors";
import { dateTimeFormatter, type AdminLanguage } from "../i18n/locale";
import { ONBOARDING } from "../i18n/onboarding";
import { SETTINGS, type SettingsStrings } from "../i18n/settings";
import { connectionView, type ConnectionView } from "../onboarding/connection";
import type { MerchantDeps } from "../onboarding/deps";
import { callbackUrl, connectWhatsApp, type ActionResult } from "../onboarding/service";
import { parseCostsForm, parsePoliciesForm } from "./form";
import { DEFAULT_SETTINGS } from "./schema";
import { readShop, writeSettings } from "./store";

export interface SettingsPage {
  language: AdminLanguage;
  strings: SettingsStrings;
  connectionStrings: (typeof ONBOARDING)["en"]["connection"];
  common: { save: string; notSaved: string; on: string; off: string; languages: Record<string, string>; errorCode: string; whatToDo: string };
  callbackUrl: string;
  connection: (ConnectionView & { appId: string }) | null;
  demoCredentials: MerchantDeps["demoCredentials"];
  rules: {
    shopName: string;
    shopNameFallback: string;
    defaultLanguage: string;
    quietHoursEnabled: boolean;
    quietStart: string;
    quietEnd: string;
    capEnabled: boolean;
    marketingCap: string;
    attributionWindowDays: string;
    holdoutPercent: string;
  };
  costs: { currency: string; rows: { country: string; marketing: string; utility: string }[] };
}

export async function settingsPage(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<SettingsPage> {
  const c = COMMON[language];
  const { settings, locale, timezone } = await readShop(deps.db, shop);
  const connection = await connectionView(deps.db, deps.secretsKey, shop, dateTimeFormatter(language, timezone), c.never);
  const quiet = settings.quietHours ?? DEFAULT_SETTINGS.quietHours!;
  return {
    language,
    strings: SETTINGS[language],
    connectionStrings: ONBOARDING[language].connection,
    common: { save: c.save, notSaved: c.notSaved, on: c.on, off: c.off, languages: c.languages, errorCode: c.errorCode, whatToDo: c.whatToDo },
    callbackUrl: callbackUrl(deps.appUrl),
    connection: connection && { ...connection, appId: settings.metaAppId ?? "" },
    demoCredentials: deps.demoCredentials,
    rules: {
      shopName: settings.shopName ?? "",
      shopNameFallback: shopDisplayName(shop, "{}"),
      defaultLanguage: locale.slice(0, 2) === "en" ? "en" : "de",
      quietHoursEnabled: settings.quietHours !== null,
      quietStart: quiet.start,
      quietEnd: quiet.end,
      capEnabled: settings.marketingCapPer7Days !== null,
      marketingCap: String(settings.marketingCapPer7Days ?? DEFAULT_SETTINGS.marketingCapPer7Days),
      attributionWindowDays: String(settings.attributionWindowDays),
      holdoutPercent: String(settings.holdoutPercent),
    },
    costs: {
      currency: settings.costCurrency,
      rows: settings.costRates.map((r) => ({ country: r.country, marketing: String(r.marketing), utility: String(r.utility) })),
    },
  };
}

export async function settingsAction(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage): Promise<ActionResult> {
  const c = COMMON[language];
  const intent = String(form.get("intent") ?? "");
  if (intent === "credentials") return connectWhatsApp(deps, shop, form, language, "credentials");
  if (intent === "rules") {
    const parsed = parsePoliciesForm(form);
    if (!parsed.ok) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, parsed.errors) };
    const { defaultLanguage, ...settings } = parsed.value;
    await writeSettings(deps.db, shop, settings, { locale: defaultLanguage });
    return { ok: true, intent, message: c.saved };
  }
  if (intent === "costs") {
    const parsed = parseCostsForm(form);
    if (!parsed.ok) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, parsed.errors) };
    await writeSettings(deps.db, shop, parsed.value);
    return { ok: true, intent, message: c.saved };
  }
  return { ok: false, intent, message: "Unknown action", errors: {} };
}
