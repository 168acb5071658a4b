// Table-driven tests of the win-back and loyalty planners and the VIP rule.
import { describe, expect, it } from "vitest";
import { lifetimeValueCents, offerParameters, planLoyalty, planWinBack, shouldTagVip, type CustomerHistory } from "~/.server/automations/retention";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T09:00:00.000Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const customer = (orderAges: number[], overrides: Partial<CustomerHistory> = {}): CustomerHistory => ({
  customerKey: "customer:7",
  phone: "+4915112345678",
  firstName: "Anna",
  locale: "de",
  orders: orderAges.map((age, i) => ({ shopifyOrderId: `o${i + 1}`, createdAt: daysAgo(age) })),
  ...overrides,
});
const shop = { locale: "en", name: "Demo Shop", url: "https://demo.myshopify.com/" };

describe("planWinBack", () => {
  const cases: [string, CustomerHistory, number, string][] = [
    ["one order 60 days ago: offer", customer([60]), 60, "planned"],
    ["one order 61 days ago: offer", customer([61]), 60, "planned"],
    ["one order 59 days ago: not yet", customer([59]), 60, "not_due"],
    ["two orders: not a one-time buyer", customer([90, 70]), 60, "not_a_one_time_buyer"],
    ["no orders (all cancelled)", customer([]), 60, "no_orders"],
    ["no phone", customer([80], { phone: null }), 60, "no_phone"],
    ["custom 30 days", customer([31]), 30, "planned"],
  ];
  for (const [name, history, days, expected] of cases) {
    it(name, () => {
      const decision = planWinBack(history, { days }, shop, NOW);
      expect(decision.plan ? "planned" : (decision as { reason: string }).reason).toBe(expected);
    });
  }
  it("keys the offer by customer and their one order, in the customer's language, marketing, due now", () => {
    const { plan } = planWinBack(customer([60]), { days: 60 }, shop, NOW);
    expect(plan).toMatchObject({ flow: "win_back", dedupeKey: "win_back:customer:7:o1", category: "MARKETING", template: "momento_win_back", language: "de", sendAfter: NOW, to: "+4915112345678", linkUrl: "https://demo.myshopify.com/" });
    expect(plan!.components).toEqual([{ type: "body", parameters: [{ type: "text", text: "Anna" }, { type: "text", text: "Demo Shop" }] }]);
  });
});

describe("planLoyalty", () => {
  const cases: [string, CustomerHistory, number, string | null][] = [
    ["3rd order with k = 3", customer([20, 10, 0]), 3, "loyalty:customer:7:3"],
    ["2nd order with k = 3", customer([10, 0]), 3, null],
    ["4th order with k = 3 (already thanked at the 3rd)", customer([30, 20, 10, 0]), 3, null],
    ["5th order with k = 5", customer([40, 30, 20, 10, 0]), 5, "loyalty:customer:7:5"],
  ];
  for (const [name, history, k, key] of cases) it(name, () => expect(planLoyalty(history, { orderCount: k }, shop, NOW).plan?.dedupeKey ?? null).toBe(key));
  it("records a k-th order without a phone as skipped (no_phone), English greeting fallback", () => {
    const { plan } = planLoyalty(customer([2, 1, 0], { phone: null, firstName: null, locale: "en-US" }), { orderCount: 3 }, shop, NOW);
    expect(plan).toMatchObject({ skipReason: "no_phone", language: "en", components: [{ type: "body", parameters: [{ type: "text", text: "there" }, { type: "text", text: "3" }] }] });
  });
});

describe("VIP tag", () => {
  it.each([
    [["49.90", "49.90", "49.90"], 100, "1", true],
    [["49.90", "49.90"], 100, "1", false],
    [["100.00"], 100, "1", false],
    [["100.01"], 100, "1", true],
    [["900"], null, "1", false],
    [["900"], 100, null, false],
    [["not a number", "150"], 100, "1", true],
  ] as const)("totals %o, threshold %s, customer %s → %s", (totals, threshold, id, expected) => {
    expect(shouldTagVip(lifetimeValueCents([...totals]), threshold, id)).toBe(expected);
  });
});

it("writes the code's last day in the shop's time zone and language", () => {
  const endsAt = new Date("2026-07-01T22:30:00.000Z");
  expect(offerParameters({ code: "MOMENTO-ABC", percent: 10, endsAt }, "de", "Europe/Berlin")).toEqual(["MOMENTO-ABC", "10", "02.07.2026"]);
  expect(offerParameters({ code: "MOMENTO-ABC", percent: 10, endsAt }, "en", "America/New_York")).toEqual(["MOMENTO-ABC", "10", "July 1, 2026"]);
});
