// Shop settings: defaults, tolerant reading, merging writes, and the forms that reject bad input whole.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import type { MessagePlan } from "~/.server/automations/types";
import { applyFlowSettingsTo } from "~/.server/settings/flows";
import { parseCostsForm, parseCredentialsForm, parseFlowForm, parsePhoneForm, parsePoliciesForm } from "~/.server/settings/form";
import { DEFAULT_SETTINGS, quietWindowMinutes, type SyncedTemplate } from "~/.server/settings/schema";
import { DEFAULT_SHOP_TIME_ZONE, effectiveSettings, readSettings, shopTimeZone, writeSettings } from "~/.server/settings/store";
import { localizeErrors } from "~/.server/i18n/form-errors";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const SHOP = "settings-test.myshopify.com";

const form = (fields: Record<string, string | string[]>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) data.append(k, item);
  return data;
};

const goodPolicies = {
  shopName: "Kaffee Klatsch",
  defaultLanguage: "de",
  quietHoursEnabled: "on",
  quietStart: "21:00",
  quietEnd: "08:00",
  capEnabled: "on",
  marketingCap: "2",
  attributionWindowDays: "5",
  holdoutPercent: "10",
};

beforeEach(async () => {
  await db.shop.deleteMany({ where: { domain: SHOP } });
});

describe("reading settings", () => {
  it("gives the defaults for a shop without a row or settings", async () => {
    expect(await readSettings(db, SHOP)).toEqual(DEFAULT_SETTINGS);
  });

  it("reads the shop's time zone, and for a shop without a row the zone a new row gets", async () => {
    expect(await shopTimeZone(db, SHOP)).toBe(DEFAULT_SHOP_TIME_ZONE);
    await db.shop.create({ data: { domain: SHOP } });
    expect(await shopTimeZone(db, SHOP)).toBe(DEFAULT_SHOP_TIME_ZONE);
    await db.shop.update({ where: { domain: SHOP }, data: { timezone: "America/Chicago" } });
    expect(await shopTimeZone(db, SHOP)).toBe("America/Chicago");
  });

  it("takes every valid stored value and falls back per key for invalid ones", () => {
    const s = effectiveSettings({
      holdoutPercent: 20,
      attributionWindowDays: -3,
      quietHours: { start: "22:00", end: "07:00" },
      marketingCapPer7Days: null,
      flows: { order_confirmation: { enabled: false }, cart_recovery: { delayMinutes: -5 } },
      shopName: "Demo",
      somethingElse: true,
    });
    expect(s.holdoutPercent).toBe(20);
    expect(s.attributionWindowDays).toBe(5);
    expect(s.quietHours).toEqual({ start: "22:00", end: "07:00" });
    expect(s.marketingCapPer7Days).toBeNull();
    expect(s.flows.order_confirmation).toEqual({ enabled: false, delayMinutes: 0, template: null, headerVideoUrl: null });
    expect(s.flows.cart_recovery).toEqual(DEFAULT_SETTINGS.flows.cart_recovery);
    expect(s.shopName).toBe("Demo");
  });

  it("reads the replay config's keys (the demo shop's settings)", () => {
    const s = effectiveSettings({ holdoutPercent: 10, attributionWindowDays: 5, cartRecoverySteps: [60, 1440], marketingCapPer7Days: 2 });
    expect(s.cartRecoverySteps).toEqual([60, 1440]);
  });
});

describe("writing settings", () => {
  it("merges into what is stored, keeps other features' keys and stores only what differs from the defaults", async () => {
    await db.shop.create({ data: { domain: SHOP, settings: JSON.stringify({ cartRecoveryDiscountPercent: 10, holdoutPercent: 20 }) } });
    await writeSettings(db, SHOP, { flows: { order_confirmation: { enabled: false } }, attributionWindowDays: 5, marketingCapPer7Days: 3 });
    const stored = JSON.parse((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).settings);
    expect(stored).toEqual({ cartRecoveryDiscountPercent: 10, holdoutPercent: 20, marketingCapPer7Days: 3, flows: { order_confirmation: { enabled: false } } });
    const back = await readSettings(db, SHOP);
    expect(back.flows.order_confirmation.enabled).toBe(false);
    expect(back.flows.opt_in_confirmation.enabled).toBe(true);
    expect(back.marketingCapPer7Days).toBe(3);
  });

  it("creates the shop row when needed and can write the default language column", async () => {
    await writeSettings(db, SHOP, { holdoutPercent: 0 }, { locale: "en" });
    const row = await db.shop.findUniqueOrThrow({ where: { domain: SHOP } });
    expect(row.locale).toBe("en");
    expect(JSON.parse(row.settings)).toEqual({ holdoutPercent: 0 });
  });

  it("refuses a value its schema rejects and writes nothing", async () => {
    await expect(writeSettings(db, SHOP, { holdoutPercent: 99 })).rejects.toThrow();
    expect(JSON.parse((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).settings)).toEqual({});
  });
});

describe("quiet hours", () => {
  it("measures windows across midnight", () => {
    expect(quietWindowMinutes("21:00", "08:00")).toBe(11 * 60);
    expect(quietWindowMinutes("01:00", "06:30")).toBe(330);
    expect(quietWindowMinutes("08:00", "08:00")).toBe(0);
  });

  it("accepts 21:00–08:00 (passes midnight) and a same-day window", () => {
    expect(parsePoliciesForm(form(goodPolicies))).toEqual({
      ok: true,
      value: { shopName: "Kaffee Klatsch", defaultLanguage: "de", quietHours: { start: "21:00", end: "08:00" }, marketingCapPer7Days: 2, attributionWindowDays: 5, holdoutPercent: 10 },
    });
    expect(parsePoliciesForm(form({ ...goodPolicies, quietStart: "12:00", quietEnd: "14:00" })).ok).toBe(true);
  });

  it("rejects an empty window, one longer than 16 hours (a typo like 08:00–07:00) and malformed times", () => {
    const empty = parsePoliciesForm(form({ ...goodPolicies, quietStart: "08:00", quietEnd: "08:00" }));
    expect(empty).toEqual({ ok: false, errors: { quietEnd: { code: "quietHoursEmpty" } } });
    const long = parsePoliciesForm(form({ ...goodPolicies, quietStart: "08:00", quietEnd: "07:00" }));
    expect(long).toEqual({ ok: false, errors: { quietEnd: { code: "quietHoursTooLong", params: { hours: 23, max: 16 } } } });
    const malformed = parsePoliciesForm(form({ ...goodPolicies, quietStart: "25:00", quietEnd: "8" }));
    expect(malformed.ok).toBe(false);
    if (!malformed.ok) expect(malformed.errors).toEqual({ quietStart: { code: "timeFormat" }, quietEnd: { code: "timeFormat" } });
  });

  it("ignores the times when quiet hours are switched off", () => {
    const off = parsePoliciesForm(form({ ...goodPolicies, quietHoursEnabled: "", quietStart: "x", quietEnd: "y" }));
    expect(off.ok && off.value.quietHours).toBeNull();
  });
});

describe("the messaging-rules form", () => {
  it("names every bad field at once, in the merchant's language", () => {
    const result = parsePoliciesForm(form({ ...goodPolicies, marketingCap: "-1", attributionWindowDays: "2.5", holdoutPercent: "abc", defaultLanguage: "fr", shopName: "A\tB" }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(["attributionWindowDays", "defaultLanguage", "holdoutPercent", "marketingCap", "shopName"]);
    const de = localizeErrors("de", result.errors);
    expect(de.marketingCap).toBe("Bitte gib 1 oder mehr ein.");
    expect(de.attributionWindowDays).toMatch(/ganze Zahl/);
    expect(localizeErrors("en", result.errors).holdoutPercent).toBe("Enter a number.");
  });

  it("a switched-off cap is stored as no cap", () => {
    const result = parsePoliciesForm(form({ ...goodPolicies, capEnabled: "", marketingCap: "" }));
    expect(result.ok && result.value.marketingCapPer7Days).toBeNull();
  });
});

describe("the cost table form", () => {
  it("accepts decimal commas and skips rows left empty", () => {
    const result = parseCostsForm(form({ costCurrency: "eur", country: ["de", "*", ""], marketing: ["0,1131", "0.1", ""], utility: ["0.0456", "0", ""] }));
    expect(result).toEqual({
      ok: true,
      value: {
        costCurrency: "EUR",
        costRates: [
          { country: "DE", marketing: 0.1131, utility: 0.0456 },
          { country: "*", marketing: 0.1, utility: 0 },
        ],
      },
    });
  });

  it("rejects negative rates, bad countries, duplicates and a table without the * row", () => {
    const result = parseCostsForm(form({ costCurrency: "EURO", country: ["DE", "de", "Germany"], marketing: ["-0.1", "0.1", "0.1"], utility: ["0.1", "x", "0.1"] }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual({
        costCurrency: { code: "currency" },
        "marketing.0": { code: "tooSmall", params: { min: 0 } },
        "country.1": { code: "duplicateCountry" },
        "utility.1": { code: "number" },
        "country.2": { code: "country" },
        costRates: { code: "needsOtherCountries" },
      });
    }
  });
});

describe("the WhatsApp credentials form", () => {
  const good = { phoneNumberId: "100000000000001", wabaId: "100000000000002", accessToken: "EAAG123", appSecret: "s3cret", verifyToken: "momento-verify" };

  it("rejects an empty token, ids with letters and a short verify token", () => {
    const result = parseCredentialsForm(form({ ...good, accessToken: "  ", phoneNumberId: "abc", verifyToken: "short" }), { replacing: false });
    expect(result).toEqual({ ok: false, errors: { phoneNumberId: { code: "digitsOnly" }, accessToken: { code: "tokenEmpty" }, verifyToken: { code: "verifyToken" } } });
  });

  it("lets the app secret and verify token stay empty only when replacing stored credentials", () => {
    expect(parseCredentialsForm(form({ ...good, appSecret: "" }), { replacing: false }).ok).toBe(false);
    expect(parseCredentialsForm(form({ ...good, verifyToken: "" }), { replacing: false }).ok).toBe(false);
    expect(parseCredentialsForm(form({ ...good, appSecret: "", verifyToken: "" }), { replacing: true })).toEqual({ ok: true, value: { ...good, appSecret: null, verifyToken: null, appId: null } });
  });

  it("takes the Meta app's id as optional digits", () => {
    expect(parseCredentialsForm(form({ ...good, appId: " 1234567890 " }), { replacing: false })).toEqual({ ok: true, value: { ...good, appId: "1234567890" } });
    expect(parseCredentialsForm(form({ ...good, appId: "my-app" }), { replacing: false })).toEqual({ ok: false, errors: { appId: { code: "digitsOnly" } } });
  });
});

describe("the merchant's phone number", () => {
  it("normalizes a national number with the shop's country and rejects an invalid one", () => {
    expect(parsePhoneForm(form({ phone: "0151 23456789" }), "DE")).toEqual({ ok: true, value: { phone: "+4915123456789" } });
    expect(parsePhoneForm(form({ phone: "0151" }), "DE")).toEqual({ ok: false, errors: { phone: { code: "invalidPhone" } } });
    expect(parsePhoneForm(form({ phone: "" }), "DE")).toEqual({ ok: false, errors: { phone: { code: "required" } } });
  });
});

const suggested: SyncedTemplate = {
  name: "momento_order_confirmation",
  language: "de",
  status: "APPROVED",
  category: "UTILITY",
  body: "Hallo {{1}}, danke für {{2}} über {{3}}!",
  parameters: 3,
  buttons: [{ type: "URL", text: "Bestellung ansehen" }],
};
const alternative: SyncedTemplate = { ...suggested, name: "my_order_thanks", body: "Danke {{1}}! {{2}} / {{3}}" };
const mismatched: SyncedTemplate = { ...suggested, name: "no_button", buttons: [] };

describe("the flow form", () => {
  const context = { synced: [suggested, alternative, mismatched], suggested, suggestedName: suggested.name };

  it("rejects a negative delay, a second reminder before the first and a template that does not fit", () => {
    expect(parseFlowForm(form({ flow: "order_confirmation", enabled: "on", delayMinutes: "-5" }), context)).toEqual({ ok: false, errors: { delayMinutes: { code: "negativeDelay" } } });
    expect(parseFlowForm(form({ flow: "cart_recovery", enabled: "on", step1Minutes: "120", step2Minutes: "60" }), context)).toEqual({ ok: false, errors: { step2Minutes: { code: "stepOrder" } } });
    expect(parseFlowForm(form({ flow: "cart_recovery", step1Minutes: "-1", step2Minutes: "60" }), context)).toEqual({ ok: false, errors: { step1Minutes: { code: "negativeDelay" } } });
    expect(parseFlowForm(form({ flow: "order_confirmation", delayMinutes: "0", template: "no_button" }), context)).toEqual({ ok: false, errors: { template: { code: "templateMismatch" } } });
    expect(parseFlowForm(form({ flow: "order_confirmation", delayMinutes: "0", template: "nope" }), context)).toEqual({ ok: false, errors: { template: { code: "templateUnknown" } } });
  });

  it("refuses a flow the product does not know (every known flow is built now)", () => {
    expect(parseFlowForm(form({ flow: "birthday", enabled: "on" }), context)).toEqual({ ok: false, errors: { flow: { code: "unknownFlow" } } });
  });

  it("accepts a fitting template and maps the suggested one back to null", () => {
    expect(parseFlowForm(form({ flow: "order_confirmation", enabled: "on", delayMinutes: "10", template: "my_order_thanks" }), context)).toEqual({
      ok: true,
      value: { flow: "order_confirmation", enabled: true, delayMinutes: 10, template: "my_order_thanks" },
    });
    expect(parseFlowForm(form({ flow: "order_confirmation", delayMinutes: "0", template: suggested.name }), context)).toEqual({
      ok: true,
      value: { flow: "order_confirmation", enabled: false, delayMinutes: 0, template: null },
    });
  });
});

describe("flow settings applied to planned messages", () => {
  const now = new Date("2026-03-02T10:00:00Z");
  const plan = (flow: MessagePlan["flow"], template = "momento_order_confirmation"): MessagePlan => ({
    flow,
    dedupeKey: `${flow}:1`,
    to: "+4915112345678",
    customerKey: null,
    category: "UTILITY",
    template,
    language: "de",
    components: [],
    sendAfter: now,
  });

  it("skips a switched-off flow with reason flow_off and leaves others and unknown flows alone", () => {
    const settings = { ...DEFAULT_SETTINGS, flows: { ...DEFAULT_SETTINGS.flows, order_confirmation: { enabled: false, delayMinutes: 0, template: null, headerVideoUrl: null } } };
    const [order, optIn, optOut] = applyFlowSettingsTo([plan("order_confirmation"), plan("opt_in_confirmation"), plan("opt_out_confirmation")], settings, []);
    expect(order.skipReason).toBe("flow_off");
    expect(optIn.skipReason).toBeUndefined();
    expect(optOut).toEqual(plan("opt_out_confirmation"));
  });

  it("moves the send time by the flow's delay and uses a mapped template only where it fits", () => {
    const flows = { ...DEFAULT_SETTINGS.flows, order_confirmation: { enabled: true, delayMinutes: 30, template: "my_order_thanks", headerVideoUrl: null } };
    const [delayed] = applyFlowSettingsTo([plan("order_confirmation")], { flows }, [suggested, alternative]);
    expect(delayed.sendAfter.toISOString()).toBe("2026-03-02T10:30:00.000Z");
    expect(delayed.template).toBe("my_order_thanks");
    // In English the alternative does not exist: the suggested template stays.
    const [english] = applyFlowSettingsTo([{ ...plan("order_confirmation"), language: "en" }], { flows }, [suggested, alternative]);
    expect(english.template).toBe("momento_order_confirmation");
  });
});
