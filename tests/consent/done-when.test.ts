// The proofs issue 3 asks for, end to end: the real worker, the real WhatsApp client, the Cloud API simulator
// and signed webhooks through the real routes, on one virtual clock.
import type { Message } from "@prisma/client";
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { requestConsent } from "~/.server/consent/lifecycle";
import { enqueuePlans } from "~/.server/ingest/enqueue";
import { OPT_IN_ATTRIBUTE, OPT_IN_PHONE_ATTRIBUTE } from "~/.server/ingest/shopify-payloads";
import { templateWordingVersion } from "~/.server/templates/catalogue";
import { db, useVirtualClock } from "~/shopify.server";
import type { SimulatorTemplate } from "../../simulator/cloud-api";
import { deliverShopifyWebhook, germanOrder, TEST_SHOP } from "../helpers/shopify";
import { createWhatsAppHarness, postWhatsAppWebhook, resetMessagesAndConsent, textWebhook } from "./helpers";

const SHOP = TEST_SHOP;
const T0 = new Date("2026-03-02T10:00:00.000Z");
const HOUR = 3_600_000;

// A marketing template as a later flow (cart recovery, win-back …) will have one.
const OFFER: SimulatorTemplate = {
  name: "momento_test_offer", language: "de", category: "MARKETING",
  components: [{ type: "BODY", text: "Hallo {{1}}, heute 10 % auf alles.", example: { body_text: [["Anna"]] } }],
};

let clock: VirtualClock;
let harness: ReturnType<typeof createWhatsAppHarness>;
beforeEach(async () => {
  await resetMessagesAndConsent();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  harness = createWhatsAppHarness(clock, [OFFER]);
});

let seq = 0;
function marketingMessage(to: string, sendAfter = clock.now(), waUserId: string | null = null): Promise<Message> {
  seq += 1;
  return db.message.create({
    data: {
      shop: SHOP, flow: "cart_recovery", dedupeKey: `offer:${seq}`, to, waUserId, category: "MARKETING", template: OFFER.name, language: "de",
      components: JSON.stringify([{ type: "body", parameters: [{ type: "text", text: "Anna" }] }]), status: "SCHEDULED", sendAfter, createdAt: clock.now(),
    },
  });
}

const sentTo = () => harness.sim.sent.map((m) => `+${m.waId}`);

describe("(a) no marketing message is sent to a number that is not CONFIRMED at send time", () => {
  it("of marketing messages to NONE, REQUESTED, REVOKED, REDACTED, CONFIRMED and unknown numbers, only CONFIRMED gets one", async () => {
    const recipients: [string, string | null][] = [
      ["+4915100000001", "NONE"],
      ["+4915100000002", "REQUESTED"],
      ["+4915100000003", "REVOKED"],
      ["+4915100000004", "REDACTED"],
      ["+4915100000005", "CONFIRMED"],
      ["+4915100000006", null],
    ];
    const messages = new Map<string, Message>();
    for (const [phone, state] of recipients) {
      if (state) await db.consent.create({ data: { shop: SHOP, phone, state, updatedAt: T0 } });
      messages.set(phone, await marketingMessage(phone));
    }
    // Confirmed by phone, but revoked under the WhatsApp user id of the same person: the revocation wins.
    await db.consent.create({ data: { shop: SHOP, phone: "+4915100000007", state: "CONFIRMED", updatedAt: T0 } });
    await db.consent.create({ data: { shop: SHOP, waUserId: "DE.7", state: "REVOKED", updatedAt: T0 } });
    messages.set("+4915100000007", await marketingMessage("+4915100000007", clock.now(), "DE.7"));

    await harness.advance(10 * 60_000);

    expect(sentTo()).toEqual(["+4915100000005"]);
    const outcome = async (phone: string) => {
      const row = await db.message.findUniqueOrThrow({ where: { id: messages.get(phone)!.id } });
      return [row.status, row.statusReason];
    };
    expect(await outcome("+4915100000001")).toEqual(["SKIPPED", "no_consent"]);
    expect(await outcome("+4915100000002")).toEqual(["SKIPPED", "no_consent"]);
    expect(await outcome("+4915100000003")).toEqual(["SKIPPED", "consent_revoked"]);
    expect(await outcome("+4915100000004")).toEqual(["SKIPPED", "consent_revoked"]);
    expect((await outcome("+4915100000005"))[0]).toBe("READ");
    expect(await outcome("+4915100000006")).toEqual(["SKIPPED", "no_consent"]);
    expect(await outcome("+4915100000007")).toEqual(["SKIPPED", "consent_revoked"]);
  });

  it("consent is read when sending, not when planning: CONFIRMED at planning, REVOKED by send time → not sent", async () => {
    const phone = "+4915100000010";
    await db.consent.create({ data: { shop: SHOP, phone, state: "CONFIRMED", updatedAt: T0 } });
    const message = await marketingMessage(phone, new Date(T0.getTime() + HOUR));
    // Changed behind the lifecycle's back (no cancellation): the send-time gate alone must hold.
    await db.consent.update({ where: { shop_phone: { shop: SHOP, phone } }, data: { state: "REVOKED" } });
    await harness.advance(2 * HOUR);
    expect(sentTo()).toEqual([]);
    expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "SKIPPED", statusReason: "consent_revoked" });
  });
});

describe("(b) a number revoked while messages are queued receives none of them", () => {
  it("STOP through the real signed webhook cancels the queue; the worker sends only the opt-out confirmation", async () => {
    const phone = "+4915100000020";
    const control = "+4915100000021";
    for (const p of [phone, control]) await db.consent.create({ data: { shop: SHOP, phone: p, state: "CONFIRMED", locale: "de", updatedAt: T0 } });
    const queued = await Promise.all([1, 24, 48].map((h) => marketingMessage(phone, new Date(T0.getTime() + h * HOUR))));
    const utility = await db.message.create({
      data: { shop: SHOP, flow: "shipping_update", dedupeKey: "ship:1", to: phone, category: "UTILITY", template: "momento_order_confirmation", language: "de", components: "[]", status: "SCHEDULED", sendAfter: new Date(T0.getTime() + 2 * HOUR), createdAt: T0 },
    });
    const controlMessage = await marketingMessage(control, new Date(T0.getTime() + HOUR));

    clock.advance(30 * 60_000);
    const response = await postWhatsAppWebhook(textWebhook(phone, "STOP", clock.now()).body);
    expect(response.status).toBe(200);
    await harness.advance(3 * 24 * HOUR);

    // What reached the number: the confirmation of the opt-out, nothing else.
    expect(harness.sim.sent.filter((m) => `+${m.waId}` === phone).map((m) => [m.template, m.text])).toEqual([
      ["momento_opt_out_confirmation", "Du erhältst keine Nachrichten mehr von momento-test. Mit START kannst du dich wieder anmelden."],
    ]);
    for (const message of queued) {
      expect(await db.message.findUniqueOrThrow({ where: { id: message.id } })).toMatchObject({ status: "CANCELLED", statusReason: "consent_revoked", sentAt: null });
    }
    expect(await db.message.findUniqueOrThrow({ where: { id: utility.id } })).toMatchObject({ status: "SKIPPED", statusReason: "consent_revoked", sentAt: null });
    expect((await db.message.findUniqueOrThrow({ where: { id: controlMessage.id } })).sentAt).not.toBeNull();
  });
});

describe("(c) the evidence of every confirmation includes the inbound message id and the wording version", () => {
  it("button tap, typed JA, checkout marker only, and START after STOP", async () => {
    const optIn = (phone: string) =>
      db.$transaction(async (tx) => {
        const plans = await requestConsent(tx, { shop: SHOP, phone, source: "checkout", locale: "de", checkoutToken: `tok-${phone}`, wording: "WhatsApp-News", wordingVersion: "checkout-v3" }, clock.now());
        await enqueuePlans(tx, SHOP, plans, clock.now());
      });
    const [tapper, typer, markerOnly, comeback] = ["+4915100000031", "+4915100000032", "+4915100000033", "+4915100000034"];
    await optIn(tapper);
    await optIn(typer);
    await optIn(comeback);
    // The extension's call never arrived; the order carries the marker.
    const order = await deliverShopifyWebhook({
      topic: "orders/create",
      payload: germanOrder({ phone: markerOnly, note_attributes: [{ name: OPT_IN_ATTRIBUTE, value: "1" }, { name: OPT_IN_PHONE_ATTRIBUTE, value: markerOnly }] }),
    });
    expect(order.status).toBe(200);
    await harness.advance(60_000);

    expect(harness.sim.tapButton(tapper, 0)).toBe(true);
    harness.sim.reply(typer, "JA");
    expect(harness.sim.tapButton(markerOnly, 0)).toBe(true);
    harness.sim.tapButton(comeback, 0);
    await harness.advance(60_000);
    harness.sim.reply(comeback, "STOP");
    await harness.advance(60_000);
    harness.sim.reply(comeback, "START");
    await harness.advance(60_000);
    expect(harness.sim.tapButton(comeback, 0)).toBe(true);
    await harness.advance(60_000);

    const confirmations = await db.consentEvent.findMany({ where: { shop: SHOP, toState: "CONFIRMED" }, include: { consent: true }, orderBy: { id: "asc" } });
    expect(confirmations.map((e) => e.consent.phone)).toEqual([tapper, typer, markerOnly, comeback, comeback]);
    const inboundIds = new Set(harness.sim.inbound.map((m) => m.wamid));
    const doiVersion = templateWordingVersion("momento_opt_in_confirmation", "de");
    for (const event of confirmations) {
      const evidence = JSON.parse(event.evidence) as Record<string, unknown>;
      expect(inboundIds.has(evidence.inboundWaMessageId as string)).toBe(true);
      expect(evidence.wordingVersion).toEqual(expect.any(String));
      expect(evidence.confirmationTemplate).toMatchObject({ name: "momento_opt_in_confirmation", language: "de", wordingVersion: doiVersion });
    }
    const versionOf = (i: number) => (JSON.parse(confirmations[i].evidence) as { wordingVersion: string }).wordingVersion;
    expect([versionOf(0), versionOf(1), versionOf(3)]).toEqual(["checkout-v3", "checkout-v3", "checkout-v3"]);
    // No checkout wording reached us (marker only; START on WhatsApp): the wording answered is the template's.
    expect([versionOf(2), versionOf(4)]).toEqual([doiVersion, doiVersion]);
  });
});
