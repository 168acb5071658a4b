// The merchant's admin language. Shopify opens an embedded app with `?locale=de` (or "de-DE", "en" …)
// on the first document request; client-side navigations carry no such parameter. So the language seen
// there is remembered per shop in Shop.settings.adminLocale, and every later request falls back to it.
export type AdminLanguage = "de" | "en";
export const ADMIN_LANGUAGES: readonly AdminLanguage[] = ["en", "de"];

/** "de", "de-DE", "de_AT" → "de"; anything we have no strings for → null. */
export function adminLanguageOf(locale: string | null | undefined): AdminLanguage | null {
  const primary = locale?.trim().toLowerCase().split(/[-_]/)[0];
  return primary && (ADMIN_LANGUAGES as readonly string[]).includes(primary) ? (primary as AdminLanguage) : null;
}

/** The language asked for by this request's `locale` parameter, if any. */
export function requestedAdminLanguage(request: Request): AdminLanguage | null {
  return adminLanguageOf(new URL(request.url).searchParams.get("locale"));
}

/** The request's language, else the one remembered for the shop, else English. */
export function pickAdminLanguage(request: Request, remembered: string | null | undefined): AdminLanguage {
  return requestedAdminLanguage(request) ?? adminLanguageOf(remembered) ?? "en";
}

/** Intl locale for dates and numbers on the merchant's pages. */
export const DATE_LOCALE: Record<AdminLanguage, string> = { en: "en-GB", de: "de-DE" };

/** "12 Mar 2026, 14:05" / "12.03.2026, 14:05" in the shop's time zone. */
export function dateTimeFormatter(language: AdminLanguage, timezone: string): (value: Date | string) => string {
  const format = new Intl.DateTimeFormat(DATE_LOCALE[language], { timeZone: timezone, dateStyle: "medium", timeStyle: "short" });
  return (value) => format.format(typeof value === "string" ? new Date(value) : value);
}
