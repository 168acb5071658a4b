// Issue 5, flow 3 end to end: a shopper's messages through the real /webhooks/whatsapp route — "where is my order?"
// answered from their own orders only, anything else answered once a day, consent keywords and unreadable types
// kept apart — with the real worker, the real client and the Cloud API simulator on one virtual clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { messageLogPage, parseLogFilters } from "~/.server/message-log/log";
import { FREE_FORM_REPLIES } from "~/.server/templates/catalogue";
import { db, useVirtualClock } from "~/shopify.server";
import { consentFor } from "../cart-recovery/helpers";
import { createWhatsAppHarness, postWhatsAppWebhook, textWebhook } from "../consent/helpers";
import { fixture } from "../fixtures";
import { TEST_SHOP } from "../helpers/shopify";
import { DAY, deliver, flowMessages, fulfillmentPayload, HOUR, orderAt, PHONE, resetFlows } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const OTHER_PHONE = "+4915199999999";
const UPS = "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=1z827wk74630";

let clock: VirtualClock;
let harness: ReturnType<typeof createWhatsAppHarness>;
let logged: string[];
beforeEach(async () => {
  await resetFlows();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  harness = createWhatsAppHarness(clock);
  logged = [];
  for (const level of ["log", "info", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
  }
  // The shopper's order #9999, shipped with UPS; another customer's order #1234.
  await consentFor(PHONE, "REQUESTED", T0);
  await deliver("orders/create", orderAt(T0));
  await deliver("orders/create", orderAt(T0, { admin_graphql_api_id: "gid://shopify/Order/5551234", id: 5551234, name: "#1234", phone: OTHER_PHONE, customer: null, order_status_url: "https://shop.example/other-customer" }));
  await deliver("fulfillments/create", fulfillmentPayload(T0));
  await harness.advance(HOUR);
});
afterEach(() => vi.restoreAllMocks());

const texts = () => harness.sim.sent.filter((m) => m.template === "").map((m) => m.text);

describe("where is my order?", () => {
  it("answers at once with the latest status and tracking link, once per message however often it is delivered", async () => {
    const wamid = harness.sim.reply(PHONE, "Hallo, wo ist meine Bestellung?");
    await harness.advance(60_000);
    expect(texts()).toEqual([`Deine Bestellung #9999: Sie ist unterwegs mit UPS, Sendungsnummer 1z827wk74630.\nSendung verfolgen: ${UPS}`]);
    const [answer] = await flowMessages("wismo");
    expect(answer).toMatchObject({ sentAt: expect.any(Date), dedupeKey: `wismo:${wamid}`, category: "UTILITY", template: "" });
    expect(await db.inboundMessage.findUniqueOrThrow({ where: { waMessageId: wamid } })).toMatchObject({
      handledAs: "wismo", type: "text", text: "Hallo, wo ist meine Bestellung?", replyMessageId: answer.id, shop: answer.shop,
    });

    // Meta redelivers the same message twice: no second answer, no second Inbox row.
    const inbound = harness.sim.inbound[0];
    await postWhatsAppWebhook(textWebhook(PHONE, "Hallo, wo ist meine Bestellung?", inbound.at, wamid).body);
    await postWhatsAppWebhook(textWebhook(PHONE, "Hallo, wo ist meine Bestellung?", inbound.at, wamid).body);
    await harness.advance(60_000);
    expect(texts()).toHaveLength(1);
    expect(await db.inboundMessage.count()).toBe(1);

    // Delivered later: the answer says so.
    await deliver("fulfillments/update", fulfillmentPayload(clock.now(), { shipment_status: "delivered" }));
    harness.sim.reply(PHONE, "order status?");
    await harness.advance(60_000);
    expect(texts()[1]).toBe(`Your order #9999: It has been delivered (UPS, tracking number 1z827wk74630).\nTrack your parcel: ${UPS}`);
  });

  it("never reveals another customer's order: their number finds nothing", async () => {
    harness.sim.reply(PHONE, "Where is order #1234?");
    await harness.advance(60_000);
    expect(texts()).toEqual(["We cannot find order 1234 for this WhatsApp number. We have passed your message on to the team and will get back to you soon."]);
    const [answer] = await flowMessages("wismo");
    expect(answer.orderId).toBeNull();
    expect(answer.text).not.toContain("other-customer");
    // Their own number works.
    harness.sim.reply(PHONE, "Bestellung 9999");
    await harness.advance(60_000);
    expect(texts()[1]).toMatch(/^Deine Bestellung #9999: /);
  });
});

describe("where is my order? from a number with no order", () => {
  // Only a number was given, so the question itself has no language: the consent's locale decides, else the shop's.
  it.each([
    ["de", "en", "de"],
    ["en", "de", "en"],
  ] as const)("consent locale %s, shop locale %s: answered in %s", async (consentLocale, shopLocale, expected) => {
    const stranger = "+4915177777777";
    await consentFor(stranger, "CONFIRMED", T0);
    await db.consent.updateMany({ where: { phone: stranger }, data: { locale: consentLocale } });
    await db.shop.update({ where: { domain: TEST_SHOP }, data: { locale: shopLocale } });
    harness.sim.reply(stranger, "#4711");
    await harness.advance(60_000);
    expect(texts()).toEqual([FREE_FORM_REPLIES[expected].unknownNumber.replace("{number}", "4711")]);
    expect((await flowMessages("wismo"))[0]).toMatchObject({ language: expected, to: stranger });
  });
});

describe("anything else", () => {
  it("gets the automatic reply at most once a day; the merchant sees every message in the Inbox", async () => {
    harness.sim.reply(PHONE, "Habt ihr die Sneaker auch in 43?");
    await harness.advance(60_000);
    harness.sim.reply(PHONE, "Und in Blau?");
    await harness.advance(60_000);
    expect(texts()).toEqual(["Danke für deine Nachricht! Wir haben sie erhalten und melden uns so bald wie möglich."]);
    const inbox = await db.inboundMessage.findMany({ orderBy: { at: "asc" } });
    expect(inbox.map((m) => [m.handledAs, m.text])).toEqual([["fallback", "Habt ihr die Sneaker auch in 43?"], ["fallback", "Und in Blau?"]]);
    expect(inbox[1].reason).toContain("went out today already");

    await harness.advance(DAY);
    harness.sim.reply(PHONE, "Hallo?");
    await harness.advance(60_000);
    expect(texts()).toHaveLength(2);
    // Neither the shopper's words nor their number reach the logs.
    expect(logged.join("\n")).not.toMatch(/Sneaker|Blau|15112345678/);

    // The merchant reads them in the Message log's Inbox, newest first, in their language, with the answer to open.
    const page = await messageLogPage(db, TEST_SHOP, parseLogFilters(new URL("https://app.example/app/messages")), "de");
    expect(page.inbox.map((r) => [r.from, r.message, r.handled])).toEqual([
      [PHONE, "Hallo?", "Eine Nachricht an dich; Momento hat den Eingang bestätigt (höchstens einmal am Tag)"],
      [PHONE, "Und in Blau?", "Eine Nachricht an dich; Momento hat den Eingang bestätigt (höchstens einmal am Tag)"],
      [PHONE, "Habt ihr die Sneaker auch in 43?", "Eine Nachricht an dich; Momento hat den Eingang bestätigt (höchstens einmal am Tag)"],
    ]);
    expect(page.inbox[1].answerId).toBeNull();
    const withAnswer = await messageLogPage(db, TEST_SHOP, parseLogFilters(new URL(`https://app.example/app/messages?selected=${page.inbox[0].answerId}`)), "en");
    expect(withAnswer.detail).toMatchObject({ template: "Free-form reply (no template)", text: "Danke für deine Nachricht! Wir haben sie erhalten und melden uns so bald wie möglich." });
    expect(withAnswer.inbox[0].handled).toBe("A message for you; Momento confirmed receipt (at most once a day)");
  });

  it("a message Meta delivers after the 24-hour window is recorded for the merchant, not answered", async () => {
    clock.set(new Date(clock.now().getTime() + 2 * DAY));
    await postWhatsAppWebhook(textWebhook(PHONE, "Wo ist meine Bestellung?", new Date(clock.now().getTime() - 30 * HOUR)).body);
    await harness.advance(60_000);
    expect(texts()).toEqual([]);
    expect(await db.inboundMessage.findFirstOrThrow()).toMatchObject({ handledAs: "too_late", replyMessageId: null, reason: expect.stringMatching(/30 h after it was written/) });
  });

  it("consent keywords stay with consent: STOP revokes and gets only the opt-out confirmation", async () => {
    harness.sim.reply(PHONE, "STOP");
    await harness.advance(60_000);
    expect(texts()).toEqual([]);
    expect(harness.sim.sent.map((m) => m.template)).toContain("momento_opt_out_confirmation");
    expect(await db.inboundMessage.findFirstOrThrow()).toMatchObject({ handledAs: "consent", text: "STOP" });
    expect((await db.consent.findFirstOrThrow()).state).toBe("REVOKED");
  });

  it("a sticker, Meta's unsupported message and a stranger's message are recorded with a reason and not answered", async () => {
    const sticker = textWebhook(PHONE, "", clock.now());
    const message = sticker.body.entry[0].changes[0].value.messages![0];
    delete message.text;
    Object.assign(message, { type: "sticker", sticker: { mime_type: "image/webp", sha256: "abc", id: "1234567890" } });
    expect((await postWhatsAppWebhook(sticker.body)).status).toBe(200);
    expect((await postWhatsAppWebhook(fixture("whatsapp/webhook_inbound_unsupported_with_errors_131000_pywa.json"))).status).toBe(200);
    expect((await postWhatsAppWebhook(textWebhook("+4917000000000", "Hallo", clock.now()).body)).status).toBe(200);
    await harness.advance(60_000);

    expect(texts()).toEqual([]);
    const rows = await db.inboundMessage.findMany({ orderBy: { receivedAt: "asc" } });
    expect(rows.map((r) => [r.type, r.handledAs])).toEqual(expect.arrayContaining([["sticker", "unsupported"], ["interactive", "unsupported"], ["text", "unassigned"]]));
    expect(rows.find((r) => r.type === "sticker")?.reason).toBe("not answered: a sticker message, which Momento does not read; the merchant sees it in the Inbox");
    expect(logged.join("\n")).toMatch(/inbound message\(s\) of a type Momento does not read/);
  });

  it("customers/redact erases what the shopper wrote, the answer's text and the tracking number; the counts stay", async () => {
    harness.sim.reply(PHONE, "Wo ist meine Bestellung?");
    await harness.advance(60_000);
    const redact = { ...fixture<Record<string, unknown>>("shopify/customers_redact.json"), shop_domain: TEST_SHOP, customer: { id: 999001, email: null, phone: PHONE }, orders_to_redact: [] };
    await deliver("customers/redact", redact);
    expect(await db.inboundMessage.findFirstOrThrow()).toMatchObject({ phone: null, text: null, handledAs: "wismo" });
    expect((await flowMessages("wismo"))[0]).toMatchObject({ to: null, text: null });
    expect(await db.fulfillment.findFirstOrThrow()).toMatchObject({ trackingNumber: null, trackingUrl: null, status: "success" });
  });
});
