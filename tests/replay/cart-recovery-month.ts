// A store's month of abandoned checkouts for tests/replay/cart-recovery-month.test.ts: a deterministic replay
// script and the cart-recovery figures it must yield, computed by hand from each checkout's story alone
// (METRICS.md "Cart recovery"), to the cent.
import { holdoutBucket } from "~/.server/cart-recovery/holdout";
import type { ReplayScript } from "../../simulator/replay";
import { checkoutPayload } from "../cart-recovery/helpers";
import { germanOrder } from "../helpers/shopify";

export const SHOP = "cart-month.myshopify.com";
export const CHECKOUTS = 240;
export const HOLDOUT_PERCENT = 25;
export const WINDOW_DAYS = 5;
const START = Date.parse("2026-03-01T08:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What happens to a checkout after it is created (times from its last update). */
export type Story =
  | "buys_before" // orders 30 min after: never abandoned
  | "ignores" // never orders
  | "click_buys" // opens step 1's link at +90 min, orders at +2 h
  | "buys_after" // orders at +5 h without opening a link
  | "step2_click_buys" // opens step 2's link at +24.5 h, orders at +25 h
  | "buys_late" // orders at +6 days: after the 5-day window
  | "no_consent" // ticked the box but never confirmed; orders at +3 h
  | "no_phone" // no number at all; never orders
  | "replies" // writes to the shop at +2 h (step 2 is cancelled), orders at +26 h
  | "test_order" // a test order at +3 h (excluded everywhere)
  | "cancelled_order"; // orders at +3 h, cancelled at +4 h (excluded everywhere)

const MIX: [Story, number][] = [
  ["buys_before", 2], ["ignores", 4], ["click_buys", 4], ["buys_after", 3], ["step2_click_buys", 1], ["buys_late", 1],
  ["no_consent", 1], ["no_phone", 1], ["replies", 1], ["test_order", 1], ["cancelled_order", 1],
];
const BY_SLOT: Story[] = MIX.flatMap(([story, n]) => Array<Story>(n).fill(story));
export const storyOf = (i: number): Story => BY_SLOT[(i * 7) % BY_SLOT.length];

export const tokenOf = (i: number) => `month-${String(i).padStart(3, "0")}`;
export const phoneOf = (i: number) => `+4915200${String(100_000 + i)}`;
/** The cart total in cents: varied, every cent counts. */
export const centsOf = (i: number) => 1990 + ((i * 7_31) % 13_000) + (i % 3);
export const priceOf = (i: number) => `${Math.floor(centsOf(i) / 100)}.${String(centsOf(i) % 100).padStart(2, "0")}`;
const createdAt = (i: number) => START + Math.floor((i * 27 * DAY) / CHECKOUTS) + (i % 9) * 17 * MINUTE;
/** Every fifth checkout is updated 10 min after its creation (and an older update arrives after that one). */
const moved = (i: number) => i % 5 === 0;
const lastUpdate = (i: number) => createdAt(i) + (moved(i) ? 10 * MINUTE : 0);
export const isHoldoutCheckout = (i: number) => holdoutBucket(SHOP, tokenOf(i)) < HOLDOUT_PERCENT;

const ORDER_AT: Partial<Record<Story, number>> = {
  buys_before: 30 * MINUTE, click_buys: 2 * HOUR, buys_after: 5 * HOUR, step2_click_buys: 25 * HOUR, buys_late: 6 * DAY,
  no_consent: 3 * HOUR, replies: 26 * HOUR, test_order: 3 * HOUR, cancelled_order: 3 * HOUR,
};
const CLICK_AT: Partial<Record<Story, number>> = { click_buys: 90 * MINUTE, step2_click_buys: 24 * HOUR + 30 * MINUTE };

type Line = ReplayScript["events"][number];

export function generate(): ReplayScript {
  const events: Line[] = [];
  const add = (at: number, line: Omit<Line, "at">) => events.push({ at: new Date(at), ...line } as Line);
  for (let i = 0; i < CHECKOUTS; i++) {
    const story = storyOf(i);
    const token = tokenOf(i);
    const phone = phoneOf(i);
    const t0 = createdAt(i);
    const base = lastUpdate(i);
    const contact = story === "no_phone" ? { phone: null, customer: null, billing_address: null, shipping_address: null } : { phone };
    const checkout = (updatedAt: number) =>
      checkoutPayload(token, { ...contact, total_price: priceOf(i), created_at: new Date(t0).toISOString(), updated_at: new Date(updatedAt).toISOString() });

    if (story !== "no_phone") {
      add(t0 - 10 * MINUTE, { optIn: { checkoutToken: token, phone, locale: "de" } });
      if (story !== "no_consent") add(t0 - 9 * MINUTE, { reply: { from: phone, text: "JA" } });
    }
    add(t0, { shopify: { topic: "checkouts/create", webhookId: `create-${i}`, payload: checkout(t0) } });
    // Shopify delivers some webhooks twice.
    if (i % 7 === 0) add(t0 + MINUTE, { shopify: { topic: "checkouts/create", webhookId: `create-${i}`, payload: checkout(t0) } });
    if (moved(i)) {
      add(t0 + 11 * MINUTE, { shopify: { topic: "checkouts/update", webhookId: `update-${i}`, payload: checkout(base) } });
      // An older update that was delayed: it must not move anything back.
      add(t0 + 12 * MINUTE, { shopify: { topic: "checkouts/update", webhookId: `update-old-${i}`, payload: checkout(t0 + 5 * MINUTE) } });
    }

    const held = isHoldoutCheckout(i);
    const click = CLICK_AT[story];
    if (click !== undefined && !held) add(base + click, { click: { from: phone } });
    if (story === "replies") add(base + 2 * HOUR, { reply: { from: phone, text: "Hallo, gibt es die Sneaker auch in Blau?" } });
    const orderAt = ORDER_AT[story];
    if (orderAt !== undefined) {
      const at = new Date(base + orderAt).toISOString();
      const order = germanOrder({
        admin_graphql_api_id: `gid://shopify/Order/${50_000 + i}`,
        name: `#M${1000 + i}`,
        phone,
        checkout_token: token,
        total_price: priceOf(i),
        test: story === "test_order",
        created_at: at,
        updated_at: at,
      });
      add(base + orderAt, { shopify: { topic: "orders/create", webhookId: `order-${i}`, payload: order } });
      if (story === "cancelled_order") {
        const cancelled = new Date(base + orderAt + HOUR).toISOString();
        add(base + orderAt + HOUR, { shopify: { topic: "orders/cancelled", webhookId: `cancel-${i}`, payload: { ...order, cancelled_at: cancelled, updated_at: cancelled } } });
      }
    }
  }
  // Stable sort: lines at the same instant keep the order they were written in.
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    config: {
      shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", locale: "de",
      holdoutPercent: HOLDOUT_PERCENT, attributionWindowDays: WINDOW_DAYS, cartRecoverySteps: [60, 1440], quietHours: null, marketingCapPer7Days: null,
    },
    events,
  };
}

const RECOVERED: ReadonlySet<Story> = new Set(["click_buys", "buys_after", "step2_click_buys", "replies"]);
const BY_CLICK: ReadonlySet<Story> = new Set(["click_buys", "step2_click_buys"]);
/** Reminded checkouts that still get step 2: no order, no reply by then (an order of any kind closes the checkout). */
const GETS_STEP_2: ReadonlySet<Story> = new Set(["ignores", "buys_late", "step2_click_buys"]);

/** The figures METRICS.md defines, from the stories alone. */
export function expectedFigures() {
  const f = { abandoned: 0, eligible: 0, holdout: 0, reminded: 0, recoveredWindow: 0, recoveredClick: 0, holdoutRecovered: 0 };
  let windowCents = 0;
  let clickCents = 0;
  let step2Sent = 0;
  for (let i = 0; i < CHECKOUTS; i++) {
    const story = storyOf(i);
    if (story === "buys_before") continue; // an order before step-1 time: not abandoned
    f.abandoned += 1;
    if (story === "no_phone" || story === "no_consent") continue; // not contactable / consent not CONFIRMED
    f.eligible += 1;
    if (isHoldoutCheckout(i)) {
      f.holdout += 1;
      // Holdout recovered: an order after step-1 time (+60 min) and within 5 days of it.
      if (RECOVERED.has(story)) f.holdoutRecovered += 1;
      continue;
    }
    f.reminded += 1; // step 1 went out at step-1 time
    if (GETS_STEP_2.has(story)) step2Sent += 1;
    if (!RECOVERED.has(story)) continue; // buys_late is 6 days after: outside the window; test and cancelled orders are excluded
    f.recoveredWindow += 1;
    windowCents += centsOf(i);
    if (BY_CLICK.has(story)) {
      f.recoveredClick += 1;
      clickCents += centsOf(i);
    }
  }
  const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  const recoveryRate = f.recoveredWindow / f.reminded;
  const holdoutRate = f.holdout === 0 ? 0 : f.holdoutRecovered / f.holdout;
  // Every reminder went to a German number: €0.1131 each (the default rate table), summed, then rounded to the cent.
  const remindersSent = f.reminded + step2Sent;
  const costCents = Math.round((remindersSent * 1131) / 100);
  return {
    ...f,
    recoveredRevenueWindow: money(windowCents),
    recoveredRevenueClick: money(clickCents),
    recoveryRate,
    holdoutRate,
    incrementalLift: f.holdout >= 30 ? recoveryRate - holdoutRate : null,
    estimatedCost: money(costCents),
    roi: windowCents / costCents,
    remindersSent,
  };
}
