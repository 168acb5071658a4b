// A quarter of a store with shoppers in Germany, the US and Japan, for tests/replay/policy-quarter.test.ts:
// opt-ins with their confirmation, abandoned checkouts at every hour of the day (cart reminders, steps 1 and
// 2), orders (order confirmations), a STOP at night, and a spell of 131049 for some numbers — across the US
// (8 March) and EU (29 March) daylight-saving changes. Deterministic: the same script every run.
import type { ReplayScript } from "../../simulator/replay";
import { checkoutPayload } from "../cart-recovery/helpers";
import { germanOrder } from "../helpers/shopify";

export const SHOP = "policy-quarter.myshopify.com";
export const SHOPPERS = 30;
const CHECKOUT_ROUNDS = 10;
const START = Date.parse("2026-02-02T00:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Country = "DE" | "US" | "JP";
const COUNTRIES: Country[] = ["DE", "US", "JP"];

/** The zone each country's shoppers live by (written here independently of the app's table). */
export const ZONE: Record<Country, string> = { DE: "Europe/Berlin", US: "America/New_York", JP: "Asia/Tokyo" };

export interface Shopper {
  index: number;
  phone: string;
  phoneCountry: Country;
  /** The country on their checkouts' and orders' addresses; null: no address at all. */
  addressCountry: Country | null;
  locale: string;
}

export function shopperOf(i: number): Shopper {
  const phoneCountry = COUNTRIES[i % 3];
  const phone =
    phoneCountry === "DE" ? `+4915200${String(200_000 + i)}` : phoneCountry === "US" ? `+1212555${String(1000 + i)}` : `+8190${String(12_340_000 + i)}`;
  // Some Japanese numbers belong to people living in Germany (the address wins); some shoppers give no address.
  const addressCountry = i % 9 === 8 ? "DE" : i % 7 === 6 ? null : phoneCountry;
  return { index: i, phone, phoneCountry, addressCountry, locale: phoneCountry === "DE" ? "de" : "en" };
}

export const SHOPPER_LIST: Shopper[] = Array.from({ length: SHOPPERS }, (_, i) => shopperOf(i));

/** The zone a shopper's quiet hours must follow: their address's country, else their number's. */
export const zoneOf = (s: Shopper) => ZONE[s.addressCountry ?? s.phoneCountry];

/** Numbers Meta answers with 131049 for three days from day 40 (every fifth shopper from the third). */
export const limitedShopper = (i: number) => i % 5 === 2;
export const LIMITED_FROM = START + 40 * DAY;
export const LIMITED_UNTIL = START + 43 * DAY;
/** Shopper 0 (Germany) writes STOP at 23:30 local on day 60. */
export const STOP_AT = START + 60 * DAY + 22 * HOUR + 30 * MINUTE;

type Line = ReplayScript["events"][number];

function address(country: Country | null) {
  if (country === null) return null;
  const city = { DE: ["Berlin", "Germany"], US: ["New York", "United States"], JP: ["Tokyo", "Japan"] }[country];
  return { first_name: "Kim", address1: "Main Street 1", city: city[0], zip: "10115", country: city[1], country_code: country, province: null, province_code: null, phone: null };
}

export function generate(): ReplayScript {
  const events: Line[] = [];
  const add = (at: number, line: Omit<Line, "at">) => events.push({ at: new Date(at), ...line } as Line);
  let orderSeq = 0;

  for (const shopper of SHOPPER_LIST) {
    const { index: i, phone } = shopper;
    const optInAt = START + i * 37 * MINUTE;
    add(optInAt, { optIn: { checkoutToken: null, phone, locale: shopper.locale } });
    add(optInAt + 3 * MINUTE, { reply: { from: phone, text: shopper.locale === "de" ? "JA" : "YES" } });

    const checkouts: number[] = [];
    for (let k = 0; k < CHECKOUT_ROUNDS; k++) {
      const t0 = START + (2 + k * 9 + (i % 4)) * DAY + ((i * 5 + k * 7) % 24) * HOUR + ((i * 13) % 60) * MINUTE;
      checkouts.push(t0);
      // Every other shopper abandons a second cart two days later, at another hour: the cap has work to do.
      if (i % 2 === 0) checkouts.push(t0 + 2 * DAY + 11 * HOUR);
    }
    checkouts.forEach((t0, k) => {
      const token = `pq-${i}-${k}`;
      const addr = address(shopper.addressCountry);
      const payload = checkoutPayload(token, {
        phone, customer_locale: shopper.locale, shipping_address: addr, billing_address: addr,
        created_at: new Date(t0).toISOString(), updated_at: new Date(t0).toISOString(),
      });
      add(t0, { shopify: { topic: "checkouts/create", webhookId: `pq-create-${i}-${k}`, payload } });
      // A quarter of the carts are bought after the first reminder, a quarter before it; the rest are left.
      const story = (i + k) % 4;
      if (story === 1 || story === 3) {
        orderSeq += 1;
        const orderAt = new Date(t0 + (story === 1 ? 30 * MINUTE : 3 * HOUR)).toISOString();
        const order = germanOrder({
          admin_graphql_api_id: `gid://shopify/Order/${70_000 + orderSeq}`, name: `#Q${1000 + orderSeq}`, phone, checkout_token: token,
          customer_locale: shopper.locale, shipping_address: addr, billing_address: addr, created_at: orderAt, updated_at: orderAt,
        });
        add(Date.parse(orderAt), { shopify: { topic: "orders/create", webhookId: `pq-order-${i}-${k}`, payload: order } });
      }
    });

    if (limitedShopper(i)) {
      add(LIMITED_FROM, { recipient: { phone, failWith: 131049 } });
      add(LIMITED_UNTIL, { recipient: { phone, failWith: null } });
    }
    if (i === 0) add(STOP_AT, { reply: { from: phone, text: "STOP" } });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return {
    config: {
      shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", locale: "de",
      holdoutPercent: 0, attributionWindowDays: 5, cartRecoverySteps: [60, 1440], quietHours: { start: "21:00", end: "08:00" }, marketingCapPer7Days: 2,
    },
    events,
  };
}
