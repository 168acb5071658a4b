// Shopify delivers webhooks at least once and in any order: a replay in which every Shopify event is delivered twice
// and each copy up to an hour late (so creates, updates and duplicates arrive shuffled) must end in exactly the
// stats JSON of the replay that delivers each event once, on time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OPT_IN_ATTRIBUTE, OPT_IN_PHONE_ATTRIBUTE } from "~/.server/ingest/shopify-payloads";
import { parseReplay, runReplay } from "../../simulator/replay";
import { fixture } from "../fixtures";
import { germanOrder } from "../helpers/shopify";
import { dropDatabase, freshDatabaseUrl } from "../setup/test-db";

const SHOP = "duplicates.myshopify.com";
// Three Shopify events per order; REPLAY_DUPLICATE_ORDERS=3334 makes the 10,000-event run (minutes, not for CI).
const ORDERS = Number(process.env.REPLAY_DUPLICATE_ORDERS ?? 40);
const START = Date.parse("2026-03-02T08:00:00Z");
const MINUTE = 60_000;

type Line = { at: string } & Record<string, unknown>;

function storeEvents(): Line[] {
  const fulfillment = fixture<Record<string, unknown>>("shopify/fulfillments_create.json");
  const lines: Line[] = [];
  for (let i = 0; i < ORDERS; i += 1) {
    const created = START + i * 2 * MINUTE;
    const phone = `+4915300${String(100_000 + i)}`;
    const gid = `gid://shopify/Order/${300_000 + i}`;
    const order = (updatedAt: number, extra: Record<string, unknown> = {}) => germanOrder({
      admin_graphql_api_id: gid, id: 300_000 + i, name: `#${7000 + i}`, phone, checkout_token: `dup-${i}`,
      created_at: new Date(created).toISOString(), updated_at: new Date(updatedAt).toISOString(),
      note_attributes: i % 4 === 3 ? [] : [{ name: OPT_IN_ATTRIBUTE, value: "1" }, { name: OPT_IN_PHONE_ATTRIBUTE, value: phone }],
      ...extra,
    });
    lines.push({ at: new Date(created).toISOString(), shopify: { topic: "orders/create", webhookId: `create-${i}`, payload: order(created) } });
    // Later the order changes: an update half an hour later may overtake its create. Every fifth is cancelled
    // instead, 90 minutes later, so that the cancellation never overtakes the create: an order known to be cancelled
    // when its create arrives gets no confirmation at all, which is right, but not the single-delivery result.
    const cancelled = i % 5 === 0;
    const updated = created + (cancelled ? 90 : 30) * MINUTE;
    lines.push({
      at: new Date(updated).toISOString(),
      shopify: cancelled
        ? { topic: "orders/cancelled", webhookId: `cancel-${i}`, payload: order(updated, { cancelled_at: new Date(updated).toISOString(), cancel_reason: "customer" }) }
        : { topic: "orders/updated", webhookId: `update-${i}`, payload: order(updated, { total_price: "59.90" }) },
    });
    const shipped = created + 3 * 60 * MINUTE;
    lines.push({
      at: new Date(shipped).toISOString(),
      shopify: { topic: "fulfillments/create", webhookId: `ship-${i}`, payload: { ...fulfillment, id: 900_000 + i, admin_graphql_api_id: `gid://shopify/Fulfillment/${900_000 + i}`, order_id: 300_000 + i, created_at: new Date(shipped).toISOString(), updated_at: new Date(shipped).toISOString() } },
    });
  }
  return lines;
}

function script(lines: Line[]): string {
  const config = { config: { shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", attributionWindowDays: 5 } };
  const sorted = [...lines].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [config, ...sorted].map((l) => JSON.stringify(l)).join("\n");
}

describe("a replay with every Shopify event duplicated and shuffled within an hour", () => {
  it(`${ORDERS * 3} events, ${ORDERS * 6} deliveries: exactly the single-delivery stats`, { timeout: 600_000 }, async () => {
    const once = storeEvents();
    let seed = 0x5eed;
    const random = () => ((seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
    const late = (line: Line): Line => ({ ...line, at: new Date(Date.parse(line.at) + Math.floor(random() * 60 * MINUTE)).toISOString() });
    const twice = once.flatMap((line) => [late(line), late(line)]);
    const overtaken = twice.filter((l, i) => i > 0 && Date.parse(l.at) < Date.parse(twice[i - 1].at)).length;

    const single = await runReplay(parseReplay(script(once)));
    expect(single.warnings).toEqual([]);
    expect(single.stats.messages.total.sent + single.stats.messages.total.delivered + single.stats.messages.total.read).toBeGreaterThan(ORDERS);

    // The duplicated replay in its own process and database (the replay command, as a merchant would run it).
    const databaseUrl = await freshDatabaseUrl();
    const dir = mkdtempSync(path.join(tmpdir(), "momento-dup-"));
    const file = path.join(dir, "duplicated.jsonl");
    writeFileSync(file, script(twice));
    const run = spawnSync("npm", ["run", "--silent", "replay", "--", file], { encoding: "utf8", env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 64 * 1024 * 1024 });
    await dropDatabase(databaseUrl);
    expect(run.status, run.stderr).toBe(0);
    const duplicated = JSON.parse(run.stdout) as unknown;
    console.log(`[duplicates] ${once.length} events, ${twice.length} deliveries (${overtaken} arrive before an earlier-made one); single: ${JSON.stringify(single.stats.messages.total)}`);
    expect(duplicated).toEqual(JSON.parse(JSON.stringify(single.stats)));
  });
});
