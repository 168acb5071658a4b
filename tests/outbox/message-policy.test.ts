// The message policy of DESIGN.md §4 in the send-time gate, as tables: quiet hours in the recipient's time
// zone (across daylight-saving changes), the marketing frequency cap, flows switched off, the 131049 pause
// and the customer-service window for free-form messages.
import { describe, expect, it } from "vitest";
import { dateTimeFormatter } from "~/.server/i18n/locale";
import { timelineEntry } from "~/.server/message-log/log";
import { decideAtSendTime, type GateDecision, type GateMessage, type SendFacts } from "~/.server/outbox/gate";
import { countryTimeZone } from "~/.server/outbox/country-time-zones";
import { CAPPED_FLOWS, defaultOutboxPolicy, flowSendPolicy } from "~/.server/outbox/policy";
import { instantOfWallTime, quietHoursEnd, recipientZone, type RecipientZone } from "~/.server/outbox/recipient-time";

const at = (iso: string) => new Date(iso);
const zone = (name: string): RecipientZone => ({ zone: name, basis: "phone" });
const night = { start: "21:00", end: "08:00" };

describe("quietHoursEnd (21:00–08:00 unless stated)", () => {
  const cases: [string, string, string, { start: string; end: string }, string | null][] = [
    ["Berlin in winter, 07:30 CET", "2026-03-02T06:30:00Z", "Europe/Berlin", night, "2026-03-02T07:00:00Z"],
    ["Berlin in winter, 11:00 CET", "2026-03-02T10:00:00Z", "Europe/Berlin", night, null],
    ["Berlin in the evening ends tomorrow", "2026-03-02T20:30:00Z", "Europe/Berlin", night, "2026-03-03T07:00:00Z"],
    ["Berlin, the night the clocks go forward: ends at 08:00 CEST", "2026-03-28T21:00:00Z", "Europe/Berlin", night, "2026-03-29T06:00:00Z"],
    ["Berlin after the change, 06:30 UTC is 08:30 CEST", "2026-03-30T06:30:00Z", "Europe/Berlin", night, null],
    ["Berlin after the change, 05:30 UTC is 07:30 CEST", "2026-03-30T05:30:00Z", "Europe/Berlin", night, "2026-03-30T06:00:00Z"],
    ["Berlin, the night the clocks go back: ends at 08:00 CET", "2026-10-24T20:30:00Z", "Europe/Berlin", night, "2026-10-25T07:00:00Z"],
    ["New York before its change, 07:00 EST", "2026-03-07T12:00:00Z", "America/New_York", night, "2026-03-07T13:00:00Z"],
    ["New York after its change, 08:00 EDT", "2026-03-09T12:00:00Z", "America/New_York", night, null],
    ["New York after its change, 07:30 EDT", "2026-03-09T11:30:00Z", "America/New_York", night, "2026-03-09T12:00:00Z"],
    ["Tokyo, 19:00 JST", "2026-03-02T10:00:00Z", "Asia/Tokyo", night, null],
    ["Tokyo, 21:30 JST ends at 08:00 JST", "2026-03-02T12:30:00Z", "Asia/Tokyo", night, "2026-03-02T23:00:00Z"],
    ["a window within one day, inside", "2026-03-02T12:00:00Z", "Europe/Berlin", { start: "12:00", end: "14:00" }, "2026-03-02T13:00:00Z"],
    ["a window within one day, at its end", "2026-03-02T13:00:00Z", "Europe/Berlin", { start: "12:00", end: "14:00" }, null],
    ["an end the clocks skip (02:30 on 29 March) is reached at the jump", "2026-03-29T00:30:00Z", "Europe/Berlin", { start: "22:00", end: "02:30" }, "2026-03-29T01:00:00Z"],
    ["an end that occurs twice: the first 02:30", "2026-10-24T23:00:00Z", "Europe/Berlin", { start: "22:00", end: "02:30" }, "2026-10-25T00:30:00Z"],
    ["an end that occurs twice, now between them: the second 02:30", "2026-10-25T01:10:00Z", "Europe/Berlin", { start: "22:00", end: "02:30" }, "2026-10-25T01:30:00Z"],
  ];
  it.each(cases)("%s", (_name, now, tz, quiet, expected) => {
    const end = quietHoursEnd(at(now), tz, quiet);
    expect(end?.toISOString() ?? null).toBe(expected === null ? null : at(expected).toISOString());
    if (end) expect(end.getTime()).toBeGreaterThan(at(now).getTime());
  });

  it("converts every wall time of a DST year back to itself (or to the jump when skipped)", () => {
    for (const tz of ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo"]) {
      for (let day = 0; day < 366; day += 1) {
        const wall = Date.UTC(2026, 0, 1 + day, 2, 30);
        const instant = instantOfWallTime(wall, tz);
        const shown = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", hour: "numeric", minute: "numeric" }).format(instant);
        expect(["02:30", "03:00", "03:30"], `${tz} day ${day}`).toContain(shown);
      }
    }
  });
});

describe("recipientZone", () => {
  it.each([
    ["address first", { addressCountry: "JP", phone: "+4915112345678", shopTimeZone: "Europe/Berlin" }, { zone: "Asia/Tokyo", basis: "address" }],
    ["then the phone's country", { addressCountry: null, phone: "+12125550123", shopTimeZone: "Europe/Berlin" }, { zone: "America/New_York", basis: "phone" }],
    ["a German mobile", { addressCountry: null, phone: "+4915112345678", shopTimeZone: "America/Chicago" }, { zone: "Europe/Berlin", basis: "phone" }],
    ["an address without a zone (Antarctica) falls through", { addressCountry: "AQ", phone: "+819012345678", shopTimeZone: "Europe/Berlin" }, { zone: "Asia/Tokyo", basis: "phone" }],
    ["else the shop's zone", { addressCountry: null, phone: null, shopTimeZone: "America/Chicago" }, { zone: "America/Chicago", basis: "shop" }],
    ["a broken shop zone is UTC", { addressCountry: null, phone: null, shopTimeZone: "Mars/Olympus" }, { zone: "UTC", basis: "shop" }],
  ] as const)("%s", (_name, input, expected) => {
    expect(recipientZone(input)).toEqual(expected);
  });

  it("has a zone Intl knows for every country it lists, and the most populous zone for big countries", () => {
    expect(countryTimeZone("US")).toBe("America/New_York");
    expect(countryTimeZone("de")).toBe("Europe/Berlin");
    expect(countryTimeZone("RU")).toBe("Europe/Moscow");
    expect(countryTimeZone("AU")).toBe("Australia/Sydney");
    expect(countryTimeZone("XX")).toBeNull();
    for (const code of ["AT", "CH", "FR", "GB", "IT", "NL", "PL", "JP", "IN", "BR", "CA", "MX"]) expect(() => new Intl.DateTimeFormat("en", { timeZone: countryTimeZone(code)! })).not.toThrow();
  });
});

describe("flow policy as data", () => {
  it("exempts what the shopper asked for or must know now, and caps the marketing flows", () => {
    expect([...CAPPED_FLOWS].sort()).toEqual(["back_in_stock", "cart_recovery", "feedback", "loyalty", "win_back"]);
    for (const flow of ["opt_in_confirmation", "opt_out_confirmation", "order_confirmation", "shipping_update", "wismo", "auto_reply"]) {
      expect(flowSendPolicy(flow).quietHoursExempt, flow).toBe(true);
    }
    expect(flowSendPolicy("something_new")).toMatchObject({ category: "MARKETING", quietHoursExempt: false, frequencyCapped: true });
  });
});

describe("decideAtSendTime: the recipient's time and attention", () => {
  const day = at("2026-03-02T10:00:00Z"); // 11:00 in Berlin
  const earlyBerlin = at("2026-03-02T05:00:00Z"); // 06:00 in Berlin
  const cart: GateMessage = { flow: "cart_recovery", to: "+4915112345678", waUserId: null, category: "MARKETING", orderId: null };
  const winBack: GateMessage = { ...cart, flow: "win_back" };
  const order: GateMessage = { ...cart, flow: "order_confirmation", category: "UTILITY" };
  const reply: GateMessage = { ...cart, flow: "wismo", category: "UTILITY", text: "Your order is on its way." };
  const base: SendFacts = {
    consent: "CONFIRMED", orderCancelled: null, lastSentToRecipientAt: null,
    settings: { flowEnabled: true, quietHours: night, marketingCap: 2 }, recipientZone: zone("Europe/Berlin"), marketingSentInWindow: 0, lastInboundAt: null, flowTemplate: null,
  };
  const hoursBefore = (now: Date, h: number) => new Date(now.getTime() - h * 3_600_000);
  type Expected = [GateDecision["action"], string?, string?];

  const cases: [string, GateMessage, Partial<SendFacts>, Date, Expected][] = [
    ["marketing by day", cart, {}, day, ["send"]],
    ["marketing at 06:00 waits for 08:00 in Berlin", cart, {}, earlyBerlin, ["defer", "quiet_hours", "2026-03-02T07:00:00Z"]],
    ["the same instant is 14:00 in Tokyo", cart, { recipientZone: zone("Asia/Tokyo") }, earlyBerlin, ["send"]],
    ["and 00:00 in New York", cart, { recipientZone: zone("America/New_York") }, earlyBerlin, ["defer", "quiet_hours", "2026-03-02T13:00:00Z"]],
    ["quiet hours switched off", cart, { settings: { ...base.settings, quietHours: null } }, earlyBerlin, ["send"]],
    ["order confirmation is exempt", order, {}, earlyBerlin, ["send"]],
    ["opt-in confirmation is exempt", { ...order, flow: "opt_in_confirmation" }, { consent: "REQUESTED" }, earlyBerlin, ["send"]],
    ["opt-out confirmation is exempt", { ...order, flow: "opt_out_confirmation" }, { consent: "REVOKED" }, earlyBerlin, ["send"]],
    ["an answer to the shopper's own message is exempt", reply, { lastInboundAt: hoursBefore(earlyBerlin, 1) }, earlyBerlin, ["send"]],
    ["an unknown flow keeps quiet hours", { ...order, flow: "brand_new_flow" }, {}, earlyBerlin, ["defer", "quiet_hours"]],
    ["one marketing message this week", winBack, { marketingSentInWindow: 1 }, day, ["send"]],
    ["two marketing messages this week: capped", winBack, { marketingSentInWindow: 2 }, day, ["skip", "frequency_cap"]],
    ["cart recovery is capped too", cart, { marketingSentInWindow: 3 }, day, ["skip", "frequency_cap"]],
    ["the cap as the merchant set it", cart, { marketingSentInWindow: 2, settings: { ...base.settings, marketingCap: 3 } }, day, ["send"]],
    ["no cap", cart, { marketingSentInWindow: 9, settings: { ...base.settings, marketingCap: null } }, day, ["send"]],
    ["the cap does not hold utility messages", order, { marketingSentInWindow: 5 }, day, ["send"]],
    ["quiet hours first: the cap is counted when it is really sent", cart, { marketingSentInWindow: 2 }, earlyBerlin, ["defer", "quiet_hours"]],
    ["131049: marketing waits 24 h, deferred", cart, { marketingBlockedUntil: hoursBefore(day, -20) }, day, ["defer", "marketing_paused"]],
    ["131049 does not hold an order confirmation", order, { marketingBlockedUntil: hoursBefore(day, -20) }, day, ["send"]],
    ["131049 pause ending at night: quiet hours then", cart, { marketingBlockedUntil: hoursBefore(earlyBerlin, 1) }, earlyBerlin, ["defer", "quiet_hours"]],
    ["flow switched off", cart, { settings: { ...base.settings, flowEnabled: false } }, day, ["skip", "flow_disabled"]],
    ["flow switched off: utility too", order, { settings: { ...base.settings, flowEnabled: false } }, earlyBerlin, ["skip", "flow_disabled"]],
    ["consent first: revoked beats a switched-off flow", cart, { consent: "REVOKED", settings: { ...base.settings, flowEnabled: false } }, day, ["skip", "consent_revoked"]],
    ["free-form within 24 h of the shopper's message", reply, { lastInboundAt: hoursBefore(day, 23.9) }, day, ["send"]],
    ["free-form 24 h after the shopper's message", reply, { lastInboundAt: hoursBefore(day, 24) }, day, ["skip", "outside_service_window"]],
    ["free-form without any message from the shopper", reply, {}, day, ["skip", "outside_service_window"]],
    ["templates need no window", cart, { lastInboundAt: null }, day, ["send"]],
    ["an answer sent as a template needs no window either", { ...reply, text: null }, {}, day, ["send"]],
    ["pair limit after all of it", cart, { lastSentToRecipientAt: hoursBefore(day, 0.001) }, day, ["defer", "pair_limit"]],
  ];

  it.each(cases)("%s", (_name, message, facts, now, [action, reason, until]) => {
    const decision = decideAtSendTime(message, { ...base, ...facts }, now, defaultOutboxPolicy);
    expect(decision.action).toBe(action);
    if (reason) expect(decision).toMatchObject({ reason });
    if (until) expect(decision).toMatchObject({ until: at(until) });
    if (decision.action !== "send") expect(decision.detail).not.toContain(message.to!);
  });

  it("names the end of the quiet hours in the recipient's own clock and zone", () => {
    const decision = decideAtSendTime(cart, { ...base, recipientZone: { zone: "Asia/Tokyo", basis: "address" } }, at("2026-03-02T13:00:00Z"), defaultOutboxPolicy);
    expect(decision).toMatchObject({ action: "defer", reason: "quiet_hours", until: at("2026-03-02T23:00:00Z") });
    expect(decision.action === "defer" && decision.detail).toMatch(/^Quiet hours until 08:00 Asia\/Tokyo \(the recipient's time zone, from the order's or checkout's address\)\.$/);
  });
});

describe("the message log's timeline of a quiet-hours deferral", () => {
  it("names the end in the shopper's clock and zone, in English and German", () => {
    const now = at("2026-03-02T13:00:00Z");
    const decision = decideAtSendTime(
      { flow: "cart_recovery", to: "+819012345678", waUserId: null, category: "MARKETING", orderId: null },
      { consent: "CONFIRMED", orderCancelled: null, lastSentToRecipientAt: null, settings: { flowEnabled: true, quietHours: night, marketingCap: 2 }, recipientZone: zone("Asia/Tokyo"), marketingSentInWindow: 0, lastInboundAt: null, flowTemplate: null },
      now, defaultOutboxPolicy,
    );
    if (decision.action !== "defer") throw new Error("expected a deferral");
    // As dispatch stores it (eventReason + the next try).
    const event = { id: 1, status: "SCHEDULED", reason: `${decision.reason}: ${decision.detail} Next try at ${decision.until.toISOString()}.`, errorCode: null, source: "worker", at: now };
    expect(timelineEntry(event, "en", dateTimeFormatter("en", "Europe/Berlin"))).toMatchObject({
      statusLabel: "Deferred", text: expect.stringContaining("Quiet hours until 08:00 in the shopper's time zone (Asia/Tokyo)."),
    });
    expect(timelineEntry(event, "de", dateTimeFormatter("de", "Europe/Berlin"))).toMatchObject({
      statusLabel: "Verschoben", text: expect.stringContaining("Ruhezeit bis 08:00 in der Zeitzone der Person (Asia/Tokyo)."),
    });
  });
});
