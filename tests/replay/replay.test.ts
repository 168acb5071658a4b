import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseReplay, runReplay } from "../../simulator/replay";
import { germanOrder } from "../helpers/shopify";
import { dropDatabase, freshDatabaseUrl } from "../setup/test-db";

const SHOP = "replay-test.myshopify.com";

function order(n: number, phone: string, extra: Record<string, unknown> = {}) {
  return germanOrder({
    admin_graphql_api_id: `gid://shopify/Order/${1000 + n}`,
    name: `#${1000 + n}`,
    phone,
    created_at: "2026-03-02T10:00:00+01:00",
    updated_at: "2026-03-02T10:00:00+01:00",
    ...extra,
  });
}

const lines = [
  { config: { shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", attributionWindowDays: 5 } },
  { at: "2026-03-02T08:55:00Z", recipient: { phone: "+4915100000002", reads: false } },
  { at: "2026-03-02T08:55:00Z", recipient: { phone: "+4915100000003", failWith: 131026 } },
  { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "c1", phone: "+4915100000001", locale: "de" } },
  { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "c2", phone: "+4915100000002", locale: "de" } },
  { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "c3", phone: "+4915100000003", locale: "de" } },
  { at: "2026-03-02T09:00:00Z", shopify: { topic: "orders/create", webhookId: "w-1", payload: order(1, "+4915100000001") } },
  { at: "2026-03-02T09:00:30Z", shopify: { topic: "orders/create", webhookId: "w-1", payload: order(1, "+4915100000001") } },
  { at: "2026-03-02T09:01:00Z", shopify: { topic: "orders/create", webhookId: "w-2", payload: order(2, "+4915100000002") } },
  { at: "2026-03-02T09:02:00Z", shopify: { topic: "orders/create", webhookId: "w-3", payload: order(3, "+4915100000003") } },
  { at: "2026-03-02T09:03:00Z", shopify: { topic: "orders/create", webhookId: "w-4", payload: order(4, "+4915100000004") } },
  { at: "2026-03-02T09:10:00Z", click: { from: "+4915100000001" } },
];
const jsonl = lines.map((l) => JSON.stringify(l)).join("\n");

describe("replay", () => {
  it("prints the counts of order confirmations sent, delivered, read, failed and skipped", async () => {
    const { stats, messages, warnings } = await runReplay(parseReplay(jsonl));
    expect(warnings).toEqual([]);
    const expected = { sent: 0, delivered: 1, read: 1, failed: 1, skipped: 1, cancelled: 0, scheduled: 0 };
    expect(stats.messages.byFlow.order_confirmation).toEqual(expected);
    // Each opt-in got its double opt-in request; the number that fails everything failed that one too.
    expect(stats.messages.byFlow.opt_in_confirmation).toEqual({ ...expected, skipped: 0 });
    expect(stats.messages.total).toEqual({ ...expected, delivered: 2, read: 2, failed: 2 });
    // The replay runs to 5 days after its last event (07 March, 09:10): the whole day counts, so P ends on 08 March.
    expect(stats).toMatchObject({ shop: SHOP, from: "2026-03-02", to: "2026-03-08", consent: { requested: 3, confirmed: 0, revoked: 0, confirmationRate: 0 } });

    // Planned at the same instant: their order among each other is not defined.
    expect(messages.filter((m) => m.flow === "opt_in_confirmation").map((m) => [m.to, m.status]).sort()).toEqual([
      ["+4915100000001", "read"],
      ["+4915100000002", "delivered"],
      ["+4915100000003", "failed"],
    ]);
    expect(messages.filter((m) => m.flow === "order_confirmation").map((m) => [m.to, m.status, m.reason, m.errorCode])).toEqual([
      ["+4915100000001", "read", null, null],
      ["+4915100000002", "delivered", null, null],
      ["+4915100000003", "failed", expect.stringMatching(/.+/), 131026],
      ["+4915100000004", "skipped", "no_consent", null],
    ]);
    const read = messages.find((m) => m.flow === "order_confirmation")!;
    expect(read).toMatchObject({ flow: "order_confirmation", template: "momento_order_confirmation", language: "de", plannedAt: "2026-03-02T09:00:00.000Z" });
    // Sent when due, in virtual time: the worker ran at the moment the order arrived.
    expect(read.sentAt).toBe("2026-03-02T09:00:00.000Z");
  });

  it("refuses a file with a readable reason naming the line", () => {
    expect(() => parseReplay(`${JSON.stringify(lines[0])}\n{"at": "yesterday", "click": {"from": "+49"}}`)).toThrow(/^line 2: /);
    expect(() => parseReplay(`{"config": {"shop": "not a shop"}}\n${JSON.stringify(lines[6])}`)).toThrow(/line 1: config.shop/);
    expect(() => parseReplay([lines[0], lines[7], lines[6]].map((l) => JSON.stringify(l)).join("\n"))).toThrow(/time order/);
  });

  it("runs as `npm run replay -- file --messages out` and prints the stats JSON", async () => {
    const databaseUrl = await freshDatabaseUrl();
    const dir = mkdtempSync(path.join(tmpdir(), "momento-replay-"));
    const file = path.join(dir, "store.jsonl");
    writeFileSync(file, jsonl);
    const result = spawnSync("npm", ["run", "--silent", "replay", "--", file, "--messages", path.join(dir, "messages.jsonl")], {
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    await dropDatabase(databaseUrl);
    expect(result.status, result.stderr).toBe(0);
    const stats = JSON.parse(result.stdout);
    expect(stats.messages.byFlow.order_confirmation).toMatchObject({ read: 1, delivered: 1, failed: 1, skipped: 1 });
    expect(readFileSync(path.join(dir, "messages.jsonl"), "utf8").trim().split("\n")).toHaveLength(7);
  }, 60_000);
});
