// The demo's bundled store history: reproducible from its generator, well-formed for the replay, and
// realistic where it matters (valid mobile numbers, unique orders, live orders), plus the week shift.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { shiftHistory } from "~/.server/demo/shift-history";
import { orderPayload, checkoutPayload } from "~/.server/ingest/shopify-payloads";

const root = path.resolve(import.meta.dirname, "../..");
const HISTORY = path.join(root, "demo", "store-history.jsonl");
const text = readFileSync(HISTORY, "utf8");
const [configLine, ...events] = text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
type Webhook = { topic: string; webhookId: string; payload: Record<string, unknown> };
const webhooks = events.filter((e) => "shopify" in e).map((e) => e.shopify as Webhook);
const orders = webhooks.filter((w) => w.topic === "orders/create").map((w) => w.payload);
const DAY = 86_400_000;

describe("demo/store-history.jsonl", () => {
  it("is exactly what scripts/make-demo-history.ts generates", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "momento-history-"));
    try {
      const out = path.join(dir, "history.jsonl");
      execFileSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/make-demo-history.ts", out], { cwd: root, stdio: "pipe" });
      expect(readFileSync(out, "utf8") === text).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("starts with the demo shop's config and runs about two weeks, in time order", () => {
    expect(configLine.config).toMatchObject({ shop: "momento-demo.myshopify.com", country: "DE", timezone: "Europe/Berlin", currency: "EUR" });
    const times = events.map((e) => Date.parse(e.at as string));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    const span = (times[times.length - 1] - times[0]) / DAY;
    expect(span).toBeGreaterThan(12);
    expect(span).toBeLessThanOrEqual(15);
  });

  it("has 30–60 live orders with unique ids that the app's payload schema accepts", () => {
    expect(orders.length).toBeGreaterThanOrEqual(30);
    expect(orders.length).toBeLessThanOrEqual(60);
    expect(new Set(orders.map((o) => o.admin_graphql_api_id)).size).toBe(orders.length);
    for (const order of orders) {
      expect(order).toMatchObject({ cancelled_at: null, test: false, currency: "EUR" });
      expect(orderPayload.safeParse(order).success).toBe(true);
    }
    for (const w of webhooks.filter((w) => w.topic === "checkouts/create")) expect(checkoutPayload.safeParse(w.payload).success).toBe(true);
    expect(new Set(webhooks.map((w) => w.webhookId)).size).toBe(webhooks.length);
  });

  it("uses valid German, Austrian or Swiss mobile numbers", () => {
    const phones = new Set<string>();
    for (const e of events) {
      for (const key of ["optIn", "recipient"] as const) if (key in e) phones.add((e[key] as { phone: string }).phone);
      for (const key of ["reply", "click"] as const) if (key in e) phones.add((e[key] as { from: string }).from);
    }
    for (const order of orders) if (order.phone) phones.add(parsePhoneNumberFromString(order.phone as string, "DE")?.number ?? String(order.phone));
    expect(phones.size).toBeGreaterThan(10);
    for (const phone of phones) {
      const parsed = parsePhoneNumberFromString(phone);
      expect(parsed?.isValid() && parsed.getType() === "MOBILE" && ["DE", "AT", "CH"].includes(parsed.country!), phone).toBe(true);
    }
  });

  it("has opt-ins, replies, and recipients that do not read or cannot be reached", () => {
    expect(events.filter((e) => "optIn" in e).length).toBeGreaterThan(10);
    expect(events.filter((e) => "reply" in e).length).toBeGreaterThan(5);
    const recipients = events.filter((e) => "recipient" in e).map((e) => e.recipient as { reads: boolean; failWith: number | null });
    expect(recipients.some((r) => r.reads === false)).toBe(true);
    expect(recipients.some((r) => r.failWith === 131026)).toBe(true);
  });
});

describe("shiftHistory", () => {
  const sample = [
    JSON.stringify({ config: { shop: "s.myshopify.com", attributionWindowDays: 5 } }),
    JSON.stringify({ at: "2026-03-02T09:00:00.000Z", shopify: { topic: "orders/create", webhookId: "w1", payload: { created_at: "2026-03-02T10:00:00+01:00", name: "#1001", total: 12 } } }),
    JSON.stringify({ at: "2026-03-15T21:30:00.000Z", reply: { from: "+4915112345678", text: "JA" } }),
  ].join("\n");

  it("moves every timestamp forward by whole weeks so the history settles within the last week", () => {
    const now = new Date("2026-11-23T16:00:00Z");
    const { text: shifted, weeks } = shiftHistory(sample, now);
    const lines = shifted.trim().split("\n").map((l) => JSON.parse(l));
    expect(weeks).toBe(35);
    expect(lines[0]).toEqual(JSON.parse(sample.split("\n")[0]));
    expect(lines[1].at).toBe(new Date(Date.parse("2026-03-02T09:00:00.000Z") + 35 * 7 * DAY).toISOString());
    expect(lines[1].shopify.payload).toEqual({ created_at: "2026-11-02T10:00:00+01:00", name: "#1001", total: 12 });
    const settled = Date.parse(lines[2].at) + 5 * DAY;
    expect(settled).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - settled).toBeLessThan(7 * DAY);
  });

  it("leaves a recent history alone", () => {
    expect(shiftHistory(sample, new Date("2026-03-21T00:00:00Z"))).toEqual({ text: sample, weeks: 0 });
  });
});
