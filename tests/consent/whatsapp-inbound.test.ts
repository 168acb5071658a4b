// Consent driven by real, signed WhatsApp webhooks through the real route (statuses, replies, taps,
// WhatsApp's own marketing controls), against the database.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { requestConsent } from "~/.server/consent/lifecycle";
import { enqueuePlans } from "~/.server/ingest/enqueue";
import { db, useVirtualClock } from "~/shopify.server";
import { fixture } from "../fixtures";
import { buttonWebhook, failedStatusWebhook, postWhatsAppWebhook, resetMessagesAndConsent, textWebhook, userPreferenceWebhook } from "./helpers";

const SHOP = "inbound-a.myshopify.com";
const OTHER_SHOP = "inbound-b.myshopify.com";
const PHONE = "+4915112345678";
const T0 = new Date("2026-03-02T10:00:00.000Z");

let clock: VirtualClock;
beforeEach(async () => {
  await resetMessagesAndConsent();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
});

/** A checkout opt-in, with its double opt-in request marked as sent (wamid.doi-<shop>). */
async function optIn(shop = SHOP, phone = PHONE): Promise<string> {
  await db.$transaction(async (tx) => {
    const plans = await requestConsent(tx, { shop, phone, source: "checkout", locale: "de", checkoutToken: "tok", wording: "Ja, WhatsApp", wordingVersion: "v1" }, clock.now());
    await enqueuePlans(tx, shop, plans, clock.now());
  });
  const wamid = `wamid.doi-${shop}`;
  await db.message.updateMany({ where: { shop, flow: "opt_in_confirmation", to: phone }, data: { status: "DELIVERED", waMessageId: wamid, sentAt: clock.now() } });
  return wamid;
}

const stateIn = async (shop = SHOP, phone = PHONE) => (await db.consent.findFirst({ where: { shop, phone } }))?.state ?? "NONE";
const eventsIn = async (shop = SHOP) =>
  (await db.consentEvent.findMany({ where: { shop }, orderBy: { id: "asc" } })).map((e) => ({ to: e.toState, source: e.source, evidence: JSON.parse(e.evidence) as Record<string, unknown> }));

async function post(body: unknown) {
  const response = await postWhatsAppWebhook(body);
  expect(response.status).toBe(200);
}

describe("confirming the double opt-in on WhatsApp", () => {
  it("a tap on „Ja, anmelden“ confirms, with the tap's wamid as proof; a redelivery changes nothing", async () => {
    const doi = await optIn();
    clock.advance(60_000);
    const tap = buttonWebhook(PHONE, "CONSENT_YES", "Ja, anmelden", doi, clock.now());
    await post(tap.body);
    expect(await stateIn()).toBe("CONFIRMED");
    const confirmation = (await eventsIn()).at(-1)!;
    expect(confirmation).toMatchObject({ to: "CONFIRMED", source: "whatsapp_button" });
    expect(confirmation.evidence).toMatchObject({ inboundWaMessageId: tap.wamid, contextWaMessageId: doi, wordingVersion: "v1", matched: "button:CONSENT_YES" });

    clock.advance(3_600_000);
    await post(tap.body);
    expect((await eventsIn()).map((e) => e.to)).toEqual(["REQUESTED", "CONFIRMED"]);
  });

  it.each(["JA", "ja bitte", "Ja, anmelden!", "yes", "Yes, subscribe"])("a reply %j confirms", async (text) => {
    await optIn();
    const reply = textWebhook(PHONE, text, clock.now());
    await post(reply.body);
    expect(await stateIn()).toBe("CONFIRMED");
    expect((await eventsIn()).at(-1)).toMatchObject({ source: "whatsapp_reply", evidence: { inboundWaMessageId: reply.wamid } });
  });

  it("„Nein, danke“ is recorded as a no and leaves the request pending (utility only)", async () => {
    const doi = await optIn();
    await post(buttonWebhook(PHONE, "CONSENT_NO", "Nein, danke", doi, clock.now()).body);
    expect(await stateIn()).toBe("REQUESTED");
    expect(await eventsIn()).toHaveLength(1);
  });

  it("a JA without a pending request changes nothing", async () => {
    await post(textWebhook(PHONE, "JA", clock.now()).body);
    expect(await db.consentEvent.count()).toBe(0);
  });
});

describe("revoking on WhatsApp", () => {
  it.each(["STOP", "Stopp", "abmelden", "UNSUBSCRIBE."])("%j revokes at once and plans the opt-out confirmation", async (text) => {
    await optIn();
    await post(textWebhook(PHONE, "JA", clock.now()).body);
    clock.advance(86_400_000);
    const stop = textWebhook(PHONE, text, clock.now());
    await post(stop.body);
    expect(await stateIn()).toBe("REVOKED");
    expect((await eventsIn()).at(-1)).toMatchObject({ to: "REVOKED", source: "whatsapp_reply", evidence: { inboundWaMessageId: stop.wamid } });
    const optOut = await db.message.findFirstOrThrow({ where: { flow: "opt_out_confirmation" } });
    expect(optOut).toMatchObject({ to: PHONE, template: "momento_opt_out_confirmation", language: "de", category: "UTILITY", status: "SCHEDULED" });
  });

  it("START re-runs the double opt-in; a late redelivery of the earlier STOP does not undo it", async () => {
    await optIn();
    clock.advance(60_000);
    const stop = textWebhook(PHONE, "STOP", clock.now());
    await post(stop.body);
    clock.advance(60_000);
    const start = textWebhook(PHONE, "START", clock.now());
    await post(start.body);
    expect(await stateIn()).toBe("REQUESTED");
    const requests = await db.message.findMany({ where: { flow: "opt_in_confirmation" }, orderBy: { createdAt: "asc" } });
    expect(requests.map((m) => m.createdAt)).toEqual([T0, clock.now()]);
    expect((await eventsIn()).at(-1)).toMatchObject({ to: "REQUESTED", source: "whatsapp_reply", evidence: { inboundWaMessageId: start.wamid, checkoutToken: null } });

    clock.advance(2 * 86_400_000);
    await post(stop.body);
    expect(await stateIn()).toBe("REQUESTED");
  });

  it("WhatsApp's own stop/resume marketing controls (user_preferences)", async () => {
    await optIn();
    await post(userPreferenceWebhook(PHONE, "stop", clock.now()));
    expect(await stateIn()).toBe("REVOKED");
    expect((await eventsIn()).at(-1)).toMatchObject({ source: "user_preferences", evidence: { matched: "user_preferences:stop" } });
    clock.advance(60_000);
    await post(userPreferenceWebhook(PHONE, "resume", clock.now()));
    expect(await stateIn()).toBe("REQUESTED");
  });

  it("error 131050 on a sent message revokes (the message itself fails)", async () => {
    await optIn();
    await post(textWebhook(PHONE, "JA", clock.now()).body);
    const marketing = await db.message.create({
      data: { shop: SHOP, flow: "cart_recovery", dedupeKey: "cr1", to: PHONE, category: "MARKETING", template: "t", language: "de", components: "[]", status: "SENT", waMessageId: "wamid.cr1", sentAt: clock.now(), sendAfter: clock.now(), createdAt: clock.now() },
    });
    clock.advance(1000);
    await post(failedStatusWebhook("wamid.cr1", PHONE, 131050, clock.now()));
    expect((await db.message.findUniqueOrThrow({ where: { id: marketing.id } })).status).toBe("FAILED");
    expect(await stateIn()).toBe("REVOKED");
    expect((await eventsIn()).at(-1)).toMatchObject({ source: "error_131050", evidence: { failedWaMessageId: "wamid.cr1" } });
  });

  it("a username-only shopper is matched by the business-scoped user id", async () => {
    const body = fixture<{ entry: { changes: { value: { messages: { text: { body: string }; from_user_id?: string }[] } }[] }[] }>("whatsapp/webhook_inbound_text_username_bsuid_meta_docs.json");
    const message = body.entry[0].changes[0].value.messages[0];
    message.text.body = "STOP";
    const userId = message.from_user_id ?? (body.entry[0].changes[0].value as unknown as { contacts: { user_id: string }[] }).contacts[0].user_id;
    await db.consent.create({ data: { shop: SHOP, waUserId: userId, state: "CONFIRMED", updatedAt: T0 } });
    await post(body);
    expect((await db.consent.findFirstOrThrow({ where: { shop: SHOP, waUserId: userId } })).state).toBe("REVOKED");
  });
});

describe("which shop (decision 004)", () => {
  it("STOP revokes in every shop that knows the number; JA confirms only where a request is pending", async () => {
    await optIn(SHOP);
    await post(textWebhook(PHONE, "JA", clock.now()).body);
    clock.advance(60_000);
    await optIn(OTHER_SHOP);
    expect([await stateIn(SHOP), await stateIn(OTHER_SHOP)]).toEqual(["CONFIRMED", "REQUESTED"]);

    clock.advance(60_000);
    await post(textWebhook(PHONE, "ja", clock.now()).body);
    expect([await stateIn(SHOP), await stateIn(OTHER_SHOP)]).toEqual(["CONFIRMED", "CONFIRMED"]);

    clock.advance(60_000);
    await post(textWebhook(PHONE, "STOP", clock.now()).body);
    expect([await stateIn(SHOP), await stateIn(OTHER_SHOP)]).toEqual(["REVOKED", "REVOKED"]);
    expect(await db.message.count({ where: { flow: "opt_out_confirmation" } })).toBe(2);
  });

  it("a tap names its shop through the message it answers", async () => {
    await optIn(SHOP);
    const otherDoi = await optIn(OTHER_SHOP);
    await post(buttonWebhook(PHONE, "CONSENT_YES", "Ja, anmelden", otherDoi, clock.now()).body);
    expect([await stateIn(SHOP), await stateIn(OTHER_SHOP)]).toEqual(["REQUESTED", "CONFIRMED"]);
  });
});

describe("inbound messages that match nothing", () => {
  it("are counted and logged without phone numbers or texts", async () => {
    await optIn();
    const info = vi.spyOn(console, "info").mockImplementation(() => undefined);
    try {
      await post(textWebhook(PHONE, "Wann kommt mein Paket?", clock.now()).body);
      await post(textWebhook("+4917099999999", "STOP", clock.now()).body);
      const lines = info.mock.calls.map((c) => c.join(" "));
      expect(lines).toEqual([
        "[whatsapp] 1 inbound signal(s) matched no consent action, 0 matched no shop",
        "[whatsapp] 0 inbound signal(s) matched no consent action, 1 matched no shop",
      ]);
      for (const line of lines) expect(line).not.toMatch(/4915112345678|4917099999999|Paket|STOP/);
    } finally {
      info.mockRestore();
    }
    expect(await stateIn()).toBe("REQUESTED");
  });
});
