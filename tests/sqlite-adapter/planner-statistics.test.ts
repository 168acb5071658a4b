// The adapter gives SQLite's planner table statistics (PRAGMA optimize on open): without them it picked
// Message(shop, flow, createdAt) for cart recovery's per-checkout lookup and scanned every reminder of the shop.
import { afterEach, describe, expect, it } from "vitest";
import { copyOfDatabase, nodeSqliteClient, onPostgres } from "./helpers";

const LOOKUP = "SELECT id FROM Message WHERE shop = 'planner.myshopify.com' AND checkoutToken = 'checkout-7' AND flow = 'cart_recovery'";

describe.skipIf(onPostgres)("query planner statistics", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("a connection opened on a grown database uses the selective index for a checkout's reminders", async () => {
    const { url, remove } = copyOfDatabase("planner");
    cleanups.push(remove);
    const writer = nodeSqliteClient(url);
    // One shop, one flow, 20,000 checkouts with a reminder each: (shop, flow) matches every row, (shop, checkoutToken) one.
    await writer.$executeRawUnsafe(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
      INSERT INTO Message (id, shop, flow, dedupeKey, category, template, language, components, status, sendAfter, plannedFor, attempts, createdAt, checkoutToken)
      SELECT 'm' || i, 'planner.myshopify.com', 'cart_recovery', 'cart:' || i, 'MARKETING', 't', 'de', '[]', 'SCHEDULED', 0, 0, 0, i, 'checkout-' || i FROM n`);
    await writer.$disconnect();

    const reader = nodeSqliteClient(url);
    cleanups.push(() => reader.$disconnect());
    const plan = await reader.$queryRawUnsafe<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${LOOKUP}`);
    expect(plan.map((row) => row.detail).join("\n")).toContain("Message_shop_checkoutToken_idx");
    const found = await reader.$queryRawUnsafe<{ id: string }[]>(LOOKUP);
    expect(found).toEqual([{ id: "m7" }]);
  });
});
