/// <reference types="@shopify/ui-extensions/purchase.checkout.contact.render-after" />
/// <reference types="node" />
// The extension's small number check against the real libphonenumber (the app's dependency).
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/mobile";
import examples from "libphonenumber-js/examples.mobile.json";
import { describe, expect, it } from "vitest";
import { parseWhatsAppNumber } from "../src/phone";

describe("parseWhatsAppNumber", () => {
  it.each([
    ["+49 151 12345678", "DE", "+4915112345678"],
    ["+49 (0) 151 12345678", "DE", "+4915112345678"],
    ["+49 0151 12345678", "DE", "+4915112345678"],
    ["+44 07400 123456", "DE", "+447400123456"],
    ["0049 151/123 456-78", "US", "+4915112345678"],
    ["0151 12345678", "DE", "+4915112345678"],
    ["01511 2345678", "DE", "+4915112345678"],
    ["0160 1234567", "DE", "+491601234567"],
    ["15112345678", "DE", "+4915112345678"],
    ["0664 1234567", "AT", "+436641234567"],
    ["079 123 45 67", "CH", "+41791234567"],
    ["07400 123456", "GB", "+447400123456"],
    ["(415) 555-2671", "US", "+14155552671"],
    ["1 415 555 2671", "US", "+14155552671"],
    ["347 123 4567", "IT", "+393471234567"],
    ["06 12 34 56 78", "FR", "+33612345678"],
  ])("%s in %s → %s", (raw, country, e164) => {
    expect(parseWhatsAppNumber(raw, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    ["", "DE", "empty"],
    ["   ", "DE", "empty"],
    ["+49 151 1234", "DE", "tooShort"],
    ["0151 123", "DE", "tooShort"],
    ["+49 151 1234567890123", "DE", "tooLong"],
    ["+49 00151 1234567", "DE", "invalid"],
    ["+999 1234567", "DE", "countryCode"],
    ["0151 12345678", null, "countryCode"],
    ["0151 12345678", "XX", "countryCode"],
    ["0151-CALL-ME", "DE", "characters"],
    ["+49 151 12345678 ext. 5", "DE", "characters"],
    ["49+151", "DE", "characters"],
  ])("%s in %s → %s", (raw, country, problem) => {
    expect(parseWhatsAppNumber(raw, country)).toEqual({ ok: false, problem });
  });

  it("accepts every country's example mobile number, international and national, as libphonenumber formats it", () => {
    const mismatches: string[] = [];
    for (const [country, national] of Object.entries(examples as Record<string, string>)) {
      const number = parsePhoneNumberFromString(national, country as CountryCode);
      if (!number?.isValid()) continue;
      for (const typed of [number.formatInternational(), number.formatNational()]) {
        const result = parseWhatsAppNumber(typed, country);
        if (!result.ok || result.e164 !== number.number) mismatches.push(`${country} ${typed}: ${JSON.stringify(result)} (expected ${number.number})`);
      }
    }
    // 488 of 490 with libphonenumber-js 1.13.16. Only plain national prefixes are modelled, not the complex
    // ones of Argentina ("011 15-…") and Belarus ("8 029 …"); there the buyer types the international form.
    expect(mismatches.length).toBeLessThanOrEqual(4);
    expect(mismatches.filter((m) => /^(DE|AT|CH|GB|FR|IT|ES|NL|BE|PL|US|DK|SE) /.test(m))).toEqual([]);
  });

  it("rejects what the app's backend would reject for the main markets (too short, too long)", () => {
    for (const country of ["DE", "AT", "CH", "GB", "FR", "IT", "ES", "NL"] as const) {
      const example = parsePhoneNumberFromString((examples as Record<string, string>)[country], country)!;
      const nsn = example.nationalNumber;
      for (const candidate of [`+${example.countryCallingCode}${nsn.slice(0, -2)}`, `+${example.countryCallingCode}${nsn}999`]) {
        const ours = parseWhatsAppNumber(candidate, country);
        const theirs = parsePhoneNumberFromString(candidate);
        if (!theirs?.isValid()) expect({ candidate, ours }).toMatchObject({ ours: { ok: false } });
      }
    }
  });
});
