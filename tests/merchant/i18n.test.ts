// German and English for every merchant page: the same keys in both, nothing left empty, and every Meta
// error code Momento knows explained in both languages.
import { describe, expect, it } from "vitest";
import { AUTOMATIONS } from "~/.server/i18n/automations";
import { COMMON } from "~/.server/i18n/common";
import { MESSAGES } from "~/.server/i18n/messages";
import { explainMetaError, explainedCodes } from "~/.server/i18n/meta-errors";
import { DASHBOARD } from "~/.server/i18n/dashboard";
import { ONBOARDING } from "~/.server/i18n/onboarding";
import { GERMAN_SUBSCRIBER_STRINGS } from "~/.server/i18n/subscribers";
import { pageStrings, subscriberStrings } from "~/.server/consent/subscribers";
import { SETTINGS } from "~/.server/i18n/settings";
import { DATA_IMPORT } from "~/.server/i18n/data-import";
import { adminLanguageOf, pickAdminLanguage } from "~/.server/i18n/locale";
import { META_ERROR_POLICY } from "~/.server/whatsapp/errors";

/** Every leaf path of a strings table with its value. */
function leaves(value: unknown, path = ""): [string, unknown][] {
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, value]];
}

const TABLES = { COMMON, ONBOARDING, SETTINGS, DATA_IMPORT, AUTOMATIONS, MESSAGES, DASHBOARD, SUBSCRIBERS: { en: pageStrings(subscriberStrings("en")), de: pageStrings(GERMAN_SUBSCRIBER_STRINGS) } };

describe("merchant strings", () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name}: German has exactly the English keys, none empty`, () => {
      const en = leaves(table.en);
      const de = leaves(table.de);
      expect(de.map(([k]) => k).sort()).toEqual(en.map(([k]) => k).sort());
      for (const [key, value] of [...en, ...de]) expect(typeof value === "string" && value.trim().length > 0, key).toBe(true);
      // Placeholders survive translation.
      const placeholders = (v: unknown) => (String(v).match(/\{\w+\}/g) ?? []).sort().join();
      const deMap = new Map(de);
      for (const [key, value] of en) expect(placeholders(deMap.get(key)), key).toBe(placeholders(value));
    });
  }

  it("the Subscribers page speaks German once its German strings are registered", () => {
    expect(subscriberStrings("de-DE").title).toBe("Abonnenten");
    expect(subscriberStrings("de").count(3, 10)).toBe("3 von 10");
    expect(subscriberStrings("en").title).toBe("Subscribers");
  });

  it("explains every code of the error policy in both languages, with something to do", () => {
    for (const code of Object.keys(META_ERROR_POLICY).map(Number)) {
      for (const language of ["en", "de"] as const) {
        expect(explainedCodes(language), `${code} ${language}`).toContain(code);
        const e = explainMetaError(code, language);
        expect(e.meaning.length).toBeGreaterThan(10);
        expect(e.action.length).toBeGreaterThan(10);
      }
    }
    expect(explainMetaError(250, "de").meaning).toBe("Meta hat eine Berechtigung verweigert (Fehler 250).");
    expect(explainMetaError(999999, "en").meaning).toBe("Meta reported error 999999.");
  });

  it("picks the admin language from Shopify's locale parameter, else the remembered one, else English", () => {
    expect(adminLanguageOf("de-AT")).toBe("de");
    expect(adminLanguageOf("de_DE")).toBe("de");
    expect(adminLanguageOf("fr")).toBeNull();
    expect(pickAdminLanguage(new Request("https://x/app?locale=de"), "en")).toBe("de");
    expect(pickAdminLanguage(new Request("https://x/app"), "de")).toBe("de");
    expect(pickAdminLanguage(new Request("https://x/app?locale=fr"), null)).toBe("en");
  });
});
