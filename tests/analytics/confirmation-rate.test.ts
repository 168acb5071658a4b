// The confirmation rate (METRICS.md "Consent": requests made in P, confirmed at any time up to `to`) from the
// `consent_request:` day sums, against the definition counted from the consent log itself, for every period of a
// month and a half: consents requested again after a revocation (twice in one period, or once before it), confirmed
// on the request's day, days later, before a later request, after `to`, or never; transitions across local midnight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { computeStats } from "~/.server/analytics/stats";
import { addDays, startOfLocalDay } from "~/.server/analytics/period";
import { readRollups, rebuildRollups } from "~/.server/analytics/rebuild";
import { transitionConsent } from "~/.server/consent/state";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const SHOP = "confirmation-rate.myshopify.com";
const tz = "Europe/Berlin";

async function consent(phone: string, to: "REQUESTED" | "CONFIRMED" | "REVOKED", at: string) {
  const result = await db.$transaction((tx) => transitionConsent(tx, { shop: SHOP, phone, to, source: "test", evidence: {}, at: new Date(at), writeBack: false }));
  expect(result.changed).toBe(true);
}

/** The definition, from the raw log: distinct consents with a request in [from, to), and of those, any confirmation before `to`. */
async function fromTheLog(from: Date, to: Date): Promise<number> {
  const events = await db.consentEvent.findMany({ where: { shop: SHOP }, select: { consentId: true, toState: true, at: true } });
  const requested = new Set(events.filter((e) => e.toState === "REQUESTED" && e.at >= from && e.at < to).map((e) => e.consentId));
  const confirmed = [...requested].filter((id) => events.some((e) => e.consentId === id && e.toState === "CONFIRMED" && e.at < to));
  return requested.size === 0 ? 0 : confirmed.length / requested.size;
}

beforeAll(async () => {
  await db.shop.create({ data: { domain: SHOP, timezone: tz } });
  const [a, b, c, d, e] = ["+4915100000011", "+4915100000012", "+4915100000013", "+4915100000014", "+4915100000015"];
  // A: confirmed at once, revoked, requested again twice within days, confirmed again.
  await consent(a, "REQUESTED", "2026-03-02T10:00:00Z");
  await consent(a, "CONFIRMED", "2026-03-02T10:05:00Z");
  await consent(a, "REVOKED", "2026-03-06T10:00:00Z");
  await consent(a, "REQUESTED", "2026-03-09T10:00:00Z");
  await consent(a, "REVOKED", "2026-03-10T10:00:00Z");
  await consent(a, "REQUESTED", "2026-03-12T10:00:00Z");
  await consent(a, "CONFIRMED", "2026-03-20T10:00:00Z");
  // B: confirmed eleven days after the request, just after local midnight (23:30 UTC is the next day in Berlin).
  await consent(b, "REQUESTED", "2026-03-03T22:30:00Z");
  await consent(b, "CONFIRMED", "2026-03-14T23:30:00Z");
  // C: never confirmed, requested again after a revocation.
  await consent(c, "REQUESTED", "2026-03-05T10:00:00Z");
  await consent(c, "REVOKED", "2026-03-07T10:00:00Z");
  await consent(c, "REQUESTED", "2026-03-25T10:00:00Z");
  // D: requested twice on one day (revoked in between), confirmed weeks later.
  await consent(d, "REQUESTED", "2026-03-11T08:00:00Z");
  await consent(d, "REVOKED", "2026-03-11T09:00:00Z");
  await consent(d, "REQUESTED", "2026-03-11T10:00:00Z");
  await consent(d, "CONFIRMED", "2026-04-08T10:00:00Z");
  // E: requested, never answered.
  await consent(e, "REQUESTED", "2026-03-28T10:00:00Z");
});

describe("confirmation rate from the day sums", () => {
  it("equals the definition counted from the log for every period of whole days", async () => {
    let checked = 0;
    for (let first = "2026-02-28"; first <= "2026-04-10"; first = addDays(first, 3)) {
      for (const length of [1, 2, 5, 9, 14, 30, 45]) {
        const from = startOfLocalDay(first, tz);
        const to = startOfLocalDay(addDays(first, length), tz);
        const { consent: figures } = await computeStats(db, { shop: SHOP, from, to }, { summaryOnly: true });
        expect({ first, length, rate: figures.confirmationRate }).toEqual({ first, length, rate: await fromTheLog(from, to) });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(90);
    const march = await computeStats(db, { shop: SHOP, from: startOfLocalDay("2026-03-01", tz), to: startOfLocalDay("2026-04-01", tz) });
    // A, B, C, D, E requested in March; A and B confirmed by 1 April (D only on 8 April).
    expect(march.consent.confirmationRate).toBe(2 / 5);
  });

  it("the rebuild from the log yields the same day sums as the transitions did", async () => {
    const incremental = await readRollups(db, SHOP);
    expect(incremental.days.filter((d) => d.metric.startsWith("consent_request:")).length).toBeGreaterThan(5);
    await rebuildRollups(db, SHOP);
    expect(await readRollups(db, SHOP)).toEqual(incremental);
  });
});
