// Issue 5's proof for the message policy (DESIGN.md §4): a quarter of a store replayed through the real routes,
// worker and simulators, with shoppers in Germany, the US and Japan, both daylight-saving changes and a spell of
// 131049 — then every sent message is counted per recipient and window, from the outside:
// no marketing inside the recipient's quiet hours, never more than the cap in any rolling 7 days, no marketing
// within 24 h after a 131049, at least 6 s between two messages to one number, and every deferred message
// sent later (or stopped for a reason of its own) rather than lost.
import { describe, expect, it } from "vitest";
import { dateTimeFormatter } from "~/.server/i18n/locale";
import { timelineEntry } from "~/.server/message-log/log";
import { CAPPED_FLOWS } from "~/.server/outbox/policy";
import { db } from "~/shopify.server";
import { runReplay } from "../../simulator/replay";
import { generate, LIMITED_FROM, limitedShopper, SHOP, SHOPPER_LIST, STOP_AT, zoneOf, type Shopper } from "./policy-quarter";

const DAY = 86_400_000;

/** Minutes past local midnight at `at` in `zone`, read with Intl directly (not through the app's helpers). */
function localMinutes(at: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return get("hour") * 60 + get("minute");
}
const insideQuietHours = (at: Date, zone: string) => {
  const m = localMinutes(at, zone);
  return m >= 21 * 60 || m < 8 * 60;
};

describe("replay: a quarter under the message policy", () => {
  it("never sends marketing in quiet hours, over the cap, after a 131049 or too close together, and loses no deferred message", async () => {
    const { warnings } = await runReplay(generate());
    expect(warnings).toEqual([]);

    const rows = await db.message.findMany({
      where: { shop: SHOP },
      select: { id: true, flow: true, to: true, status: true, statusReason: true, errorCode: true, sentAt: true, failedAt: true, sendAfter: true, events: { orderBy: { id: "asc" } } },
    });
    const byPhone = new Map<string, Shopper>(SHOPPER_LIST.map((s) => [s.phone, s]));
    const shopperOf = (to: string | null) => byPhone.get(to!)!;
    const isMarketing = (flow: string) => CAPPED_FLOWS.includes(flow);
    const sent = rows.filter((m) => m.sentAt !== null).sort((a, b) => a.sentAt!.getTime() - b.sentAt!.getTime());
    const marketingSent = sent.filter((m) => isMarketing(m.flow));

    // The quarter did what it is for: every flow ran, in volume.
    const count = (flow: string) => sent.filter((m) => m.flow === flow).length;
    expect(count("opt_in_confirmation")).toBe(SHOPPER_LIST.length);
    expect(count("order_confirmation")).toBeGreaterThan(100);
    expect(count("opt_out_confirmation")).toBe(1);
    expect(marketingSent.length).toBeGreaterThan(150);

    // 1. Quiet hours: no marketing message was sent inside 21:00–08:00 of its recipient's zone…
    const loud = marketingSent.filter((m) => insideQuietHours(m.sentAt!, zoneOf(shopperOf(m.to))));
    expect(loud.map((m) => `${m.flow} ${m.sentAt!.toISOString()} ${zoneOf(shopperOf(m.to))}`)).toEqual([]);
    // …while the exempt flows did go out at night when that is when they were due.
    const exemptAtNight = sent.filter((m) => !isMarketing(m.flow) && insideQuietHours(m.sentAt!, zoneOf(shopperOf(m.to))));
    expect(new Set(exemptAtNight.map((m) => m.flow))).toEqual(new Set(["opt_in_confirmation", "order_confirmation", "opt_out_confirmation"]));

    // Every quiet-hours deferral ends at 08:00 on the recipient's own clock, before and after each DST change.
    const deferrals = rows.flatMap((m) =>
      m.events.filter((e) => e.reason?.startsWith("quiet_hours:")).map((e) => ({ message: m, until: new Date(/Next try at (\S+Z)\./.exec(e.reason!)![1]) })),
    );
    expect(deferrals.length).toBeGreaterThan(50);
    for (const d of deferrals) expect(localMinutes(d.until, zoneOf(shopperOf(d.message.to)))).toBe(8 * 60);
    const utcEnds = (zone: string) => new Set(deferrals.filter((d) => zoneOf(shopperOf(d.message.to)) === zone).map((d) => d.until.toISOString().slice(11, 16)));
    expect(utcEnds("Europe/Berlin")).toEqual(new Set(["07:00", "06:00"])); // CET, then CEST from 29 March
    expect(utcEnds("America/New_York")).toEqual(new Set(["13:00", "12:00"])); // EST, then EDT from 8 March
    expect(utcEnds("Asia/Tokyo")).toEqual(new Set(["23:00"]));
    // The Japanese numbers living in Germany were kept quiet by Berlin's clock, not Tokyo's.
    expect(deferrals.some((d) => shopperOf(d.message.to).addressCountry === "DE" && shopperOf(d.message.to).phoneCountry === "JP")).toBe(true);

    // 2. Deferred, not lost: nothing is left waiting, and most deferred messages were sent after the deferral.
    const deferred = [...new Set(deferrals.map((d) => d.message))];
    expect(deferred.filter((m) => m.status === "SCHEDULED" || m.status === "SENDING")).toEqual([]);
    const sentLater = deferred.filter((m) => m.sentAt !== null);
    for (const m of sentLater) {
      const lastUntil = Math.max(...deferrals.filter((d) => d.message === m).map((d) => d.until.getTime()));
      expect(m.sentAt!.getTime()).toBeGreaterThanOrEqual(lastUntil);
    }
    expect(sentLater.length).toBeGreaterThan(deferred.length / 2);
    // Those that did not go were stopped at the re-check for a reason of their own, never for the quiet hours.
    const stopped = deferred.filter((m) => m.sentAt === null);
    for (const m of stopped) expect(["CANCELLED", "SKIPPED"], m.statusReason ?? "").toContain(m.status);
    expect(new Set(stopped.map((m) => m.statusReason))).not.toContain("quiet_hours");
    expect(stopped.some((m) => m.statusReason === "order_placed")).toBe(true);

    // 3. The cap: never more than 2 marketing messages to one recipient in any rolling 7 days; it did bite.
    for (const shopper of SHOPPER_LIST) {
      const times = marketingSent.filter((m) => m.to === shopper.phone).map((m) => m.sentAt!.getTime());
      for (let j = 2; j < times.length; j++) expect(times[j] - times[j - 2], shopper.phone).toBeGreaterThanOrEqual(7 * DAY);
    }
    const capped = rows.filter((m) => m.statusReason === "frequency_cap");
    expect(capped.length).toBeGreaterThan(20);
    expect(capped.every((m) => m.status === "SKIPPED" && isMarketing(m.flow))).toBe(true);

    // 4. 131049: nothing marketing to that number for 24 h after Meta's answer; the pause deferred, not skipped.
    const limited = rows.filter((m) => m.errorCode === 131049 && m.failedAt !== null);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((m) => limitedShopper(shopperOf(m.to).index) && m.failedAt!.getTime() >= LIMITED_FROM)).toBe(true);
    for (const failure of limited) {
      const during = marketingSent.filter(
        (m) => m.id !== failure.id && m.to === failure.to && m.sentAt!.getTime() > failure.failedAt!.getTime() - 1_000 && m.sentAt!.getTime() < failure.failedAt!.getTime() + DAY,
      );
      expect(during.map((m) => m.sentAt!.toISOString()), failure.failedAt!.toISOString()).toEqual([]);
    }
    const paused = rows.filter((m) => m.events.some((e) => e.reason?.startsWith("marketing_paused:")));
    expect(paused.length).toBeGreaterThan(0);
    expect(paused.filter((m) => m.status === "SCHEDULED")).toEqual([]);

    // 5. The pair limit: at least 6 s between two messages to one number, whatever their flows.
    for (const shopper of SHOPPER_LIST) {
      const times = sent.filter((m) => m.to === shopper.phone).map((m) => m.sentAt!.getTime());
      for (let j = 1; j < times.length; j++) expect(times[j] - times[j - 1], shopper.phone).toBeGreaterThanOrEqual(6_000);
    }

    // After STOP nothing but the opt-out confirmation reached shopper 0.
    const afterStop = sent.filter((m) => m.to === SHOPPER_LIST[0].phone && m.sentAt!.getTime() >= STOP_AT);
    expect(afterStop.map((m) => m.flow)).toEqual(["opt_out_confirmation"]);

    console.info(`policy quarter: ${JSON.stringify({
      messages: rows.length, sent: sent.length, marketingSent: marketingSent.length, quietDeferrals: deferrals.length, deferredMessages: deferred.length,
      deferredThenSent: sentLater.length, frequencyCapped: capped.length, failed131049: limited.length, pausedAfter131049: paused.length,
    })}`);

    // The message log says what happened, in the shopper's clock, in both languages.
    const tokyo = deferrals.find((d) => zoneOf(shopperOf(d.message.to)) === "Asia/Tokyo")!;
    const event = tokyo.message.events.find((e) => e.reason?.startsWith("quiet_hours:"))!;
    expect(timelineEntry(event, "en", dateTimeFormatter("en", "Europe/Berlin")).text).toContain("Quiet hours until 08:00 in the shopper's time zone (Asia/Tokyo).");
    expect(timelineEntry(event, "de", dateTimeFormatter("de", "Europe/Berlin"))).toMatchObject({
      statusLabel: "Verschoben",
      text: expect.stringContaining("Ruhezeit bis 08:00 in der Zeitzone der Person (Asia/Tokyo)."),
    });
  }, 600_000);
});
