// The 1,000 shoppers of tests/replay/consent-1000.test.ts: a deterministic replay script and the consent
// figures it must yield, computed by hand from the behaviours alone.
import { OPT_IN_ATTRIBUTE, OPT_IN_PHONE_ATTRIBUTE } from "~/.server/ingest/shopify-payloads";
import type { ReplayScript } from "../../simulator/replay";
import { germanOrder } from "../helpers/shopify";

export const SHOP = "consent-replay.myshopify.com";
export const SHOPPERS = 1000;
const COHORT = 50;
const START = Date.parse("2026-03-02T08:00:00Z");
const MINUTE = 60_000;
const DAY = 86_400_000;
const WORDING_VERSION = "checkout-wording-v1";

/** What a shopper does after ticking the box; `none` never ticks it. */
export type Behaviour =
  | "tap_yes" // confirms with the „Ja, anmelden“ button
  | "types_yes" // confirms by typing JA (or an English/longer variant)
  | "silent" // never answers: stays REQUESTED
  | "tap_yes_then_stop"
  | "stop_unconfirmed" // STOP without ever confirming
  | "comeback_confirms" // confirms, STOP, START, confirms again
  | "comeback_silent" // confirms (typing), STOP, RESUME, never answers the new request
  | "taps_no" // „Nein, danke“: stays REQUESTED
  | "marker_only" // the extension's call never arrived; the order's marker alone requests consent; then confirms
  | "none"; // no opt-in at all

/** Per 100 shoppers: how many behave how (most shoppers never answer; some come back). */
const MIX: [Behaviour, number][] = [
  ["silent", 30], ["tap_yes", 25], ["types_yes", 10], ["tap_yes_then_stop", 8], ["taps_no", 6], ["stop_unconfirmed", 5],
  ["marker_only", 5], ["comeback_confirms", 4], ["comeback_silent", 4], ["none", 3],
];
const BY_SLOT: Behaviour[] = MIX.flatMap(([behaviour, n]) => Array<Behaviour>(n).fill(behaviour));
export function behaviourOf(i: number): Behaviour {
  // Spread over the cohorts: slot 37·i mod 100 visits every slot once per 100 shoppers.
  return BY_SLOT[(i * 37) % 100];
}

const YES_TEXTS = ["JA", "ja bitte", "Ja, anmelden", "yes", "Yes, subscribe!"];
const STOP_TEXTS = ["STOP", "Stopp", "ABMELDEN", "unsubscribe"];
export const phoneOf = (i: number) => `+491510${String(1_000_000 + i).slice(1)}`;

export function generate(shoppers = SHOPPERS): ReplayScript {
  const template = germanOrder();
  const events: { at: Date; line: Record<string, unknown> }[] = [];
  const at = (ms: number) => new Date(ms);
  for (let i = 0; i < shoppers; i++) {
    const behaviour = behaviourOf(i);
    const phone = phoneOf(i);
    const base = START + Math.floor(i / COHORT) * 2 * 60 * MINUTE;
    const token = `checkout-${i}`;
    const ticked = behaviour !== "none";
    if (ticked && behaviour !== "marker_only") {
      events.push({ at: at(base), line: { optIn: { checkoutToken: token, phone, locale: "de", wording: "Ja, schickt mir Bestell-Updates und Angebote per WhatsApp", wordingVersion: WORDING_VERSION } } });
    }
    const payload = germanOrder({
      admin_graphql_api_id: `gid://shopify/Order/${100_000 + i}`,
      id: 100_000 + i,
      name: `#${5000 + i}`,
      phone,
      checkout_token: token,
      created_at: at(base + MINUTE).toISOString(),
      updated_at: at(base + MINUTE).toISOString(),
      customer: { ...((template as Record<string, unknown>).customer as Record<string, unknown>), id: 500_000 + i, admin_graphql_api_id: `gid://shopify/Customer/${500_000 + i}`, email: `shopper${i}@example.com`, phone: null },
      note_attributes: ticked ? [{ name: OPT_IN_ATTRIBUTE, value: "1" }, { name: OPT_IN_PHONE_ATTRIBUTE, value: phone }] : [],
    });
    events.push({ at: at(base + MINUTE), line: { shopify: { topic: "orders/create", webhookId: `order-${i}`, payload } } });

    const reply = (ms: number, r: Record<string, unknown>) => events.push({ at: at(base + ms), line: { reply: { from: phone, ...r } } });
    switch (behaviour) {
      case "tap_yes":
      case "marker_only":
        reply(5 * MINUTE, { button: 0 });
        break;
      case "types_yes":
        reply(5 * MINUTE, { text: YES_TEXTS[i % YES_TEXTS.length] });
        break;
      case "tap_yes_then_stop":
        reply(5 * MINUTE, { button: 0 });
        reply(DAY, { text: STOP_TEXTS[i % STOP_TEXTS.length] });
        break;
      case "stop_unconfirmed":
        reply(DAY, { text: STOP_TEXTS[i % STOP_TEXTS.length] });
        break;
      case "comeback_confirms":
        reply(5 * MINUTE, { button: 0 });
        reply(DAY, { text: "STOP" });
        reply(2 * DAY, { text: "START" });
        reply(2 * DAY + 5 * MINUTE, { button: 0 });
        break;
      case "comeback_silent":
        reply(5 * MINUTE, { text: "ja" });
        reply(DAY, { text: "Stopp" });
        reply(2 * DAY, { text: "Resume" });
        break;
      case "taps_no":
        reply(5 * MINUTE, { button: 1 });
        break;
      case "none":
        reply(5 * MINUTE, { text: "Hallo, wann kommt mein Paket?" });
        break;
      case "silent":
        break;
    }
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    config: { shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", locale: "de", attributionWindowDays: 5 },
    events: events.map((e) => ({ at: e.at, ...e.line })) as ReplayScript["events"],
  };
}

/** The figures by hand, from the behaviours alone. */
export function expectedFigures() {
  const count = (...behaviours: Behaviour[]) => Array.from({ length: SHOPPERS }, (_, i) => behaviourOf(i)).filter((b) => behaviours.includes(b)).length;
  const comebacks = count("comeback_confirms", "comeback_silent");
  const ticked = SHOPPERS - count("none");
  // Every opt-in and every START/RESUME is a REQUESTED transition; each gets its double opt-in request.
  const requested = ticked + comebacks;
  const confirmed = count("tap_yes", "types_yes", "tap_yes_then_stop", "marker_only", "comeback_silent") + 2 * count("comeback_confirms");
  const revoked = count("tap_yes_then_stop", "stop_unconfirmed", "comeback_confirms", "comeback_silent");
  // Confirmation rate: consents requested in P that were confirmed by `to` (at any time), over those requested.
  const everConfirmed = count("tap_yes", "types_yes", "tap_yes_then_stop", "marker_only", "comeback_confirms", "comeback_silent");
  return { ticked, requested, confirmed, revoked, confirmationRate: everConfirmed / ticked, unticked: count("none") };
}
