import { describe, expect, it } from "vitest";
import {
  CONFIRMATION_REQUEST_INTERVAL_MS,
  planOptInConfirmation,
  planOptOutConfirmation,
  shopDisplayName,
  shouldRequestConfirmation,
} from "~/.server/automations/consent-messages";
import { suggestedTemplates, templateWordingVersion } from "~/.server/templates/catalogue";

const NOW = new Date("2026-03-02T10:00:00.000Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const consent = { id: "c1", phone: "+4915112345678", waUserId: null, customerId: "42" };

describe("shouldRequestConfirmation: one request per number per 30 days", () => {
  const cases: [string, Date | null, boolean, boolean][] = [
    ["never asked", null, false, true],
    ["asked a minute ago", new Date(NOW.getTime() - 60_000), false, false],
    ["asked 29 days ago", daysAgo(29), false, false],
    ["asked 30 days minus a second ago", new Date(NOW.getTime() - CONFIRMATION_REQUEST_INTERVAL_MS + 1000), false, false],
    ["asked exactly 30 days ago", daysAgo(30), false, true],
    ["asked 31 days ago", daysAgo(31), false, true],
    ["asked yesterday, but the shopper wrote START on WhatsApp", daysAgo(1), true, true],
  ];
  it.each(cases)("%s", (_name, lastRequestedAt, shopperAskedOnWhatsApp, expected) => {
    expect(shouldRequestConfirmation({ lastRequestedAt, now: NOW, shopperAskedOnWhatsApp })).toBe(expected);
  });
});

describe("planOptInConfirmation", () => {
  it("is a utility template in the shopper's language, at once, with yes/no payloads", () => {
    expect(planOptInConfirmation(consent, { shopName: "Kaffeerösterei", locale: "en-GB", shopLocale: "de" }, NOW)).toEqual({
      flow: "opt_in_confirmation",
      dedupeKey: "opt_in_confirmation:c1:2026-03-02T10:00:00.000Z",
      to: "+4915112345678",
      waUserId: null,
      customerKey: "customer:42",
      category: "UTILITY",
      template: "momento_opt_in_confirmation",
      language: "en",
      components: [
        { type: "body", parameters: [{ type: "text", text: "Kaffeerösterei" }] },
        { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "CONSENT_YES" }] },
        { type: "button", sub_type: "quick_reply", index: "1", parameters: [{ type: "payload", payload: "CONSENT_NO" }] },
      ],
      sendAfter: NOW,
    });
  });

  it("reaches a username-only recipient through the user id", () => {
    const plan = planOptInConfirmation({ ...consent, phone: null, waUserId: "DE.1", customerId: null }, { shopName: "x", locale: null, shopLocale: "de" }, NOW);
    expect(plan).toMatchObject({ to: null, waUserId: "DE.1", customerKey: null });
  });
});

describe("planOptOutConfirmation", () => {
  it("is a utility template naming the shop, keyed by the revocation event", () => {
    expect(planOptOutConfirmation(consent, { shopName: "demo", locale: "de-AT", shopLocale: "en" }, 17, NOW)).toMatchObject({
      flow: "opt_out_confirmation",
      dedupeKey: "opt_out_confirmation:c1:17",
      category: "UTILITY",
      template: "momento_opt_out_confirmation",
      language: "de",
      components: [{ type: "body", parameters: [{ type: "text", text: "demo" }] }],
      sendAfter: NOW,
    });
  });
});

describe("shopDisplayName", () => {
  it.each([
    ["demo.myshopify.com", "{}", "demo"],
    ["demo.myshopify.com", JSON.stringify({ shopName: "  Demo   Shop " }), "Demo Shop"],
    ["demo.myshopify.com", JSON.stringify({ shopName: "" }), "demo"],
    ["demo.myshopify.com", "not json", "demo"],
    ["demo.myshopify.com", null, "demo"],
  ])("%s with %s → %s", (domain, settings, expected) => expect(shopDisplayName(domain, settings)).toBe(expected));
});

describe("the consent templates in the catalogue", () => {
  const templates = suggestedTemplates("https://app.example");

  it("has the opt-out confirmation in German and English, utility, one parameter, no buttons", () => {
    const optOut = templates.filter((t) => t.name === "momento_opt_out_confirmation");
    expect(optOut.map((t) => [t.language, t.category, t.components.length])).toEqual([["de", "UTILITY", 1], ["en", "UTILITY", 1]]);
    expect(optOut[0].components[0]).toMatchObject({ type: "BODY", text: "Du erhältst keine Nachrichten mehr von {{1}}. Mit START kannst du dich wieder anmelden." });
    expect(optOut[1].components[0]).toMatchObject({ type: "BODY", text: expect.stringContaining("START") });
  });

  it("has yes/no quick replies on the opt-in confirmation", () => {
    const optIn = templates.find((t) => t.name === "momento_opt_in_confirmation" && t.language === "de")!;
    expect(optIn.components[1]).toEqual({ type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Ja, anmelden" }, { type: "QUICK_REPLY", text: "Nein, danke" }] });
  });

  it("versions each wording: stable, different per language and template", () => {
    const de = templateWordingVersion("momento_opt_in_confirmation", "de");
    expect(de).toMatch(/^momento_opt_in_confirmation\/de\/[0-9a-f]{12}$/);
    expect(templateWordingVersion("momento_opt_in_confirmation", "de")).toBe(de);
    expect(templateWordingVersion("momento_opt_in_confirmation", "en")).not.toBe(de);
    expect(templateWordingVersion("unknown", "de")).toBeNull();
  });
});
