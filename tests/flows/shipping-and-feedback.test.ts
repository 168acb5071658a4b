// Issue 5, flows 1 and 2 end to end: Shopify's real order and fulfillment samples, signed through the real
// routes; the real worker sends through the real client to the Cloud API simulator, whose status and reply
// webhooks come back through the real /webhooks/whatsapp route — all on one virtual clock.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { db, useVirtualClock } from "~/shopify.server";
import { consentFor } from "../cart-recovery/helpers";
import { buttonWebhook, createWhatsAppHarness, postWhatsAppWebhook, textWebhook } from "../consent/helpers";
import { nextWebhookId, TEST_SHOP } from "../helpers/shopify";
import { DAY, deliver, flowMessages, fulfillmentPayload, HOUR, orderAt, PHONE, resetFlows } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

let clock: VirtualClock;
let harness: ReturnType<typeof createWhatsAppHarness>;
beforeEach(async () => {
  await resetFlows();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  harness = createWhatsAppHarness(clock);
});

const sentTemplates = () => harness.sim.sent.map((m) => m.template);

describe("shipping update", () => {
  it("sends one message with carrier, tracking number and link; duplicates, reorderings and status changes send nothing more", async () => {
    await consentFor(PHONE, "REQUESTED", T0);
    await deliver("orders/create", orderAt(T0));
    clock.set(at(HOUR));
    const created = fulfillmentPayload(at(HOUR));
    const webhookId = nextWebhookId();
    await deliver("fulfillments/create", created, webhookId);
    await deliver("fulfillments/create", created, webhookId); // Shopify's retry of the same delivery
    await deliver("fulfillments/create", created); // the same payload as another delivery
    await harness.advance(60_000); // the order confirmation goes first; the pair limit spaces the two


    const shipped = harness.sim.sent.filter((m) => m.template === TEMPLATE_NAMES.shippingUpdate);
    expect(shipped).toHaveLength(1);
    expect(shipped[0].text).toBe("Hallo John, deine Bestellung #9999 ist unterwegs! Versand mit UPS, Sendungsnummer 1z827wk74630.");
    const [message] = await flowMessages("shipping_update");
    expect(message).toMatchObject({ status: "DELIVERED", dedupeKey: "shipping_update:123456:1z827wk74630", linkUrl: "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630", category: "UTILITY" });
    // The URL button leads through the click-tracking redirect to the carrier's page.
    expect(harness.sim.click(PHONE)).toMatch(new RegExp(`/r/${message.id}$`));

    // An older payload arriving late, a status change with the same number: nothing new.
    clock.set(at(2 * HOUR));
    await deliver("fulfillments/update", fulfillmentPayload(at(30 * 60_000), { tracking_number: null, tracking_numbers: [], tracking_url: null }));
    await deliver("fulfillments/update", fulfillmentPayload(at(2 * HOUR), { shipment_status: "in_transit" }));
    await harness.settle();
    expect(await db.message.count({ where: { flow: "shipping_update" } })).toBe(1);
    expect(await db.fulfillment.findFirstOrThrow()).toMatchObject({ trackingNumber: "1z827wk74630", shipmentStatus: "in_transit" });

    // A new tracking number (the parcel was relabelled): one more message, for the new number.
    clock.set(at(3 * HOUR));
    await deliver("fulfillments/update", fulfillmentPayload(at(3 * HOUR), { tracking_company: "DHL", tracking_number: "00340434161094042557", tracking_url: "https://www.dhl.de/track?n=00340434161094042557" }));
    await harness.settle();
    const keys = (await flowMessages("shipping_update")).map((m) => m.dedupeKey);
    expect(keys).toEqual(["shipping_update:123456:1z827wk74630", "shipping_update:123456:00340434161094042557"]);
    expect(harness.sim.sent.filter((m) => m.template === TEMPLATE_NAMES.shippingUpdate)).toHaveLength(2);
  });

  it("is cancelled at send time when the order was cancelled after the fulfillment", async () => {
    await consentFor(PHONE, "REQUESTED", T0);
    await deliver("orders/create", orderAt(T0));
    await harness.settle();
    clock.set(at(HOUR));
    await deliver("fulfillments/create", fulfillmentPayload(at(HOUR)));
    // The order is cancelled before the worker's next round.
    await deliver("orders/cancelled", orderAt(T0, { updated_at: at(HOUR + 1000).toISOString(), cancelled_at: at(HOUR + 1000).toISOString() }));
    await harness.settle();
    const [message] = await flowMessages("shipping_update");
    expect(message.status).toBe("CANCELLED");
    expect(message.events.at(-1)?.reason).toMatch(/^order_cancelled: /);
    expect(sentTemplates()).not.toContain(TEMPLATE_NAMES.shippingUpdate);
  });

  it("is cancelled when the fulfillment is cancelled before it went out", async () => {
    await consentFor(PHONE, "REQUESTED", T0);
    await deliver("orders/create", orderAt(T0));
    await deliver("fulfillments/create", fulfillmentPayload(T0));
    await deliver("fulfillments/update", fulfillmentPayload(at(1000), { status: "cancelled" }));
    const [message] = await flowMessages("shipping_update");
    expect(message).toMatchObject({ status: "CANCELLED", statusReason: "fulfillment_cancelled" });
    await harness.advance(60_000);
    expect(sentTemplates()).not.toContain(TEMPLATE_NAMES.shippingUpdate);
  });

  it("a fulfillment for an unknown order is kept for its order, a malformed one is recorded with a reason; nothing is sent", async () => {
    await deliver("fulfillments/create", fulfillmentPayload(T0, { order_id: 4242 }));
    await deliver("fulfillments/create", { id: 1, status: "success" });
    const notes = (await db.webhookEvent.findMany({ orderBy: { id: "asc" } })).map((e) => e.note);
    expect(notes[0]).toBe("fulfillment stored for an order not known yet; its shipping update is planned when the order arrives");
    expect(notes[1]).toMatch(/^skipped: fulfillment payload not usable \(/);
    expect(await db.fulfillment.findFirstOrThrow()).toMatchObject({ orderId: null, orderRef: "4242" });
    expect(await db.message.count()).toBe(0);
  });

  // Shopify does not guarantee the order of webhooks (API-FACTS.md B3): each is delivered twice, as separate deliveries.
  it.each([
    ["the fulfillment before its order", ["fulfillments/create", "orders/create"]],
    ["the order before its fulfillment", ["orders/create", "fulfillments/create"]],
  ] as const)("%s: exactly one shipping update", async (_name, topics) => {
    await consentFor(PHONE, "REQUESTED", T0);
    const payloads = { "orders/create": orderAt(T0), "fulfillments/create": fulfillmentPayload(T0) };
    for (const topic of topics) {
      await deliver(topic, payloads[topic]);
      await deliver(topic, payloads[topic]);
    }
    await harness.advance(60_000);
    const shipped = harness.sim.sent.filter((m) => m.template === TEMPLATE_NAMES.shippingUpdate);
    expect(shipped.map((m) => m.text)).toEqual(["Hallo John, deine Bestellung #9999 ist unterwegs! Versand mit UPS, Sendungsnummer 1z827wk74630."]);
    expect((await flowMessages("shipping_update")).map((m) => m.dedupeKey)).toEqual(["shipping_update:123456:1z827wk74630"]);
    const order = await db.order.findFirstOrThrow();
    expect(await db.fulfillment.findFirstOrThrow()).toMatchObject({ orderId: order.id });
    // Later news about the same fulfillment (same tracking number) and another orders/* webhook plan nothing more.
    clock.set(at(HOUR));
    await deliver("fulfillments/update", fulfillmentPayload(at(HOUR), { shipment_status: "in_transit" }));
    await deliver("orders/updated", orderAt(T0, { updated_at: at(HOUR).toISOString() }));
    await harness.settle();
    expect(await db.message.count({ where: { flow: "shipping_update" } })).toBe(1);
    expect(await db.message.count({ where: { flow: "order_confirmation" } })).toBe(1);
  });

  it("without consent the message is recorded as not sent, with the reason", async () => {
    await deliver("orders/create", orderAt(T0));
    await deliver("fulfillments/create", fulfillmentPayload(T0));
    await harness.settle();
    const [message] = await flowMessages("shipping_update");
    expect(message).toMatchObject({ status: "SKIPPED", statusReason: "no_consent" });
  });
});

describe("feedback / NPS", () => {
  async function orderFulfilled(): Promise<void> {
    await consentFor(PHONE, "CONFIRMED", T0);
    await deliver("orders/create", orderAt(T0));
    await deliver("fulfillments/create", fulfillmentPayload(T0));
    await harness.settle();
  }

  it("asks 7 days after delivery; a tap stores the score once, however often Meta redelivers it", async () => {
    await orderFulfilled();
    const [planned] = await flowMessages("feedback");
    expect(planned.sendAfter).toEqual(at(7 * DAY));

    // Delivered on day 2: the request moves to day 9.
    await harness.advance(2 * DAY);
    await deliver("fulfillments/update", fulfillmentPayload(at(2 * DAY), { shipment_status: "delivered" }));
    expect((await flowMessages("feedback"))[0]).toMatchObject({ sendAfter: at(9 * DAY), status: "SCHEDULED" });
    await deliver("fulfillments/update", fulfillmentPayload(at(2 * DAY), { shipment_status: "delivered" })); // a duplicate moves nothing
    expect(await db.message.count({ where: { flow: "feedback" } })).toBe(1);

    await harness.advance(6 * DAY);
    expect(sentTemplates()).not.toContain(TEMPLATE_NAMES.feedback);
    await harness.advance(1 * DAY);
    const asked = harness.sim.sent.filter((m) => m.template === TEMPLATE_NAMES.feedback);
    expect(asked).toHaveLength(1);
    expect(asked[0].buttons.map((b) => `${b.text}=${b.payload}`)).toEqual(["10=FEEDBACK_SCORE_10", "9=FEEDBACK_SCORE_9", "8=FEEDBACK_SCORE_8", "7=FEEDBACK_SCORE_7", "6=FEEDBACK_SCORE_6", "5=FEEDBACK_SCORE_5"]);

    clock.set(at(9 * DAY + HOUR));
    expect(harness.sim.tapButton(PHONE, 1)).toBe(true);
    await harness.settle();
    const request = (await flowMessages("feedback"))[0];
    const responses = await db.feedbackResponse.findMany();
    expect(responses).toEqual([
      expect.objectContaining({ shop: TEST_SHOP, messageId: request.id, orderId: request.orderId, customerKey: request.customerKey, score: 9, comment: null, waMessageId: harness.sim.inbound[0].wamid }),
    ]);

    // Meta redelivers the tap: nothing is stored twice, nothing is answered.
    const tap = harness.sim.inbound[0];
    await postWhatsAppWebhook(buttonWebhook(PHONE, tap.payload!, tap.text, tap.contextWamid!, tap.at, tap.wamid).body);
    await postWhatsAppWebhook(buttonWebhook(PHONE, tap.payload!, tap.text, tap.contextWamid!, tap.at, tap.wamid).body);
    await harness.settle();
    expect(await db.feedbackResponse.count()).toBe(1);
    expect(await db.inboundMessage.count()).toBe(1);
    expect((await db.inboundMessage.findFirstOrThrow()).handledAs).toBe("feedback");
  });

  it("a typed number with a comment is an answer; a second number is not counted again", async () => {
    await orderFulfilled();
    await harness.advance(7 * DAY + HOUR);
    expect(sentTemplates()).toContain(TEMPLATE_NAMES.feedback);
    harness.sim.reply(PHONE, "3 - Paket war beschädigt");
    await harness.settle();
    expect(await db.feedbackResponse.findMany({ select: { score: true, comment: true } })).toEqual([{ score: 3, comment: "Paket war beschädigt" }]);
    // The request is answered: another number is a message for the team (the automatic reply), not a second score.
    harness.sim.reply(PHONE, "4");
    await harness.settle();
    expect(await db.feedbackResponse.count()).toBe(1);
    expect((await db.inboundMessage.findMany({ orderBy: { at: "asc" } })).map((m) => m.handledAs)).toEqual(["feedback", "fallback"]);
  });

  it("is cancelled by a refund, and not sent after an unsubscribe", async () => {
    await orderFulfilled();
    await deliver("orders/updated", orderAt(T0, { updated_at: at(DAY).toISOString(), financial_status: "refunded" }));
    expect((await flowMessages("feedback"))[0]).toMatchObject({ status: "CANCELLED", statusReason: "order_refunded" });

    await resetFlows();
    await orderFulfilled();
    clock.set(at(HOUR));
    await postWhatsAppWebhook(textWebhook(PHONE, "STOP", clock.now()).body);
    await harness.advance(8 * DAY);
    // The revocation itself cancels pending marketing; the gate would skip it at send time as well.
    expect((await flowMessages("feedback"))[0]).toMatchObject({ status: "CANCELLED", statusReason: "consent_revoked" });
    expect(sentTemplates()).not.toContain(TEMPLATE_NAMES.feedback);
  });
});
