// Issue 5 item 8: every planner picks the recipient's template language the same way — the recipient's
// checkout/order/consent/signup locale reduced to its base language when we have templates in it, else the
// shop's locale, else English. One table of locales × shop locales, run through every planner.
import { describe, expect, it } from "vitest";
import { planBackInStockBatch } from "~/.server/automations/back-in-stock";
import { planCartRecovery } from "~/.server/automations/cart-recovery";
import { planOptInConfirmation, planOptOutConfirmation } from "~/.server/automations/consent-messages";
import { planFeedback } from "~/.server/automations/feedback";
import { planOrderConfirmation } from "~/.server/automations/order-confirmation";
import { customerLocale, planLoyalty, planWinBack, type CustomerHistory } from "~/.server/automations/retention";
import { planShippingUpdate } from "~/.server/automations/shipping-update";
import type { MessagePlan } from "~/.server/automations/types";
import { planAutoReply, planWismoAnswer } from "~/.server/automations/wismo";
import { FREE_FORM_REPLIES } from "~/.server/templates/catalogue";

const NOW = new Date("2026-03-02T10:00:00.000Z");
const DAY = 86_400_000;
const PHONE = "+4915112345678";

/** Each planner, fed a recipient locale and a shop locale, returns the one message it plans. */
const PLANNERS: Record<string, (locale: string | null, shopLocale: string) => MessagePlan> = {
  order_confirmation: (locale, shopLocale) =>
    planOrderConfirmation(
      { id: "o1", name: "#1001", totalPrice: "49.90", currency: "EUR", locale, phone: PHONE, phoneInvalid: false, customerKey: "c1", firstName: null, orderStatusUrl: null, cancelled: false },
      { locale: shopLocale },
      NOW,
    )[0],
  shipping_update: (locale, shopLocale) =>
    planShippingUpdate(
      {
        order: { id: "o1", name: "#1001", phone: PHONE, locale, customerKey: "c1", firstName: null, cancelled: false },
        fulfillment: { shopifyFulfillmentId: "f1", status: "success", trackingCompany: null, trackingNumber: "0034", trackingUrl: null },
        previous: null,
        stale: false,
      },
      { locale: shopLocale },
      NOW,
    )[0],
  feedback: (locale, shopLocale) =>
    planFeedback(
      {
        order: { id: "o1", name: "#1001", phone: PHONE, locale, customerKey: "c1", firstName: null, cancelled: false, refunded: false },
        fulfilledAt: NOW,
        deliveredAt: null,
        shopName: "Demo",
        delayDays: 7,
      },
      { locale: shopLocale },
      NOW,
    )[0],
  cart_recovery: (locale, shopLocale) =>
    planCartRecovery(
      { token: "t1", phone: PHONE, customerKey: "c1", locale, firstName: null, items: [], totalPrice: null, currency: null, recoveryUrl: null, completed: false, updatedAt: NOW },
      { closedReason: null, decision: null, step1DueAt: null, steps: {} },
      { enabled: true, stepsMinutes: [60, 1440] },
      { locale: shopLocale },
      NOW,
    ).create[0],
  back_in_stock: (locale, shopLocale) =>
    planBackInStockBatch({ id: "r1", detectedAt: NOW }, { productTitle: null, variantTitle: null, productUrl: null }, [{ subscriptionId: "s1", phone: PHONE, locale }], { locale: shopLocale }, 0, 0, NOW)[0],
  opt_in_confirmation: (locale, shopLocale) =>
    planOptInConfirmation({ id: "k1", phone: PHONE, waUserId: null, customerId: null }, { shopName: "Demo", locale, shopLocale }, NOW),
  opt_out_confirmation: (locale, shopLocale) =>
    planOptOutConfirmation({ id: "k1", phone: PHONE, waUserId: null, customerId: null }, { shopName: "Demo", locale, shopLocale }, 1, NOW),
  // Win-back and loyalty: the locale of the customer's (latest) order.
  win_back: (locale, shopLocale) => {
    const customer: CustomerHistory = { customerKey: "c1", phone: PHONE, firstName: null, locale: null, orders: [{ shopifyOrderId: "1", createdAt: new Date(NOW.getTime() - 90 * DAY), locale }] };
    const decision = planWinBack(customer, { days: 60 }, { locale: shopLocale, name: "Demo", url: "https://demo.example/" }, NOW);
    if (!decision.plan) throw new Error(decision.reason);
    return decision.plan;
  },
  loyalty: (locale, shopLocale) => {
    const orders = [1, 2, 3].map((n) => ({ shopifyOrderId: String(n), createdAt: new Date(NOW.getTime() - (4 - n) * DAY), locale }));
    const decision = planLoyalty({ customerKey: "c1", phone: PHONE, firstName: null, locale: null, orders }, { orderCount: 3 }, { locale: shopLocale, url: "https://demo.example/" }, NOW);
    if (!decision.plan) throw new Error(decision.reason);
    return decision.plan;
  },
  // The order question without a language of its own (only a number was given): the order's locale decides.
  wismo: (locale, shopLocale) =>
    planWismoAnswer(
      {
        sender: { waMessageId: "wamid.in", phone: PHONE, waUserId: null },
        question: { orderNumber: null, language: null },
        ownOrders: [{ id: "o1", shop: "demo.myshopify.com", name: "#1001", locale, cancelled: false, orderStatusUrl: null, customerKey: "c1", createdAt: NOW, fulfillments: [] }],
        fallbackShop: null,
        shopLocales: { "demo.myshopify.com": shopLocale },
        consentLocales: {},
      },
      NOW,
    )!.plan,
  // A number with no order of theirs (only a number was given): the consent's locale decides, like every planner.
  wismo_no_order: (locale, shopLocale) =>
    planWismoAnswer(
      {
        sender: { waMessageId: "wamid.in", phone: PHONE, waUserId: null },
        question: { orderNumber: "4711", language: null },
        ownOrders: [],
        fallbackShop: { domain: "demo.myshopify.com", locale: shopLocale },
        shopLocales: { "demo.myshopify.com": shopLocale },
        consentLocales: { "demo.myshopify.com": locale },
      },
      NOW,
    )!.plan,
  auto_reply: (locale, shopLocale) => planAutoReply({ waMessageId: "wamid.in", phone: PHONE, waUserId: null }, "c1", { locale, shopLocale }, NOW),
};

// [recipient locale, shop locale, expected language]
const TABLE: [string | null, string, "de" | "en"][] = [
  ["de", "de", "de"],
  ["de", "en", "de"],
  ["de-CH", "de", "de"],
  ["de-CH", "en", "de"],
  ["en-GB", "de", "en"],
  ["en-GB", "en", "en"],
  ["fr", "de", "de"],
  ["fr", "en", "en"],
  [null, "de", "de"],
  [null, "en", "en"],
  // Regional spellings of the shop's locale, and a shop whose locale has no templates either: English.
  ["de_AT", "en-US", "de"],
  ["fr-CA", "de-AT", "de"],
  ["fr", "fr", "en"],
  [null, "it-IT", "en"],
  ["EN-us", "fr", "en"],
];

describe("the recipient's template language, in every planner", () => {
  const rows = Object.keys(PLANNERS).flatMap((flow) => TABLE.map(([locale, shopLocale, expected]) => [flow, locale, shopLocale, expected] as const));
  it.each(rows)("%s: recipient %s, shop %s → %s", (flow, locale, shopLocale, expected) => {
    const plan = PLANNERS[flow](locale, shopLocale);
    expect(plan.flow).toBe(flow.replace(/_no_order$/, ""));
    expect(plan.language).toBe(expected);
  });

  it("covers every flow that plans a message for a shopper", () => {
    expect(Object.keys(PLANNERS).sort()).toEqual(
      ["auto_reply", "back_in_stock", "cart_recovery", "feedback", "loyalty", "opt_in_confirmation", "opt_out_confirmation", "order_confirmation", "shipping_update", "win_back", "wismo", "wismo_no_order"].sort(),
    );
  });

  it("free-form answers are written in the chosen language", () => {
    expect(PLANNERS.auto_reply("de-CH", "en").text).toBe(FREE_FORM_REPLIES.de.fallback);
    expect(PLANNERS.auto_reply("fr", "en").text).toBe(FREE_FORM_REPLIES.en.fallback);
  });

  it("a shopper who asks in a language answers in it, whatever the order's locale", () => {
    const plan = planWismoAnswer(
      { sender: { waMessageId: "wamid.q", phone: PHONE, waUserId: null }, question: { orderNumber: null, language: "en" }, ownOrders: [], fallbackShop: { domain: "demo.myshopify.com", locale: "de" }, shopLocales: {}, consentLocales: { "demo.myshopify.com": "de" } },
      NOW,
    )!.plan;
    expect(plan.language).toBe("en");
  });
});

describe("win-back and loyalty take the locale of the customer's latest order", () => {
  const order = (n: number, locale: string | null) => ({ shopifyOrderId: String(n), createdAt: new Date(NOW.getTime() - (10 - n) * DAY), locale });
  it.each([
    ["the latest order's locale wins over the record's", { locale: "de", orders: [order(1, "de"), order(2, "en-GB")] }, "en-GB"],
    ["a latest order without a locale: the one before", { locale: null, orders: [order(1, "de-CH"), order(2, null)] }, "de-CH"],
    ["no order has one: the customer record's", { locale: "en", orders: [order(1, null)] }, "en"],
    ["nothing known", { locale: null, orders: [] }, null],
  ] as const)("%s", (_name, customer, expected) => {
    expect(customerLocale({ locale: customer.locale, orders: [...customer.orders] })).toBe(expected);
  });
});
