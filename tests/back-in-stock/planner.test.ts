// Table-driven tests of the pure back-in-stock pieces: level updates summed over locations, the fan-out batch, and
// the send-time relevance.
import { describe, expect, it } from "vitest";
import { applyLevelUpdate, backInStockRelevance, parseBackInStockDedupeKey, planBackInStockBatch, productLabel, type LocationLevel } from "~/.server/automations/back-in-stock";
import { fanOutSpacingMs, defaultOutboxPolicy } from "~/.server/outbox/policy";

const t = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute));
const level = (locationId: string, available: number, minute = 0): LocationLevel => ({ locationId, available, updatedAt: t(minute) });

describe("applyLevelUpdate", () => {
  const cases: { name: string; known: LocationLevel[]; update: LocationLevel; expected: ReturnType<typeof applyLevelUpdate> }[] = [
    { name: "first news after a signup, in stock: a restock", known: [], update: level("A", 5, 1), expected: { kind: "applied", before: 0, after: 5, restocked: true } },
    { name: "first news, still 0: no restock", known: [], update: level("A", 0, 1), expected: { kind: "applied", before: 0, after: 0, restocked: false } },
    { name: "0 → 3 at the only location", known: [level("A", 0)], update: level("A", 3, 1), expected: { kind: "applied", before: 0, after: 3, restocked: true } },
    { name: "oversold −2 → 1", known: [level("A", -2)], update: level("A", 1, 1), expected: { kind: "applied", before: -2, after: 1, restocked: true } },
    { name: "oversold −2 → 0: still sold out", known: [level("A", -2)], update: level("A", 0, 1), expected: { kind: "applied", before: -2, after: 0, restocked: false } },
    { name: "another location already had stock: no restock", known: [level("A", 0), level("B", 4)], update: level("A", 2, 1), expected: { kind: "applied", before: 4, after: 6, restocked: false } },
    { name: "second location restocks while the first is oversold −1 + 2", known: [level("A", -1), level("B", 0)], update: level("B", 2, 1), expected: { kind: "applied", before: -1, after: 1, restocked: true } },
    { name: "a new location with stock", known: [level("A", 0)], update: level("B", 7, 1), expected: { kind: "applied", before: 0, after: 7, restocked: true } },
    { name: "selling out is not a restock", known: [level("A", 3)], update: level("A", 0, 1), expected: { kind: "applied", before: 3, after: 0, restocked: false } },
    { name: "an older payload for the location is ignored", known: [level("A", 0, 5)], update: level("A", 9, 4), expected: { kind: "stale" } },
    { name: "same timestamp is applied (a redelivery changes nothing)", known: [level("A", 3, 5)], update: level("A", 3, 5), expected: { kind: "applied", before: 3, after: 3, restocked: false } },
  ];
  for (const c of cases) it(c.name, () => expect(applyLevelUpdate(c.known, c.update)).toEqual(c.expected));
});

describe("planBackInStockBatch", () => {
  const product = { productTitle: "Sneaker Classic", variantTitle: "42", productUrl: "https://shop.example/products/sneaker?variant=7" };
  const subs = [
    { subscriptionId: "s1", phone: "+4915111111111", locale: "de" },
    { subscriptionId: "s2", phone: "+4915122222222", locale: "en-GB" },
    { subscriptionId: "s3", phone: "+4915133333333", locale: null },
  ];
  it("plans one marketing message per subscriber, in their language, spaced from the restock's offset", () => {
    const plans = planBackInStockBatch({ id: "r1", detectedAt: t(0) }, product, subs, { locale: "en" }, 100, 25, t(0));
    expect(plans.map((p) => [p.dedupeKey, p.to, p.language, p.sendAfter.toISOString(), p.category, p.template])).toEqual([
      ["back_in_stock:r1:s1", "+4915111111111", "de", new Date(t(0).getTime() + 2500).toISOString(), "MARKETING", "momento_back_in_stock"],
      ["back_in_stock:r1:s2", "+4915122222222", "en", new Date(t(0).getTime() + 2525).toISOString(), "MARKETING", "momento_back_in_stock"],
      ["back_in_stock:r1:s3", "+4915133333333", "en", new Date(t(0).getTime() + 2550).toISOString(), "MARKETING", "momento_back_in_stock"],
    ]);
    expect(plans[0].components).toEqual([{ type: "body", parameters: [{ type: "text", text: "Sneaker Classic – 42" }] }]);
    expect(plans[0].linkUrl).toBe(product.productUrl);
  });
  it("spaces at half the policy's rate (80/s → 40/s → 25 ms)", () => expect(fanOutSpacingMs(defaultOutboxPolicy)).toBe(25));
  it.each([
    [{ productTitle: "Mütze", variantTitle: "Default Title", productUrl: null }, "Mütze"],
    [{ productTitle: null, variantTitle: null, productUrl: null }, "Fallback"],
    [{ productTitle: "Jacke\nWinter", variantTitle: "M / Blau", productUrl: null }, "Jacke Winter – M / Blau"],
  ])("labels %o as %s", (p, label) => expect(productLabel(p, "Fallback")).toBe(label));
  it("reads its key back", () => {
    expect(parseBackInStockDedupeKey("back_in_stock:r1:s2")).toEqual({ restockId: "r1", subscriptionId: "s2" });
    expect(parseBackInStockDedupeKey("win_back:x")).toBeNull();
  });
});

describe("backInStockRelevance", () => {
  it.each([
    [5, "WAITING", "send"],
    [0, "WAITING", "sold_out_again"],
    [-3, "WAITING", "sold_out_again"],
    [5, "NOTIFIED", "already_notified"],
    [5, null, "already_notified"],
  ] as const)("available %d, subscription %s → %s", (available, status, expected) => {
    const result = backInStockRelevance(available, status);
    expect(result.action === "send" ? "send" : result.reason).toBe(expected);
  });
});

describe("reasons in the message log", () => {
  it.each(["sold_out_again", "already_notified", "restock_unknown", "ordered_again", "discount_unavailable", "flow_off"])("%s reads in English and German", async (code) => {
    const { MESSAGES } = await import("~/.server/i18n/messages");
    expect(MESSAGES.en.reasons[code]).toMatch(/\w/);
    expect(MESSAGES.de.reasons[code]).toMatch(/\w/);
    expect(MESSAGES.de.reasons[code]).not.toBe(MESSAGES.en.reasons[code]);
  });
});
