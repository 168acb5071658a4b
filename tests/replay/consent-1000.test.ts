// A replay with 1,000 shoppers (REPLAY.md): checkout opt-in and order, then some confirm by button, some
// by typing, some never answer, some STOP later, some come back with START. The consent figures of the
// stats JSON (METRICS.md) are computed here by hand from the generator, and every message that went out
// is checked against the recipient's consent at its sentAt, from the ConsentEvent log.
import { describe, expect, it } from "vitest";
import { db } from "~/shopify.server";
import { runReplay } from "../../simulator/replay";
import { behaviourOf, expectedFigures, generate, phoneOf, SHOP, SHOPPERS, type Behaviour } from "./consent-shoppers";

const NEEDED: Record<string, readonly string[]> = {
  opt_out_confirmation: ["REVOKED"],
  UTILITY: ["REQUESTED", "CONFIRMED"],
  MARKETING: ["CONFIRMED"],
};

describe("replay: 1,000 shoppers through the consent lifecycle", () => {
  it("yields exactly the expected consent counts and no message to anyone without the needed consent", async () => {
    const expected = expectedFigures();
    expect(expected).toMatchObject({ ticked: 970, requested: 1050, confirmed: 600, revoked: 210, unticked: 30 });

    const { stats, warnings } = await runReplay(generate());
    expect(warnings).toEqual([]);
    expect(stats.consent).toEqual({
      requested: expected.requested,
      confirmed: expected.confirmed,
      revoked: expected.revoked,
      confirmationRate: expected.confirmationRate,
    });

    // Each REQUESTED got its request at once (a START within 30 days too); each STOP its confirmation;
    // every opted-in order its confirmation; the unticked ones none.
    expect(stats.messages.byFlow).toEqual({
      opt_in_confirmation: { sent: 0, delivered: 0, read: expected.requested, failed: 0, skipped: 0, cancelled: 0, scheduled: 0 },
      opt_out_confirmation: { sent: 0, delivered: 0, read: expected.revoked, failed: 0, skipped: 0, cancelled: 0, scheduled: 0 },
      order_confirmation: { sent: 0, delivered: 0, read: expected.ticked, failed: 0, skipped: expected.unticked, cancelled: 0, scheduled: 0 },
      // The unticked ones ask "wann kommt mein Paket?": the answer is planned and skipped (no consent, no message).
      wismo: { sent: 0, delivered: 0, read: 0, failed: 0, skipped: expected.unticked, cancelled: 0, scheduled: 0 },
    });

    // Every message that went out, against the sender's consent at that instant (the ConsentEvent log).
    const [messages, consents] = await Promise.all([
      db.message.findMany({ where: { shop: SHOP, sentAt: { not: null } }, select: { to: true, flow: true, category: true, sentAt: true } }),
      db.consent.findMany({ where: { shop: SHOP }, include: { events: { orderBy: [{ at: "asc" }, { id: "asc" }] } } }),
    ]);
    const logOf = new Map(consents.map((c) => [c.phone, c.events]));
    const violations = messages.filter((m) => {
      const state = (logOf.get(m.to) ?? []).filter((e) => e.at <= m.sentAt!).at(-1)?.toState ?? "NONE";
      return !(NEEDED[m.flow] ?? NEEDED[m.category]).includes(state);
    });
    expect(messages).toHaveLength(expected.requested + expected.revoked + expected.ticked);
    expect(violations).toEqual([]);

    // Per shopper, the final state follows from the behaviour.
    const finalState: Record<Behaviour, string> = {
      tap_yes: "CONFIRMED", types_yes: "CONFIRMED", silent: "REQUESTED", tap_yes_then_stop: "REVOKED", stop_unconfirmed: "REVOKED",
      comeback_confirms: "CONFIRMED", comeback_silent: "REQUESTED", taps_no: "REQUESTED", marker_only: "CONFIRMED", none: "NONE",
    };
    const stateOf = new Map(consents.map((c) => [c.phone, c.state]));
    const mismatches = Array.from({ length: SHOPPERS }, (_, i) => i).filter((i) => (stateOf.get(phoneOf(i)) ?? "NONE") !== finalState[behaviourOf(i)]);
    expect(mismatches).toEqual([]);
  }, 420_000); // ~45–55 s on a 2-core machine alone; 190 s seen with the suite and three benchmarks sharing it
});
