// The pure parts of the lifecycle flows, table by table: shipping update, feedback request and answer, the
// order question and its answer, and the one place that routes a shopper's message.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feedbackDueAt, parseFeedbackAnswer, planFeedback, type FeedbackEvent } from "~/.server/automations/feedback";
import { routeInbound } from "~/.server/automations/inbound-route";
import { planShippingUpdate, shippingUpdateBlocker, type ShippingEvent } from "~/.server/automations/shipping-update";
import { chooseOrder, describeOrder, detectOrderQuestion, planAutoReply, planWismoAnswer, type WismoOrder } from "~/.server/automations/wismo";
import { orderIdCandidates } from "~/.server/fulfillments/events";
import { FLOW_SEND_POLICY } from "~/.server/outbox/policy";
import { FLOW_IDS } from "~/.server/settings/schema";
import { placeholderCount, renderTemplateBody, suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";

const T = new Date("2026-03-02T10:00:00.000Z");
const DAY = 86_400_000;
const shop = { locale: "de" };

describe("shipping update planner", () => {
  const base: ShippingEvent = {
    order: { id: "o1", name: "#1001", phone: "+4915112345678", locale: "de", customerKey: "customer:1", firstName: "Anna", cancelled: false },
    fulfillment: { shopifyFulfillmentId: "123456", status: "success", trackingCompany: "DHL", trackingNumber: "0034", trackingUrl: "https://dhl.example/0034" },
    previous: null,
    stale: false,
  };
  type Row = [string, { order?: Partial<ShippingEvent["order"]>; fulfillment?: Partial<ShippingEvent["fulfillment"]>; previous?: ShippingEvent["previous"]; stale?: boolean }, null | { key: string; template: string; skip?: string }];
  const rows: Row[] = [
    ["first tracking number → one message", {}, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdate }],
    ["pending fulfillment with tracking (the fixture) → message", { fulfillment: { status: "pending" } }, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdate }],
    ["tracking added later (previous had none) → message", { previous: { trackingNumber: null } }, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdate }],
    ["tracking number changed → a message for the new number", { previous: { trackingNumber: "0033" } }, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdate }],
    ["same tracking number again (status change, duplicate) → nothing", { previous: { trackingNumber: "0034" } }, null],
    ["older payload than we hold → nothing", { stale: true }, null],
    ["no tracking number yet → nothing", { fulfillment: { trackingNumber: null } }, null],
    ["cancelled fulfillment → nothing", { fulfillment: { status: "cancelled" } }, null],
    ["cancelled order → nothing", { order: { cancelled: true } }, null],
    ["no tracking link → template without button", { fulfillment: { trackingUrl: null } }, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdateNoLink }],
    ["no phone → recorded as skipped", { order: { phone: null } }, { key: "shipping_update:123456:0034", template: TEMPLATE_NAMES.shippingUpdate, skip: "no_phone" }],
  ];
  it.each(rows)("%s", (_name, change, expected) => {
    const event: ShippingEvent = {
      ...base,
      order: { ...base.order, ...change.order },
      fulfillment: { ...base.fulfillment, ...change.fulfillment },
      previous: change.previous === undefined ? base.previous : change.previous,
      stale: change.stale ?? false,
    };
    const plans = planShippingUpdate(event, shop, T);
    if (expected === null) {
      expect(plans).toEqual([]);
      expect(shippingUpdateBlocker(event)).toEqual(expect.any(String));
      return;
    }
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ flow: "shipping_update", dedupeKey: expected.key, template: expected.template, category: "UTILITY", sendAfter: T, orderId: "o1", skipReason: expected.skip });
    expect(plans[0].linkUrl).toBe(event.fulfillment.trackingUrl ?? undefined);
  });

  it("fills carrier and tracking number into the German and English wording", () => {
    const de = planShippingUpdate(base, shop, T)[0];
    expect(renderTemplateBody(de.template, "de", de.components[0].parameters.map((p) => ("text" in p ? p.text : "")))).toBe(
      "Hallo Anna, deine Bestellung #1001 ist unterwegs! Versand mit DHL, Sendungsnummer 0034.",
    );
    const en = planShippingUpdate({ ...base, order: { ...base.order, locale: "en-US", firstName: null }, fulfillment: { ...base.fulfillment, trackingCompany: null } }, shop, T)[0];
    expect(en.language).toBe("en");
    expect(renderTemplateBody(en.template, "en", en.components[0].parameters.map((p) => ("text" in p ? p.text : "")))).toBe(
      "Hi there, your order #1001 is on its way! Shipped with the carrier, tracking number 0034.",
    );
  });
});

describe("the order a fulfillment names", () => {
  it("finds the exact id behind a JSON number rounded above 2^53, and nothing else", () => {
    const rounded = JSON.parse("820982911946154508") as number;
    expect(String(rounded)).not.toBe("820982911946154508");
    const candidates = orderIdCandidates(rounded);
    expect(candidates).toContain("820982911946154508");
    expect(candidates.every((c) => Number(c) === rounded)).toBe(true);
    expect(candidates.length).toBeLessThanOrEqual(129);
    expect(orderIdCandidates(4242)).toEqual(["4242"]);
    expect(orderIdCandidates("820982911946154508")).toEqual(["820982911946154508"]);
    expect(orderIdCandidates(-1)).toEqual([]);
  });
});

describe("feedback planner", () => {
  const order = { id: "o1", name: "#1001", phone: "+4915112345678", locale: "en", customerKey: "customer:1", firstName: "Anna", cancelled: false, refunded: false };
  const base: FeedbackEvent = { order, fulfilledAt: T, deliveredAt: null, shopName: "Demo Shop", delayDays: 7 };
  type Row = [string, Partial<FeedbackEvent> & { orderChange?: Partial<typeof order> }, Date | null];
  const rows: Row[] = [
    ["fulfilled, no delivery report → 7 days after fulfilment", {}, new Date(T.getTime() + 7 * DAY)],
    ["delivered → 7 days after delivery", { deliveredAt: new Date(T.getTime() + 3 * DAY) }, new Date(T.getTime() + 10 * DAY)],
    ["merchant's delay of 14 days", { delayDays: 14 }, new Date(T.getTime() + 14 * DAY)],
    ["delivery reported after its due time → at once", { fulfilledAt: new Date(T.getTime() - 30 * DAY), deliveredAt: new Date(T.getTime() - 20 * DAY) }, T],
    ["not fulfilled yet → nothing", { fulfilledAt: null }, null],
    ["cancelled order → nothing", { orderChange: { cancelled: true } }, null],
    ["refunded order → nothing", { orderChange: { refunded: true } }, null],
  ];
  it.each(rows)("%s", (_name, change, due) => {
    const { orderChange, ...rest } = change;
    const plans = planFeedback({ ...base, ...rest, order: { ...order, ...orderChange } }, shop, T);
    if (due === null) return expect(plans).toEqual([]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ flow: "feedback", dedupeKey: "feedback:o1", category: "MARKETING", template: TEMPLATE_NAMES.feedback, sendAfter: due, language: "en" });
  });

  it("carries one quick-reply payload per offered score, within Meta's limit of 10 buttons", () => {
    const [plan] = planFeedback(base, shop, T);
    const replies = plan.components.filter((c) => c.type === "button");
    expect(replies.map((r) => r.parameters[0])).toEqual([10, 9, 8, 7, 6, 5].map((s) => ({ type: "payload", payload: `FEEDBACK_SCORE_${s}` })));
    const template = suggestedTemplates("https://app.example").find((t) => t.name === TEMPLATE_NAMES.feedback && t.language === "de")!;
    const buttons = template.components.find((c) => c.type === "BUTTONS");
    expect(buttons && "buttons" in buttons ? buttons.buttons.length : 0).toBeLessThanOrEqual(10);
    expect(feedbackDueAt({ fulfilledAt: null, deliveredAt: null, delayDays: 7 })).toBeNull();
  });

  type AnswerRow = [string, { buttonPayload?: string; buttonText?: string; text?: string }, { score: number; comment: string | null } | null];
  const answers: AnswerRow[] = [
    ["quick-reply payload", { buttonPayload: "FEEDBACK_SCORE_9", buttonText: "9" }, { score: 9, comment: null }],
    ["payload out of range", { buttonPayload: "FEEDBACK_SCORE_11" }, null],
    ["typed 10", { text: "10" }, { score: 10, comment: null }],
    ["typed 0", { text: " 0 " }, { score: 0, comment: null }],
    ["typed 8/10", { text: "8/10" }, { score: 8, comment: null }],
    ["typed 9 von 10", { text: "9 von 10" }, { score: 9, comment: null }],
    ["number with a comment", { text: "7 - Lieferung war langsam" }, { score: 7, comment: "Lieferung war langsam" }],
    ["number with an exclamation", { text: "10!" }, { score: 10, comment: null }],
    ["an order number is no score", { text: "1001" }, null],
    ["#1001 is no score", { text: "#1001" }, null],
    ["11 is no score", { text: "11" }, null],
    ["words only", { text: "super" }, null],
    ["a score button title without our payload", { buttonText: "8" }, { score: 8, comment: null }],
  ];
  it.each(answers)("answer: %s", (_name, message, expected) => {
    expect(parseFeedbackAnswer(message)).toEqual(expected);
  });
});

describe("order question (WISMO)", () => {
  type QRow = [string, string, { orderNumber: string | null; language: "de" | "en" | null } | null];
  const questions: QRow[] = [
    ["German", "Hallo, wo ist meine Bestellung?", { orderNumber: null, language: "de" }],
    ["German, no umlaut trouble", "Wann kommt mein Paket??", { orderNumber: null, language: "de" }],
    ["German with number", "Bestellung 1001 ist noch nicht da", { orderNumber: "1001", language: "de" }],
    ["Sendungsverfolgung", "Sendungsverfolgung bitte", { orderNumber: null, language: "de" }],
    ["Bestellstatus", "Bestellstatus #1002", { orderNumber: "1002", language: "de" }],
    ["English", "Where is my order?", { orderNumber: null, language: "en" }],
    ["English, where's", "where's my parcel", { orderNumber: null, language: "en" }],
    ["order status", "Order status please", { orderNumber: null, language: "en" }],
    ["English with number", "order #1003 hasn't arrived", { orderNumber: "1003", language: "en" }],
    ["a number alone", "#1001", { orderNumber: "1001", language: null }],
    ["not a question about an order", "Habt ihr die Schuhe auch in Blau?", null],
    ["thanks", "Danke!", null],
    ["a short number is no order", "# 12", null],
  ];
  it.each(questions)("%s", (_name, text, expected) => {
    expect(detectOrderQuestion(text)).toEqual(expected);
  });

  const order = (name: string, created: number, extra: Partial<WismoOrder> = {}): WismoOrder => ({
    id: `id-${name}`, shop: "a.myshopify.com", name, locale: "de", cancelled: false, orderStatusUrl: `https://shop.example/${name.slice(1)}/status`,
    customerKey: "customer:1", createdAt: new Date(T.getTime() + created), fulfillments: [], ...extra,
  });
  const mine = [order("#1001", 0), order("#1002", DAY)];

  it.each([
    ["no number → the newest own order", null, "#1002"],
    ["own number → that order", "1001", "#1001"],
    ["someone else's number → nothing", "1005", null],
  ] as const)("chooses: %s", (_name, orderNumber, expected) => {
    expect(chooseOrder({ orderNumber, language: "de" }, mine)?.name ?? null).toBe(expected);
  });

  const shipped = { status: "success", shipmentStatus: "in_transit", trackingCompany: "DHL", trackingNumber: "0034", trackingUrl: "https://dhl.example/0034", sourceUpdatedAt: T };
  it.each([
    ["not shipped yet", order("#1001", 0), "de", "Deine Bestellung #1001: Sie ist eingegangen und wird gerade vorbereitet. Sobald sie unterwegs ist, schicken wir dir die Sendungsverfolgung.\nDetails zu deiner Bestellung: https://shop.example/1001/status"],
    ["on its way", order("#1001", 0, { fulfillments: [shipped] }), "de", "Deine Bestellung #1001: Sie ist unterwegs mit DHL, Sendungsnummer 0034.\nSendung verfolgen: https://dhl.example/0034"],
    ["delivered", order("#1001", 0, { fulfillments: [{ ...shipped, shipmentStatus: "delivered" }] }), "en", "Your order #1001: It has been delivered (DHL, tracking number 0034).\nTrack your parcel: https://dhl.example/0034"],
    ["cancelled", order("#1001", 0, { cancelled: true }), "en", "Your order #1001: It was cancelled."],
    ["the newest fulfillment counts", order("#1001", 0, { fulfillments: [{ ...shipped, trackingNumber: "OLD", sourceUpdatedAt: new Date(T.getTime() - DAY) }, shipped] }), "de", "Deine Bestellung #1001: Sie ist unterwegs mit DHL, Sendungsnummer 0034.\nSendung verfolgen: https://dhl.example/0034"],
  ] as const)("describes: %s", (_name, o, language, text) => {
    expect(describeOrder(o, language)).toBe(text);
  });

  const sender = { waMessageId: "wamid.in-1", phone: "+4915112345678", waUserId: null };
  it("answers with the own order, once per inbound message, as free-form text", () => {
    const decision = planWismoAnswer({ sender, question: { orderNumber: null, language: "en" }, ownOrders: mine, fallbackShop: null, shopLocales: {}, consentLocales: {} }, T)!;
    expect(decision.shop).toBe("a.myshopify.com");
    expect(decision.plan).toMatchObject({ flow: "wismo", dedupeKey: "wismo:wamid.in-1", template: "", category: "UTILITY", language: "en", orderId: "id-#1002", to: sender.phone, sendAfter: T });
    expect(decision.plan.text).toContain("#1002");
  });
  it("never describes an order number that is not the sender's", () => {
    const decision = planWismoAnswer({ sender, question: { orderNumber: "1005", language: "de" }, ownOrders: mine, fallbackShop: { domain: "a.myshopify.com", locale: "de" }, shopLocales: {}, consentLocales: {} }, T)!;
    expect(decision.order).toBeNull();
    expect(decision.plan.text).toBe("Zu dieser WhatsApp-Nummer finden wir keine Bestellung 1005. Wir haben deine Nachricht an das Team weitergegeben und melden uns bald.");
    expect(decision.plan.orderId).toBeUndefined();
  });
  it("no order and no shop that knows the sender → no answer", () => {
    expect(planWismoAnswer({ sender, question: { orderNumber: null, language: "de" }, ownOrders: [], fallbackShop: null, shopLocales: {}, consentLocales: {} }, T)).toBeNull();
  });
  it("the automatic reply has one dedupeKey per recipient and day, without the phone number in it", () => {
    const a = planAutoReply(sender, null, { locale: "de", shopLocale: "de" }, T);
    const b = planAutoReply({ ...sender, waMessageId: "wamid.in-2" }, null, { locale: "de", shopLocale: "de" }, new Date(T.getTime() + 3_600_000));
    const c = planAutoReply(sender, null, { locale: "de", shopLocale: "de" }, new Date(T.getTime() + DAY));
    expect(a.dedupeKey).toBe(b.dedupeKey);
    expect(a.dedupeKey).not.toBe(c.dedupeKey);
    expect(a.dedupeKey).not.toContain("15112345678");
    expect(a).toMatchObject({ flow: "auto_reply", category: "UTILITY", template: "" });
  });
});

describe("routing a shopper's message", () => {
  type Row = [string, { type: string; text?: string; buttonPayload?: string; buttonText?: string }, { consentMatched?: string; feedbackAwaited?: boolean }, string];
  const rows: Row[] = [
    ["STOP is consent, even with a feedback question open", { type: "text", text: "STOP" }, { consentMatched: "text:STOP", feedbackAwaited: true }, "consent"],
    ["a number while feedback is awaited → feedback", { type: "text", text: "9" }, { feedbackAwaited: true }, "feedback"],
    ["a score tap → feedback", { type: "button", buttonPayload: "FEEDBACK_SCORE_10", buttonText: "10" }, { feedbackAwaited: true }, "feedback"],
    ["a number without a feedback question → fallback", { type: "text", text: "9" }, {}, "fallback"],
    ["an order question while feedback is awaited → wismo", { type: "text", text: "wo ist meine Bestellung" }, { feedbackAwaited: true }, "wismo"],
    ["#1001 while feedback is awaited → wismo, not a score", { type: "text", text: "#1001" }, { feedbackAwaited: true }, "wismo"],
    ["anything else → fallback", { type: "text", text: "Habt ihr Gutscheine?" }, {}, "fallback"],
    ["a sticker → unsupported", { type: "sticker" }, {}, "unsupported"],
    ["Meta's unsupported interactive (131000) → unsupported", { type: "interactive" }, {}, "unsupported"],
    ["a location → unsupported", { type: "location" }, { feedbackAwaited: true }, "unsupported"],
  ];
  it.each(rows)("%s", (_name, message, context, kind) => {
    expect(routeInbound(message, { consentMatched: context.consentMatched ?? null, feedbackAwaited: context.feedbackAwaited ?? false }).kind).toBe(kind);
  });
});

describe("policy and catalogue", () => {
  it("marks shipping updates and answers as exempt from quiet hours, feedback as capped marketing", () => {
    expect(FLOW_SEND_POLICY.shipping_update).toEqual({ category: "UTILITY", quietHoursExempt: true, frequencyCapped: false });
    expect(FLOW_SEND_POLICY.wismo.quietHoursExempt).toBe(true);
    expect(FLOW_SEND_POLICY.auto_reply.quietHoursExempt).toBe(true);
    expect(FLOW_SEND_POLICY.feedback).toEqual({ category: "MARKETING", quietHoursExempt: false, frequencyCapped: true });
    for (const flow of FLOW_IDS) expect(FLOW_SEND_POLICY[flow], flow).toBeDefined();
  });
  it("has German and English wording with the same placeholders for the new templates", () => {
    const all = suggestedTemplates("https://app.example");
    for (const name of [TEMPLATE_NAMES.shippingUpdate, TEMPLATE_NAMES.shippingUpdateNoLink, TEMPLATE_NAMES.feedback]) {
      const [de, en] = (["de", "en"] as const).map((l) => all.find((t) => t.name === name && t.language === l)!);
      const body = (t: typeof de) => t.components.find((c) => c.type === "BODY")!;
      expect(placeholderCount("text" in body(de) ? body(de).text : ""), name).toBe(placeholderCount("text" in body(en) ? body(en).text : ""));
    }
  });
});

describe("properties of the shopper-text parsers", () => {
  it("a feedback answer is always a whole score from 0 to 10, and no order number is ever one", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const answer = parseFeedbackAnswer({ text });
        return answer === null || (Number.isInteger(answer.score) && answer.score >= 0 && answer.score <= 10);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 99_999_999 }), fc.constantFrom("#", "", "Bestellung ", "order "), (n, prefix) => parseFeedbackAnswer({ text: `${prefix}${n}` }) === null),
    );
  });
  it("an order number in a question is found as typed, and only the sender's own orders are ever chosen", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 99_999_999 }), fc.constantFrom("#", "Bestellung ", "order ", "Bestellnummer "), (n, prefix) => detectOrderQuestion(`${prefix}${n}`)?.orderNumber === String(n)),
    );
    const own = (names: string[]): WismoOrder[] =>
      names.map((name, i) => ({ id: `o${i}`, shop: "s", name, locale: null, cancelled: false, orderStatusUrl: null, customerKey: null, createdAt: new Date(i), fulfillments: [] }));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1000, max: 9999 }), { maxLength: 5 }), fc.integer({ min: 1000, max: 9999 }), (numbers, asked) => {
        const orders = own(numbers.map((n) => `#${n}`));
        const chosen = chooseOrder({ orderNumber: String(asked), language: null }, orders);
        return chosen === null ? !numbers.includes(asked) : orders.includes(chosen) && chosen.name === `#${asked}`;
      }),
    );
  });
});
