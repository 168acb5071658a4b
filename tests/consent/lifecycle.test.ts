import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { confirmConsent, requestConsent, revokeConsent, type ConsentRequest } from "~/.server/consent/lifecycle";
import { consentPlansFromMarker } from "~/.server/consent/marker";
import { createDb } from "~/.server/db";
import { enqueuePlans } from "~/.server/ingest/enqueue";
import { templateWordingVersion } from "~/.server/templates/catalogue";
import type { ConsentSource } from "~/.server/consent/state";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const SHOP = "lifecycle-test.myshopify.com";
const PHONE = "+4915112345678";
const T0 = new Date("2026-03-02T10:00:00.000Z");
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const days = (d: number) => new Date(T0.getTime() + d * 86_400_000);

const checkoutRequest: ConsentRequest = {
  shop: SHOP,
  phone: PHONE,
  source: "checkout",
  locale: "en-GB",
  customerId: "42",
  checkoutToken: "tok-1",
  wording: "Send me order updates and offers on WhatsApp",
  wordingVersion: "w-2026-03",
};

beforeEach(async () => {
  await db.messageEvent.deleteMany();
  await db.message.deleteMany();
  await db.consentEvent.deleteMany();
  await db.consent.deleteMany();
  await db.shopifySync.deleteMany();
  await db.shop.deleteMany();
  await db.shop.create({ data: { domain: SHOP, locale: "de", installedAt: T0 } });
});

const consentRow = () => db.consent.findFirstOrThrow({ where: { shop: SHOP, phone: PHONE } });
const eventsOf = async () => (await db.consentEvent.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } })).map((e) => ({ ...e, evidence: JSON.parse(e.evidence) as Record<string, unknown> }));

/** Runs one lifecycle call in a transaction and enqueues its plans, like every caller does. */
function run<T extends unknown[]>(fn: (tx: Parameters<typeof requestConsent>[0], ...args: T) => Promise<Awaited<ReturnType<typeof requestConsent>>>, ...args: T) {
  return db.$transaction(async (tx) => {
    const plans = await fn(tx, ...args);
    await enqueuePlans(tx, SHOP, plans, args[args.length - 1] as Date);
    return plans;
  });
}

describe("requestConsent", () => {
  it("NONE → REQUESTED with the checkout's evidence, and plans the double opt-in request at once", async () => {
    const plans = await run(requestConsent, checkoutRequest, T0);

    expect(await consentRow()).toMatchObject({ state: "REQUESTED", locale: "en-GB", customerId: "42", confirmationRequestedAt: T0 });
    const [event] = await eventsOf();
    expect(event).toMatchObject({ fromState: "NONE", toState: "REQUESTED", source: "checkout", at: T0 });
    expect(event.evidence).toEqual({
      at: T0.toISOString(), checkoutToken: "tok-1", locale: "en-GB", source: "checkout",
      wording: "Send me order updates and offers on WhatsApp", wordingVersion: "w-2026-03",
    });

    const consent = await consentRow();
    expect(plans).toHaveLength(1);
    const message = await db.message.findFirstOrThrow({ where: { shop: SHOP } });
    expect(message).toMatchObject({
      flow: "opt_in_confirmation", dedupeKey: `opt_in_confirmation:${consent.id}:${T0.toISOString()}`, to: PHONE,
      category: "UTILITY", template: "momento_opt_in_confirmation", language: "en", status: "SCHEDULED", sendAfter: T0,
    });
    expect(JSON.parse(message.components)).toEqual([
      { type: "body", parameters: [{ type: "text", text: "lifecycle-test" }] },
      { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "CONSENT_YES" }] },
      { type: "button", sub_type: "quick_reply", index: "1", parameters: [{ type: "payload", payload: "CONSENT_NO" }] },
    ]);
  });

  it("uses the shop's name from its settings and the shop's language without a locale", async () => {
    await db.shop.update({ where: { domain: SHOP }, data: { settings: JSON.stringify({ shopName: "Kaffeerösterei Süd" }) } });
    const [plan] = await run(requestConsent, { ...checkoutRequest, locale: null }, T0);
    expect(plan).toMatchObject({ language: "de", components: [{ type: "body", parameters: [{ type: "text", text: "Kaffeerösterei Süd" }] }, expect.anything(), expect.anything()] });
  });

  it("a repeated request (REQUESTED → REQUESTED) records nothing and plans nothing", async () => {
    await run(requestConsent, checkoutRequest, T0);
    expect(await run(requestConsent, { ...checkoutRequest, source: "checkout_marker" }, later(1))).toEqual([]);
    expect(await eventsOf()).toHaveLength(1);
    expect(await db.message.count()).toBe(1);
  });

  it("a request while CONFIRMED changes nothing", async () => {
    await run(requestConsent, checkoutRequest, T0);
    await run(confirmConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_button", inboundWaMessageId: "wamid.in1" }, later(5));
    expect(await run(requestConsent, checkoutRequest, days(40))).toEqual([]);
    expect((await consentRow()).state).toBe("CONFIRMED");
  });

  it("one confirmation request per number per 30 days: a checkout opt-in after a STOP waits, START does not", async () => {
    await run(requestConsent, checkoutRequest, T0);
    await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.stop" }, days(1));

    // Ticked again at another checkout 10 days later: REQUESTED (utility may flow), but no second request message.
    expect(await run(requestConsent, { ...checkoutRequest, checkoutToken: "tok-2" }, days(10))).toEqual([]);
    expect((await consentRow()).state).toBe("REQUESTED");
    expect((await consentRow()).confirmationRequestedAt).toEqual(T0);

    await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.stop2" }, days(11));
    // The shopper writes START on WhatsApp: they asked for it, so it is answered at once.
    const resumed = await run(requestConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", evidence: { inboundWaMessageId: "wamid.start" } }, days(12));
    expect(resumed.map((p) => p.flow)).toEqual(["opt_in_confirmation"]);
    expect((await consentRow()).confirmationRequestedAt).toEqual(days(12));

    await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.stop3" }, days(13));
    // A checkout opt-in 31 days after the last request gets one again.
    expect(await run(requestConsent, checkoutRequest, days(43))).toHaveLength(1);
  });

  it("the checkout marker alone yields the double opt-in request", async () => {
    const plans = await db.$transaction((tx) =>
      consentPlansFromMarker(tx, { shop: SHOP, phone: PHONE, optIn: true, checkoutToken: "tok-9", locale: "de", customerId: null }, T0),
    );
    expect(plans.map((p) => [p.flow, p.template, p.language, p.to])).toEqual([["opt_in_confirmation", "momento_opt_in_confirmation", "de", PHONE]]);
    expect((await eventsOf())[0]).toMatchObject({ source: "checkout_marker", evidence: expect.objectContaining({ checkoutToken: "tok-9" }) });
  });
});

describe("confirmConsent", () => {
  it("REQUESTED → CONFIRMED with the inbound wamid, the request's wording version and the template the shopper answered", async () => {
    await run(requestConsent, checkoutRequest, T0);
    const doi = await db.message.findFirstOrThrow({ where: { flow: "opt_in_confirmation" } });
    await db.message.update({ where: { id: doi.id }, data: { status: "READ", waMessageId: "wamid.doi", sentAt: T0 } });

    await run(confirmConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_button", inboundWaMessageId: "wamid.tap", contextWaMessageId: "wamid.doi", evidence: { matched: "button:CONSENT_YES" } }, later(4));

    expect((await consentRow()).state).toBe("CONFIRMED");
    const [request, confirmation] = await eventsOf();
    expect(confirmation).toMatchObject({ fromState: "REQUESTED", toState: "CONFIRMED", source: "whatsapp_button", at: later(4) });
    expect(confirmation.evidence).toEqual({
      at: later(4).toISOString(),
      source: "whatsapp_button",
      matched: "button:CONSENT_YES",
      inboundWaMessageId: "wamid.tap",
      contextWaMessageId: "wamid.doi",
      wordingVersion: "w-2026-03",
      request: {
        eventId: request.id, at: T0.toISOString(), source: "checkout", checkoutToken: "tok-1",
        wording: "Send me order updates and offers on WhatsApp", wordingVersion: "w-2026-03", locale: "en-GB",
      },
      confirmationTemplate: {
        name: "momento_opt_in_confirmation", language: "en", wordingVersion: templateWordingVersion("momento_opt_in_confirmation", "en"),
        messageId: doi.id, waMessageId: "wamid.doi",
      },
    });
    // Mirrored to Shopify through the write-back outbox.
    expect(await db.shopifySync.count({ where: { shop: SHOP, kind: "whatsapp_consent" } })).toBe(1);
  });

  it("a request without checkout wording (START on WhatsApp) is proven by the confirmation template's wording", async () => {
    await run(requestConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", evidence: { inboundWaMessageId: "wamid.start" } }, T0);
    await db.message.updateMany({ data: { status: "DELIVERED", waMessageId: "wamid.doi2", sentAt: T0 } });
    await run(confirmConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.ja" }, later(2));
    const confirmation = (await eventsOf())[1];
    expect(confirmation.evidence).toMatchObject({
      inboundWaMessageId: "wamid.ja",
      wordingVersion: templateWordingVersion("momento_opt_in_confirmation", "de"),
      request: { wordingVersion: null, source: "whatsapp_reply" },
    });
  });

  it.each(["NONE", "REVOKED", "CONFIRMED"])("does nothing from %s (only a pending request can be confirmed)", async (state) => {
    if (state !== "NONE") await db.consent.create({ data: { shop: SHOP, phone: PHONE, state, updatedAt: T0 } });
    await run(confirmConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.ja" }, later(1));
    expect(await eventsOf()).toEqual([]);
    expect(await db.consent.findFirst({ where: { shop: SHOP, phone: PHONE } }).then((c) => c?.state ?? "NONE")).toBe(state);
  });

  it("no answer: stays REQUESTED", async () => {
    await run(requestConsent, checkoutRequest, T0);
    expect((await consentRow()).state).toBe("REQUESTED");
    expect(await db.message.count({ where: { flow: "opt_in_confirmation" } })).toBe(1);
  });
});

describe("revokeConsent", () => {
  async function scheduled(category: string, flow: string, to = PHONE, waUserId: string | null = null) {
    return db.message.create({
      data: { shop: SHOP, flow, dedupeKey: `${flow}:${Math.random()}`, to, waUserId, category, template: "t", language: "de", components: "[]", status: "SCHEDULED", sendAfter: days(1), createdAt: T0 },
    });
  }

  it("→ REVOKED at once, cancels every scheduled marketing message to the number with an event each, and plans the opt-out confirmation", async () => {
    await run(requestConsent, checkoutRequest, T0);
    await run(confirmConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_button", inboundWaMessageId: "wamid.tap" }, later(1));
    const cart = await scheduled("MARKETING", "cart_recovery");
    const winBack = await scheduled("MARKETING", "win_back");
    const byUserId = await scheduled("MARKETING", "back_in_stock", "+4915100000000", "DE.77");
    await db.consent.update({ where: { id: (await consentRow()).id }, data: { waUserId: "DE.77" } });
    const utility = await scheduled("UTILITY", "shipping_update");
    const otherNumber = await scheduled("MARKETING", "cart_recovery", "+4915199999999");

    const plans = await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.stop" }, later(10));

    expect((await consentRow()).state).toBe("REVOKED");
    const revocation = (await eventsOf()).at(-1)!;
    expect(revocation).toMatchObject({ fromState: "CONFIRMED", toState: "REVOKED", source: "whatsapp_reply", at: later(10) });
    expect(revocation.evidence).toMatchObject({ inboundWaMessageId: "wamid.stop" });

    for (const { id } of [cart, winBack, byUserId]) {
      expect(await db.message.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "CANCELLED", statusReason: "consent_revoked" });
      const events = await db.messageEvent.findMany({ where: { messageId: id } });
      expect(events).toEqual([expect.objectContaining({ status: "CANCELLED", reason: expect.stringMatching(/^consent_revoked: /), at: later(10) })]);
    }
    // Utility is left to the send-time gate (skipped there); another number is untouched.
    expect((await db.message.findUniqueOrThrow({ where: { id: utility.id } })).status).toBe("SCHEDULED");
    expect((await db.message.findUniqueOrThrow({ where: { id: otherNumber.id } })).status).toBe("SCHEDULED");

    expect(plans).toEqual([
      expect.objectContaining({
        flow: "opt_out_confirmation", template: "momento_opt_out_confirmation", language: "en", category: "UTILITY", to: PHONE,
        dedupeKey: `opt_out_confirmation:${(await consentRow()).id}:${revocation.id}`,
        components: [{ type: "body", parameters: [{ type: "text", text: "lifecycle-test" }] }],
      }),
    ]);
    expect(await db.shopifySync.count({ where: { shop: SHOP } })).toBe(2);
  });

  it("a second STOP changes nothing and plans no second confirmation", async () => {
    await run(requestConsent, checkoutRequest, T0);
    await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply" }, later(1));
    expect(await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply" }, later(2))).toEqual([]);
    expect((await eventsOf()).map((e) => e.toState)).toEqual(["REQUESTED", "REVOKED"]);
  });

  const sources: [ConsentSource, boolean][] = [
    ["whatsapp_reply", true],
    ["whatsapp_button", true],
    ["user_preferences", true],
    ["error_131050", true],
    ["checkout", false],
    ["admin", false],
    ["shopify", false],
  ];
  it.each(sources)("source %s: opt-out confirmation planned = %s", async (source, confirms) => {
    await run(requestConsent, checkoutRequest, T0);
    const plans = await run(revokeConsent, { shop: SHOP, phone: PHONE, source, writeBack: source !== "shopify" }, later(1));
    expect(plans.length).toBe(confirms ? 1 : 0);
    expect((await consentRow()).state).toBe("REVOKED");
  });

  it("a STOP from a number that never opted in is recorded (REVOKED) without a confirmation message", async () => {
    const plans = await run(revokeConsent, { shop: SHOP, phone: PHONE, source: "whatsapp_reply", inboundWaMessageId: "wamid.stop" }, T0);
    expect(plans).toEqual([]);
    expect((await eventsOf()).map((e) => [e.fromState, e.toState])).toEqual([["NONE", "REVOKED"]]);
  });
});
