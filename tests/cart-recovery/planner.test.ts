// The pure parts of cart recovery, table by table: the planner, the step-1 decision, the holdout draw,
// the content and the settings.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  discountComponents,
  planCartRecovery,
  reminderParameters,
  summarizeItems,
  type RecoveryCheckout,
  type RecoveryState,
} from "~/.server/automations/cart-recovery";
import { holdoutBucket, isHoldout } from "~/.server/cart-recovery/holdout";
import { cartRecoverySettings, costRateFor, DEFAULT_CART_RECOVERY } from "~/.server/cart-recovery/settings";
import { consentStateAt, decideStep1, type Step1Facts } from "~/.server/cart-recovery/step1";
import { placeholderCount, renderTemplateBody, suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";

const T = new Date("2026-03-02T10:00:00.000Z");
const min = (m: number) => new Date(T.getTime() + m * 60_000);

const checkout: RecoveryCheckout = {
  token: "tok-1",
  phone: "+4915112345678",
  customerKey: "customer:1",
  locale: "de",
  firstName: "Anna",
  items: [{ title: "Sneaker Classic", quantity: 1 }],
  totalPrice: "89.90",
  currency: "EUR",
  recoveryUrl: "https://shop.example/checkouts/tok-1/recover?key=k",
  completed: false,
  updatedAt: T,
};
const fresh: RecoveryState = { closedReason: null, decision: null, step1DueAt: null, steps: {} };
const scheduled = { status: "SCHEDULED" };
const settings = { enabled: true, stepsMinutes: [60, 1440] };
const shop = { locale: "de" };

type Row = [string, Partial<RecoveryCheckout>, Partial<RecoveryState>, Partial<typeof settings>, Date, {
  create?: [string, Date][];
  refresh?: [string, Date][];
  cancel?: [number, string][];
  close?: string | null;
  step1DueAt?: Date | null;
}];

const cases: Row[] = [
  ["a new checkout with a phone: step 1 at +60 min, step 2 at +24 h", {}, {}, {}, T,
    { create: [["cart_recovery:tok-1:step1", min(60)], ["cart_recovery:tok-1:step2", min(1440)]], step1DueAt: min(60) }],
  ["a newer update moves both pending steps", { updatedAt: min(30) }, { steps: { 1: scheduled, 2: scheduled }, step1DueAt: min(60) }, {}, min(31),
    { refresh: [["cart_recovery:tok-1:step1", min(90)], ["cart_recovery:tok-1:step2", min(1470)]], step1DueAt: min(90) }],
  ["after step 1 went out, an update moves only step 2", { updatedAt: min(120) }, { decision: "remind", step1DueAt: min(60), steps: { 1: { status: "DELIVERED" }, 2: scheduled } }, {}, min(121),
    { refresh: [["cart_recovery:tok-1:step2", min(1560)]], step1DueAt: min(60) }],
  ["a checkout without a phone is tracked (abandonment counts it) but gets no reminder", { phone: null }, {}, {}, T,
    { step1DueAt: min(60) }],
  ["the phone disappears: pending steps are cancelled", { phone: null, updatedAt: min(5) }, { steps: { 1: scheduled, 2: scheduled } }, {}, min(5),
    { cancel: [[1, "not_contactable"], [2, "not_contactable"]], step1DueAt: min(65) }],
  ["completed_at set: closed, pending steps cancelled", { completed: true }, { steps: { 1: scheduled, 2: scheduled } }, {}, T,
    { close: "order_placed", cancel: [[1, "order_placed"], [2, "order_placed"]], step1DueAt: null }],
  ["a closed checkout never gets a reminder again (late update after the order)", { updatedAt: min(200) }, { closedReason: "order_placed", steps: { 1: { status: "CANCELLED" } } }, {}, min(300),
    { step1DueAt: null }],
  ["decided as holdout: the decision stands, nothing is planned", { updatedAt: min(70) }, { decision: "holdout", step1DueAt: min(60) }, {}, min(70),
    { step1DueAt: min(60) }],
  ["cancelled or sent steps are never planned a second time", {}, { steps: { 1: { status: "CANCELLED" }, 2: { status: "SKIPPED" } } }, {}, T,
    { step1DueAt: min(60) }],
  ["one step only", {}, {}, { stepsMinutes: [30] }, T,
    { create: [["cart_recovery:tok-1:step1", min(30)]], step1DueAt: min(30) }],
  ["step 2 switched off after it was planned", { updatedAt: min(1) }, { steps: { 1: scheduled, 2: scheduled } }, { stepsMinutes: [60] }, min(1),
    { refresh: [["cart_recovery:tok-1:step1", min(61)]], cancel: [[2, "flow_disabled"]], step1DueAt: min(61) }],
  ["the flow switched off: pending steps are cancelled, the checkout still tracked", {}, { steps: { 1: scheduled } }, { enabled: false }, T,
    { cancel: [[1, "flow_disabled"]], step1DueAt: min(60) }],
  ["a webhook 30 h late: step 1 now, step 2 keeps its distance", {}, {}, {}, min(1800),
    { create: [["cart_recovery:tok-1:step1", min(1800)], ["cart_recovery:tok-1:step2", min(1800 + 1380)]], step1DueAt: min(60) }],
];

describe("planCartRecovery", () => {
  it.each(cases)("%s", (_name, c, s, cfg, now, expected) => {
    const outcome = planCartRecovery({ ...checkout, ...c }, { ...fresh, ...s }, { ...settings, ...cfg }, shop, now);
    expect(outcome.create.map((p) => [p.dedupeKey, p.sendAfter])).toEqual(expected.create ?? []);
    expect(outcome.refresh.map((p) => [p.dedupeKey, p.sendAfter])).toEqual(expected.refresh ?? []);
    expect(outcome.cancel.map((x) => [x.step, x.reason])).toEqual(expected.cancel ?? []);
    expect(outcome.close).toBe(expected.close ?? null);
    expect(outcome.track?.step1DueAt ?? null).toEqual(expected.step1DueAt === undefined ? null : expected.step1DueAt);
  });

  it("plans marketing reminders about the checkout with its recovery URL behind the button", () => {
    const [step1, step2] = planCartRecovery(checkout, fresh, settings, shop, T).create;
    expect(step1).toMatchObject({
      flow: "cart_recovery", category: "MARKETING", template: TEMPLATE_NAMES.cartRecovery1, language: "de", to: checkout.phone,
      checkoutToken: "tok-1", linkUrl: checkout.recoveryUrl, components: [{ type: "body", parameters: [{ text: "Anna" }, { text: "Sneaker Classic" }, { text: "89,90\u00a0€" }] }],
    });
    expect(step2.template).toBe(TEMPLATE_NAMES.cartRecovery2);
    expect(planCartRecovery({ ...checkout, locale: "en-GB" }, fresh, settings, shop, T).create[0]).toMatchObject({ language: "en", components: [{ parameters: [{ text: "Anna" }, { text: "Sneaker Classic" }, { text: "€89.90" }] }] });
  });
});

describe("reminder content", () => {
  const items = (...titles: string[]) => titles.map((title) => ({ title, quantity: 1 }));
  it.each([
    ["de", items("Sneaker"), "Sneaker"],
    ["de", items("Sneaker", "Socken"), "Sneaker und Socken"],
    ["de", items("Sneaker", "Socken", "Mütze"), "Sneaker, Socken und 1 weiterer Artikel"],
    ["en", items("Sneaker", "Socks", "Cap", "Bag"), "Sneaker, Socks and 2 more items"],
    ["en", [{ title: "Socks", quantity: 3 }], "3 × Socks"],
    ["de", [], "deine Auswahl"],
    ["en", items("A very long product title that goes on and on and on forever"), "A very long product title that goes on…"],
    ["de", items("Zeile\neins\tund    mehr"), "Zeile eins und mehr"],
  ] as const)("%s %j → %s", (language, list, expected) => {
    expect(summarizeItems([...list], language)).toBe(expected);
  });

  it("falls back to a greeting and a neutral total; the template text reads whole", () => {
    expect(reminderParameters({ firstName: null, items: [], totalPrice: null, currency: null }, "en")).toEqual(["there", "your selection", "see cart"]);
    const text = renderTemplateBody(TEMPLATE_NAMES.cartRecovery1, "de", reminderParameters(checkout, "de"));
    expect(text).toBe("Hallo Anna, in deinem Warenkorb liegt noch Sneaker Classic (insgesamt 89,90\u00a0€). Möchtest du deine Bestellung abschließen? Keine Nachrichten mehr? Antworte STOPP.");
  });

  it("fills the discount variant's code, percent and last day in the shop's time zone", () => {
    const body = [{ type: "body" as const, parameters: ["Anna", "Sneaker", "89,90\u00a0€"].map((text) => ({ type: "text" as const, text })) }];
    const button = { type: "button" as const, sub_type: "url" as const, index: "0", parameters: [{ type: "text" as const, text: "abc" }] };
    const filled = discountComponents([...body, button], { code: "MOMENTO-AB", percent: 10, endsAt: new Date("2026-03-09T23:30:00Z") }, "de", "Europe/Berlin");
    expect(filled[0].parameters.map((p) => ("text" in p ? p.text : ""))).toEqual(["Anna", "Sneaker", "89,90\u00a0€", "MOMENTO-AB", "10", "10.03.2026"]);
    expect(filled[1]).toEqual(button);
  });

  it("has the three cart templates (and step 1 with an image header) in both languages, marketing, with a URL button and matching placeholders", () => {
    const templates = suggestedTemplates("https://app.example").filter((t) => t.name.startsWith("momento_cart_recovery"));
    expect(templates.map((t) => `${t.name}/${t.language}`).sort()).toEqual([
      "momento_cart_recovery_1/de", "momento_cart_recovery_1/en", "momento_cart_recovery_1_image/de", "momento_cart_recovery_1_image/en",
      "momento_cart_recovery_2/de", "momento_cart_recovery_2/en", "momento_cart_recovery_2_discount/de", "momento_cart_recovery_2_discount/en",
    ]);
    for (const t of templates) {
      expect(t.category).toBe("MARKETING");
      const body = t.components.find((c) => c.type === "BODY")!;
      expect(placeholderCount("text" in body ? body.text : "")).toBe(t.name.endsWith("discount") ? 6 : 3);
      const buttons = t.components.find((c) => c.type === "BUTTONS");
      expect(buttons && "buttons" in buttons ? buttons.buttons : []).toEqual([expect.objectContaining({ type: "URL", url: "https://app.example/r/{{1}}" })]);
    }
  });
});

describe("the holdout draw (METRICS.md)", () => {
  it("is the first 4 bytes of SHA-256(shop:token), big-endian, mod 100", () => {
    // Computed independently (Python hashlib): demo.myshopify.com:c1 → 66, momento-test.myshopify.com:tok-1 → 59.
    expect(holdoutBucket("demo.myshopify.com", "c1")).toBe(66);
    expect(holdoutBucket("momento-test.myshopify.com", "tok-1")).toBe(59);
    const digest = createHash("sha256").update("a:b").digest();
    expect(holdoutBucket("a", "b")).toBe(((digest[0] * 2 ** 24 + digest[1] * 2 ** 16 + digest[2] * 2 ** 8 + digest[3]) >>> 0) % 100);
  });

  it("holds out buckets below the share, and about that share of many checkouts", () => {
    expect([isHoldout(9, 10), isHoldout(10, 10), isHoldout(0, 0)]).toEqual([true, false, false]);
    const held = Array.from({ length: 10_000 }, (_, i) => isHoldout(holdoutBucket("demo.myshopify.com", `t${i}`), 10)).filter(Boolean).length;
    expect(held).toBeGreaterThan(900);
    expect(held).toBeLessThan(1100);
  });
});

describe("decideStep1", () => {
  const eligible: Step1Facts = { ordered: false, deleted: false, contactable: true, consentState: "CONFIRMED", bucket: 50, holdoutPercent: 10, enabled: true };
  it.each([
    ["eligible, not held out", eligible, "remind"],
    ["held out", { ...eligible, bucket: 3 }, "holdout"],
    ["ordered before step-1 time wins over everything", { ...eligible, ordered: true, bucket: 3, consentState: null }, "ordered"],
    ["deleted", { ...eligible, deleted: true }, "deleted"],
    ["no usable phone", { ...eligible, contactable: false }, "not_contactable"],
    ["consent only requested", { ...eligible, consentState: "REQUESTED" }, "no_consent"],
    ["consent revoked", { ...eligible, consentState: "REVOKED" }, "no_consent"],
    ["no consent record", { ...eligible, consentState: null }, "no_consent"],
    ["flow off", { ...eligible, enabled: false }, "disabled"],
    ["no holdout share", { ...eligible, bucket: 0, holdoutPercent: 0 }, "remind"],
  ] as const)("%s → %s", (_name, facts, decision) => {
    expect(decideStep1(facts).decision).toBe(decision);
  });

  it("reads consent as it was at step-1 time from the append-only log", () => {
    const log = [{ toState: "REQUESTED", at: min(-10) }, { toState: "CONFIRMED", at: min(-5) }, { toState: "REVOKED", at: min(30) }];
    expect(consentStateAt("REVOKED", log, min(0))).toBe("CONFIRMED");
    expect(consentStateAt("REVOKED", log, min(-7))).toBe("REQUESTED");
    expect(consentStateAt("REVOKED", log, min(-20))).toBeNull();
    expect(consentStateAt("CONFIRMED", [], min(0))).toBe("CONFIRMED");
  });
});

describe("cart-recovery settings", () => {
  it("takes the replay config keys, defaults the rest, and treats null holdout as none", () => {
    expect(cartRecoverySettings(null)).toEqual(DEFAULT_CART_RECOVERY);
    expect(cartRecoverySettings(JSON.stringify({ holdoutPercent: 20, attributionWindowDays: 7, cartRecoverySteps: [30, 720], cartRecoveryDiscountPercent: 15 }))).toMatchObject({
      holdoutPercent: 20, attributionWindowDays: 7, stepsMinutes: [30, 720], discount: { percent: 15, expiresInDays: 7 },
    });
    expect(cartRecoverySettings(JSON.stringify({ holdoutPercent: null })).holdoutPercent).toBe(0);
    expect(cartRecoverySettings(JSON.stringify({ cartRecoverySteps: [60, 30] })).stepsMinutes).toEqual([60]);
    expect(cartRecoverySettings(JSON.stringify({ flows: { cart_recovery: { enabled: false } } })).enabled).toBe(false);
    expect(cartRecoverySettings("not json")).toEqual(DEFAULT_CART_RECOVERY);
  });

  it("looks up the cost rate per country with the * row as fallback", () => {
    const rates = [{ country: "DE", marketing: 0.11, utility: 0.04 }, { country: "*", marketing: 0.06, utility: 0.02 }];
    expect([costRateFor(rates, "DE", "MARKETING"), costRateFor(rates, "AT", "MARKETING"), costRateFor(rates, null, "UTILITY")]).toEqual([0.11, 0.06, 0.02]);
  });
});
