// The Message log: filters (flow, status, the shop's days, phone) and each message's timeline in words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { messageLogPage, parseLogFilters, reasonText, timelineEntry } from "~/.server/message-log/log";
import { MESSAGES } from "~/.server/i18n/messages";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const SHOP = "log-test.myshopify.com";
const OTHER = "log-other.myshopify.com";
const ANNA = "+4915111122233";
const BEN = "+4917299988877";

const filters = (query = "") => parseLogFilters(new URL(`https://x/app/messages${query}`));

async function message(id: string, data: { shop?: string; flow: string; to: string; status: string; createdAt: string; statusReason?: string; errorCode?: number }, events: { status: string; reason?: string; errorCode?: number; source: string; at: string }[]) {
  const createdAt = new Date(data.createdAt);
  await db.message.create({
    data: {
      id,
      shop: data.shop ?? SHOP,
      flow: data.flow,
      dedupeKey: `${data.flow}:${id}`,
      to: data.to,
      category: data.flow === "cart_recovery" ? "MARKETING" : "UTILITY",
      template: "momento_order_confirmation",
      language: "de",
      components: "[]",
      status: data.status,
      statusReason: data.statusReason ?? null,
      errorCode: data.errorCode ?? null,
      sendAfter: createdAt,
      createdAt,
      events: { create: events.map((e) => ({ status: e.status, reason: e.reason ?? null, errorCode: e.errorCode ?? null, source: e.source, at: new Date(e.at) })) },
    },
  });
}

beforeAll(async () => {
  await db.shop.create({ data: { domain: SHOP, timezone: "Europe/Berlin" } });
  await message("m-read", { flow: "order_confirmation", to: ANNA, status: "READ", createdAt: "2026-03-02T09:00:00Z" }, [
    { status: "SCHEDULED", reason: "planned for 2026-03-02T09:00:00.000Z", source: "planner", at: "2026-03-02T09:00:00Z" },
    { status: "SCHEDULED", reason: "pair_limit: Another message went to this recipient less than 6 s ago (Meta's pair rate limit). Next try at 2026-03-02T09:00:06.000Z.", source: "worker", at: "2026-03-02T09:00:01Z" },
    { status: "SENT", source: "worker", at: "2026-03-02T09:00:07Z" },
    { status: "DELIVERED", source: "webhook", at: "2026-03-02T09:00:12Z" },
    { status: "READ", source: "webhook", at: "2026-03-02T09:01:07Z" },
    { status: "CLICKED", reason: "the shopper opened the message's link", source: "link", at: "2026-03-02T09:05:00Z" },
  ]);
  await message("m-failed", { flow: "order_confirmation", to: BEN, status: "FAILED", createdAt: "2026-03-03T22:30:00Z", statusReason: "Message undeliverable", errorCode: 131026 }, [
    { status: "SCHEDULED", reason: "planned for 2026-03-03T22:30:00.000Z", source: "planner", at: "2026-03-03T22:30:00Z" },
    { status: "SENT", source: "worker", at: "2026-03-03T22:30:01Z" },
    { status: "FAILED", reason: "Message undeliverable: Unable to deliver message.", errorCode: 131026, source: "webhook", at: "2026-03-03T22:30:02Z" },
  ]);
  await message("m-skipped", { flow: "cart_recovery", to: ANNA, status: "SKIPPED", createdAt: "2026-03-05T10:00:00Z", statusReason: "no_consent" }, [
    { status: "SKIPPED", reason: "no_consent: A MARKETING message needs consent CONFIRMED; the recipient's is REQUESTED.", source: "worker", at: "2026-03-05T11:00:00Z" },
  ]);
  await message("m-off", { flow: "order_confirmation", to: BEN, status: "SKIPPED", createdAt: "2026-03-06T10:00:00Z", statusReason: "flow_off" }, [
    { status: "SKIPPED", reason: "flow_off: The merchant switched this flow off in Automations.", source: "planner", at: "2026-03-06T10:00:00Z" },
  ]);
  await message("m-optin", { flow: "opt_in_confirmation", to: ANNA, status: "DELIVERED", createdAt: "2026-03-07T10:00:00Z" }, [
    { status: "SCHEDULED", reason: "planned for 2026-03-07T10:00:00.000Z", source: "planner", at: "2026-03-07T10:00:00Z" },
    { status: "SENT", source: "worker", at: "2026-03-07T10:00:01Z" },
    { status: "DELIVERED", source: "webhook", at: "2026-03-07T10:00:06Z" },
  ]);
  await db.message.update({ where: { id: "m-optin" }, data: { waMessageId: "wamid.OPTIN+1/x==" } });
  const consent = await db.consent.create({ data: { shop: SHOP, phone: ANNA, state: "CONFIRMED", updatedAt: new Date("2026-03-07T10:02:00Z") } });
  await db.consentEvent.create({
    data: { consentId: consent.id, shop: SHOP, fromState: "REQUESTED", toState: "CONFIRMED", source: "whatsapp_button", at: new Date("2026-03-07T10:02:00Z"), evidence: JSON.stringify({ inboundWaMessageId: "wamid.IN1", contextWaMessageId: "wamid.OPTIN+1/x==", matched: "button:CONSENT_YES" }) },
  });
  await message("m-other-shop", { shop: OTHER, flow: "order_confirmation", to: ANNA, status: "READ", createdAt: "2026-03-02T09:00:00Z" }, []);
});

describe("the list", () => {
  it("shows the shop's messages only, newest first, each with a reason in words", async () => {
    const page = await messageLogPage(db, SHOP, filters(), "en");
    expect(page.total).toBe(5);
    expect(page.rows.map((r) => [r.id, r.flow, r.statusLabel, r.why])).toEqual([
      ["m-optin", "Opt-in confirmation", "Delivered", ""],
      ["m-off", "Order confirmation", "Not sent", "This flow is switched off in Automations."],
      ["m-skipped", "Cart recovery", "Not sent", "The shopper has not opted in (or not confirmed, for marketing)."],
      ["m-failed", "Order confirmation", "Failed", expect.stringMatching(/^Meta error 131026: WhatsApp could not deliver the message/)],
      ["m-read", "Order confirmation", "Read", ""],
    ]);
  });

  it("filters by flow, status, phone and the shop's calendar days", async () => {
    expect((await messageLogPage(db, SHOP, filters("?flow=cart_recovery"), "en")).rows.map((r) => r.id)).toEqual(["m-skipped"]);
    expect((await messageLogPage(db, SHOP, filters("?status=FAILED"), "en")).rows.map((r) => r.id)).toEqual(["m-failed"]);
    expect((await messageLogPage(db, SHOP, filters("?phone=0172 999"), "en")).rows.map((r) => r.id)).toEqual(["m-off", "m-failed"]);
    // 22:30 UTC on 3 March is 23:30 in Berlin: still 3 March there.
    expect((await messageLogPage(db, SHOP, filters("?from=2026-03-03&to=2026-03-03"), "en")).rows.map((r) => r.id)).toEqual(["m-failed"]);
    expect((await messageLogPage(db, SHOP, filters("?from=2026-03-04&to=2026-03-06"), "en")).rows.map((r) => r.id)).toEqual(["m-off", "m-skipped"]);
  });

  it("rejects bad filters with a message under the field and does not apply them", async () => {
    const page = await messageLogPage(db, SHOP, filters("?from=2026-03-05&to=2026-03-01&phone=abc"), "de");
    expect(page.errors).toEqual({ to: "Das Enddatum liegt vor dem Startdatum.", phone: "Gib Ziffern einer Telefonnummer ein (mindestens 3)." });
    expect(page.total).toBe(5);
    expect((await messageLogPage(db, SHOP, filters("?from=2026-02-30"), "en")).errors).toEqual({ from: "Enter a date as YYYY-MM-DD." });
  });
});

describe("a message's timeline", () => {
  it("reads as planned, deferred by the pair limit, sent, delivered, read and clicked", async () => {
    const page = await messageLogPage(db, SHOP, filters("?selected=m-read"), "en");
    expect(page.detail?.title).toBe(`Order confirmation to ${ANNA}`);
    expect(page.detail?.linkClicked).toBe(false);
    expect(page.detail?.timeline.map((e) => [e.statusLabel, e.source, e.text])).toEqual([
      ["Scheduled", "Momento", "Planned for 2 Mar 2026, 10:00."],
      ["Deferred", "Sending", "Deferred until 2 Mar 2026, 10:00: Another message went to this shopper a few seconds ago (WhatsApp allows about one every 6 seconds)."],
      ["Sent", "Sending", "Accepted by WhatsApp."],
      ["Delivered", "WhatsApp", "Delivered to the shopper's phone."],
      ["Read", "WhatsApp", "Read by the shopper."],
      ["Link opened", "Shopper", "The shopper opened the link."],
    ]);
  });

  it("explains a failure with Meta's code, what it means and what to do, in German too", async () => {
    const page = await messageLogPage(db, SHOP, filters("?selected=m-failed"), "de");
    const failed = page.detail!.timeline.at(-1)!;
    expect(failed).toMatchObject({ statusLabel: "Fehlgeschlagen", source: "WhatsApp", text: "WhatsApp konnte sie nicht zustellen." });
    expect(failed.error).toMatchObject({ code: 131026, label: "Meta-Fehler 131026", action: expect.stringMatching(/E-Mail/) });
  });

  it("shows the shopper's answer to the opt-in request (from the consent log) in the message's timeline", async () => {
    const page = await messageLogPage(db, SHOP, filters("?selected=m-optin"), "en");
    expect(page.detail?.timeline.map((e) => [e.statusLabel, e.text])).toEqual([
      ["Scheduled", "Planned for 7 Mar 2026, 11:00."],
      ["Sent", "Accepted by WhatsApp."],
      ["Delivered", "Delivered to the shopper's phone."],
      ["Shopper answered", "Tapped the button: the subscription is confirmed."],
    ]);
  });

  it("never shows another shop's message", async () => {
    expect((await messageLogPage(db, SHOP, filters("?selected=m-other-shop"), "en")).detail).toBeNull();
  });

  it("translates Momento's reason codes and keeps other reasons as written", () => {
    const s = MESSAGES.de;
    expect(reasonText("quiet_hours: The shopper's local time is 22:10.", s)).toBe("Ruhezeit in der Zeitzone der Person.");
    expect(reasonText("some_new_code: A sentence from a newer planner.", s)).toBe("A sentence from a newer planner.");
    expect(reasonText("Recipient stopped marketing messages from this business", s)).toBe("Recipient stopped marketing messages from this business");
    const retry = timelineEntry(
      { id: 1, status: "SCHEDULED", reason: "retry_scheduled: Attempt 1 of 5 failed (Cloud API throughput limit reached); next try at 2026-03-02T09:10:00.000Z.", errorCode: 130429, source: "worker", at: new Date("2026-03-02T09:09:00Z") },
      "en",
      (d) => new Date(d).toISOString(),
    );
    expect(retry).toMatchObject({ statusLabel: "Retry planned", text: "Attempt failed; Momento tries again at 2026-03-02T09:10:00.000Z.", error: { code: 130429 } });
  });
});
