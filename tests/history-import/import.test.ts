// The history import end to end against the Admin API stand-in: a bulk query per phase, polled until COMPLETED,
// the JSONL file read from a real loopback server (Range requests on resume) and projected through the webhooks'
// projections. Resuming after a crash gives what an uninterrupted import gives; newer webhook state is never
// overwritten; failures end with a reason.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { defaultImportPolicy, requestHistoryImport, runHistoryImports, type ImportPolicy } from "~/.server/history-import/job";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { runWorker } from "~/.server/outbox/worker";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { createShopifyAdminSimulator, type ShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { bulkCustomerNode, bulkOrderNode, demoStoreHistory, serveBulkFiles, type SeedNode } from "../../simulator/shopify-admin-bulk";
import { deliverShopifyWebhook, germanOrder, TEST_SHOP } from "../helpers/shopify";
import { createFakeSender } from "../outbox/helpers";
import { sealedToken, secretsKey } from "../helpers/session-key";

const db = createDb(process.env.DATABASE_URL!);
const T0 = new Date("2026-03-10T09:00:00.000Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let clock: VirtualClock;
let sim: ShopifyAdminSimulator;
let server: { url: string; close(): Promise<void> };
let logLines: string[];

beforeAll(async () => {
  clock = createVirtualClock(T0);
  sim = createShopifyAdminSimulator({ bulk: { now: () => clock.now(), pollsUntilComplete: 2 } });
  server = await serveBulkFiles(sim.bulk, (request) => sim.fetch(request));
});
afterAll(async () => {
  await server.close();
  await db.$disconnect();
});

beforeEach(async () => {
  for (const table of ["importJob", "messageEvent", "message", "webhookEvent", "order", "customer", "consentEvent", "consent", "session", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
  logLines = [];
});

const SCOPES = "read_orders,read_all_orders,read_customers,write_customers";

async function install(shop: string, scope = SCOPES) {
  await db.session.create({ data: { id: `offline_${shop}`, shop, state: "installed", isOnline: false, scope, accessToken: sealedToken(`shpat_${shop}`) } });
}

/** A shop's history: 40 orders over 14 months (guests and customers, a test order, a cancelled one, opt-ins), 12 customers. */
function history(): { orders: SeedNode[]; customers: SeedNode[] } {
  const customers = Array.from({ length: 12 }, (_, i) =>
    bulkCustomerNode({ id: 5000 + i, updatedAt: iso(T0.getTime() - (i * 20 + 5) * DAY), firstName: `Kundin ${i}`, email: `kundin${i}@example.com`, phone: i % 3 === 0 ? null : `+49 151 2000${String(i).padStart(4, "0")}` }),
  );
  const orders = Array.from({ length: 40 }, (_, i) => {
    const created = T0.getTime() - (i * 11 + 1) * DAY; // up to 430 days back: the oldest are outside 12 months
    const customer = i % 4 === 0 ? null : customers[i % customers.length];
    return bulkOrderNode({
      id: 820_000_000_000 + i,
      createdAt: iso(created),
      updatedAt: iso(created + 3_600_000),
      total: `${20 + i}.5`,
      phone: i % 5 === 0 ? null : `0151 3000${String(i).padStart(4, "0")}`,
      email: `order${i}@example.com`,
      checkoutToken: `chk${i}`,
      test: i === 7,
      cancelledAt: i === 9 ? iso(created + DAY) : null,
      optInPhone: i % 6 === 0 ? `+49 151 4000${String(i).padStart(4, "0")}` : null,
      customer: customer ? { ...customer, orders: undefined } : null,
      lineItems: [{ id: 900 + i, title: "Teekanne", quantity: 1 }],
    });
  });
  return { orders, customers };
}

function deps(policy: Partial<ImportPolicy> = {}) {
  return { db, clock, adminGraphql: createAdminGraphql({ fetch: sim.fetch }), secretsKey, policy: { pollMs: 1_000, ...policy }, log: (l: string) => logLines.push(l) };
}

/** Runs worker rounds (a second of virtual time apart) until the shop's job is finished. */
async function runUntilFinished(shop: string, policy: Partial<ImportPolicy> = {}, maxRounds = 200) {
  for (let round = 0; round < maxRounds; round++) {
    await runHistoryImports(deps(policy));
    const job = await db.importJob.findFirstOrThrow({ where: { shop }, orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
    if (job.status === "DONE" || job.status === "FAILED") return job;
    clock.advance(1_000);
  }
  throw new Error("the import did not finish");
}

/** The projected state of a shop, without ids and timestamps of the write. */
async function projected(shop: string) {
  const orders = await db.order.findMany({ where: { shop }, orderBy: { shopifyOrderId: "asc" }, omit: { id: true, shop: true } });
  const customers = await db.customer.findMany({ where: { shop }, orderBy: { key: "asc" }, omit: { id: true, shop: true, updatedAt: true } });
  return { orders, customers };
}

describe("history import", () => {
  it("imports 12 months of orders and customers through two bulk queries, and plans no message", async () => {
    await install(TEST_SHOP);
    const data = history();
    sim.bulk.seed(TEST_SHOP, data);
    const job = await requestHistoryImport(db, clock, TEST_SHOP, "install");
    // The install hook runs on every new session: it never queues a second import.
    expect((await requestHistoryImport(db, clock, TEST_SHOP, "install")).id).toBe(job.id);

    const done = await runUntilFinished(TEST_SHOP);
    expect(done).toMatchObject({ status: "DONE", phase: "customers", errorCode: null, ordersLimited: false });
    const within = data.orders.filter((o) => Date.parse(o.createdAt as string) >= Date.parse(iso(T0.getTime())) - 365 * DAY);
    expect(within.length).toBeGreaterThan(20);
    expect(within.length).toBeLessThan(data.orders.length);
    expect(done.ordersImported).toBe(within.length);
    expect(done.customersImported).toBe(data.customers.length);

    const orders = await db.order.findMany({ where: { shop: TEST_SHOP } });
    expect(orders.map((o) => o.shopifyOrderId).sort()).toEqual(within.map((o) => (o.id as string).split("/").pop()).sort());
    const first = orders.find((o) => o.shopifyOrderId === "820000000001")!;
    expect(first).toMatchObject({ name: "#1001", totalPrice: "21.5", currency: "EUR", phone: "+4915130000001", checkoutToken: "chk1", customerKey: "customer:5001", test: false, optInRequested: false });
    expect(orders.find((o) => o.shopifyOrderId === "820000000000")).toMatchObject({ optInRequested: true, phone: "+4915140000000", customerKey: "phone:+4915140000000" });
    expect(orders.find((o) => o.shopifyOrderId === "820000000007")?.test).toBe(true);
    expect(orders.find((o) => o.shopifyOrderId === "820000000009")?.cancelledAt).not.toBeNull();

    const customer = await db.customer.findUniqueOrThrow({ where: { shop_key: { shop: TEST_SHOP, key: "customer:5001" } } });
    expect(customer).toMatchObject({ shopifyCustomerId: "5001", firstName: "Kundin 1" });
    expect(customer.firstOrderAt).not.toBeNull();
    // A customer without an order in the window still comes in, from the customers query.
    expect(await db.customer.count({ where: { shop: TEST_SHOP, key: { startsWith: "customer:" } } })).toBe(12);

    expect(await db.message.count()).toBe(0);
    expect(await db.webhookEvent.count()).toBe(0);
    expect(logLines.join("\n")).not.toMatch(/\+49|0151|signature=/);
  });

  it("resumes after a crash mid-file with the same result as an uninterrupted import", async () => {
    const whole = "whole.myshopify.com";
    const crashed = "crashed.myshopify.com";
    for (const shop of [whole, crashed]) {
      await install(shop);
      sim.bulk.seed(shop, history());
    }
    await requestHistoryImport(db, clock, whole, "admin");
    await runUntilFinished(whole);

    const job = await requestHistoryImport(db, clock, crashed, "admin");
    // Shopify's part first: until the orders file is ready to download.
    for (let i = 0; i < 10 && (await db.importJob.findUniqueOrThrow({ where: { id: job.id } })).status !== "DOWNLOADING"; i++) {
      await runHistoryImports(deps());
      clock.advance(1_000);
    }
    // One chunk of 5 lines, then the worker dies (its round ends there; nothing in memory survives).
    await runHistoryImports(deps({ chunkLines: 5, budgetMs: 0 }));
    const afterCrash = await db.importJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(afterCrash).toMatchObject({ status: "DOWNLOADING", linesProcessed: 5, ordersImported: 5 });
    expect(Number(afterCrash.byteOffset)).toBeGreaterThan(0);
    expect(await db.order.count({ where: { shop: crashed } })).toBe(5);

    // A crashed worker still holds the lease: nobody touches the job until it runs out.
    await db.importJob.update({ where: { id: job.id }, data: { leaseUntil: new Date(clock.now().getTime() + defaultImportPolicy.leaseMs) } });
    await runHistoryImports(deps());
    expect((await db.importJob.findUniqueOrThrow({ where: { id: job.id } })).linesProcessed).toBe(5);
    clock.advance(defaultImportPolicy.leaseMs + 1);

    // The next download breaks off in the middle of a line: what was read but not committed is read again.
    sim.bulk.cutNextDownloadAfter(6_000);
    await runHistoryImports(deps({ chunkLines: 3 }));
    const afterCut = await db.importJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(afterCut.status).toBe("RUNNING");
    expect(afterCut.error).toMatch(/download interrupted/);
    expect(afterCut.linesProcessed).toBeGreaterThan(5);

    const done = await runUntilFinished(crashed);
    expect(done.status).toBe("DONE");
    expect(sim.bulk.rangeRequests.length).toBeGreaterThanOrEqual(2);
    const wholeJob = await db.importJob.findFirstOrThrow({ where: { shop: whole } });
    expect({ lines: done.linesProcessed, orders: done.ordersImported, customers: done.customersImported }).toEqual({ lines: wholeJob.linesProcessed, orders: wholeJob.ordersImported, customers: wholeJob.customersImported });
    expect(await projected(crashed)).toEqual(await projected(whole));
  });

  it("never overwrites a newer order state that a webhook brought", async () => {
    await install(TEST_SHOP);
    const webhookOrder = germanOrder({ updated_at: "2026-03-05T12:00:00+01:00", total_price: "99.00", phone: "+49 151 77776666" });
    expect((await deliverShopifyWebhook({ topic: "orders/updated", payload: webhookOrder })).status).toBe(200);
    const id = String((webhookOrder as { admin_graphql_api_id?: string }).admin_graphql_api_id).split("/").pop()!;
    const before = await db.order.findUniqueOrThrow({ where: { shop_shopifyOrderId: { shop: TEST_SHOP, shopifyOrderId: id } } });
    const messagesBefore = await db.message.count();

    // Shopify's copy in the bulk file is older (an earlier updatedAt) and differs.
    sim.bulk.seed(TEST_SHOP, {
      orders: [bulkOrderNode({ id, createdAt: "2026-03-01T10:00:00Z", updatedAt: "2026-03-02T10:00:00Z", total: "10.0", phone: "+49 151 11110000" })],
      customers: [],
    });
    await requestHistoryImport(db, clock, TEST_SHOP, "install");
    const done = await runUntilFinished(TEST_SHOP);
    expect(done).toMatchObject({ status: "DONE", ordersImported: 0, linesSkipped: 1 });
    const after = await db.order.findUniqueOrThrow({ where: { shop_shopifyOrderId: { shop: TEST_SHOP, shopifyOrderId: id } } });
    expect(after).toEqual(before);
    expect(await db.message.count()).toBe(messagesBefore);
    expect(logLines.join("\n")).toMatch(/1 line\(s\) skipped: older than the order state a webhook brought/);
  });

  it("an older imported order does not replace the contact details a newer order gave the customer", async () => {
    await install(TEST_SHOP);
    const newer = germanOrder({ created_at: "2026-03-05T10:00:00+01:00", updated_at: "2026-03-05T10:00:00+01:00" });
    await deliverShopifyWebhook({ topic: "orders/create", payload: newer });
    const customerGid = (newer as { customer?: { admin_graphql_api_id: string } }).customer!.admin_graphql_api_id;
    const key = `customer:${customerGid.split("/").pop()}`;
    const before = await db.customer.findUniqueOrThrow({ where: { shop_key: { shop: TEST_SHOP, key } } });
    sim.bulk.seed(TEST_SHOP, {
      orders: [bulkOrderNode({ id: 830_000_000_001, createdAt: "2026-01-10T10:00:00Z", phone: "+49 151 55554444", customer: bulkCustomerNode({ id: key.split(":")[1], updatedAt: "2026-01-10T10:00:00Z", firstName: "Alt", phone: "+49 151 55554444" }) })],
      customers: [],
    });
    await requestHistoryImport(db, clock, TEST_SHOP, "install");
    await runUntilFinished(TEST_SHOP);
    const after = await db.customer.findUniqueOrThrow({ where: { shop_key: { shop: TEST_SHOP, key } } });
    expect(after.phone).toBe(before.phone);
    expect(after.firstName).toBe(before.firstName);
    expect(after.firstOrderAt).toEqual(new Date("2026-01-10T10:00:00Z"));
    expect(after.lastOrderAt).toEqual(before.lastOrderAt);
  });

  it("fails with Shopify's errorCode when the bulk query fails (ACCESS_DENIED, TIMEOUT)", async () => {
    await install(TEST_SHOP);
    sim.bulk.seed(TEST_SHOP, history());
    // The session says read_orders, but Shopify does not grant it (e.g. protected customer data not approved).
    sim.setScopes(TEST_SHOP, ["read_customers"]);
    await requestHistoryImport(db, clock, TEST_SHOP, "admin");
    const denied = await runUntilFinished(TEST_SHOP);
    expect(denied).toMatchObject({ status: "FAILED", errorCode: "ACCESS_DENIED", phase: "orders" });
    expect(denied.error).toMatch(/denied access/);
    sim.setScopes(TEST_SHOP, SCOPES.split(","));

    clock.advance(60_000);
    sim.bulk.failNextBulk("TIMEOUT");
    await requestHistoryImport(db, clock, TEST_SHOP, "admin");
    const timeout = await runUntilFinished(TEST_SHOP);
    expect(timeout).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT" });
    expect(timeout.error).toMatch(/timed out/);
  });

  it("fails without calling Shopify when the app was not granted read_orders, and notes the 60-day limit without read_all_orders", async () => {
    await install(TEST_SHOP, "read_customers,write_customers");
    const calls = sim.calls;
    await requestHistoryImport(db, clock, TEST_SHOP, "admin");
    const job = await runUntilFinished(TEST_SHOP);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "MISSING_SCOPE", error: "the app was not granted the read_orders scope" });
    expect(sim.calls).toBe(calls);

    clock.advance(60_000);
    await db.session.update({ where: { id: `offline_${TEST_SHOP}` }, data: { scope: "read_orders,read_customers" } });
    sim.setScopes(TEST_SHOP, ["read_orders", "read_customers"]);
    const data = history();
    sim.bulk.seed(TEST_SHOP, data);
    await requestHistoryImport(db, clock, TEST_SHOP, "admin");
    const limited = await runUntilFinished(TEST_SHOP);
    expect(limited).toMatchObject({ status: "DONE", ordersLimited: true });
    expect(limited.ordersImported).toBe(data.orders.filter((o) => Date.parse(o.createdAt as string) >= T0.getTime() - 60 * DAY).length);
  });

  it("waits while Shopify runs another bulk query, and asks again later", async () => {
    await install(TEST_SHOP);
    sim.bulk.seed(TEST_SHOP, { orders: [], customers: [] });
    const client = createAdminGraphql({ fetch: sim.fetch })({ shop: TEST_SHOP, accessToken: "x" });
    for (let i = 0; i < 5; i++) await client.request(`mutation R($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { code message } } }`, { query: "{ customers { edges { node { id } } } }" });
    const job = await requestHistoryImport(db, clock, TEST_SHOP, "admin");
    await runHistoryImports(deps());
    const waiting = await db.importJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(waiting).toMatchObject({ status: "QUEUED", error: expect.stringMatching(/busy/) });
    expect(waiting.nextStepAt.getTime()).toBe(clock.now().getTime() + defaultImportPolicy.retryMs);
  });

  it("fails with DOWNLOAD_FAILED when the file cannot be read ten times in a row without progress", async () => {
    const shop = "broken-download.myshopify.com";
    await install(shop);
    sim.bulk.seed(shop, history());
    const job = await requestHistoryImport(db, clock, shop, "admin");
    const broken: typeof fetch = async () => new Response("<Error><Code>InternalError</Code></Error>", { status: 500 });
    let rounds = 0;
    for (; rounds < 100; rounds++) {
      await runHistoryImports({ ...deps(), download: broken });
      if ((await db.importJob.findUniqueOrThrow({ where: { id: job.id } })).status === "FAILED") break;
      clock.advance(1_000);
    }
    const failed = await db.importJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(failed).toMatchObject({ status: "FAILED", errorCode: "DOWNLOAD_FAILED", downloadFailures: 9, linesProcessed: 0 });
    expect(failed.error).toBe("the result file could not be read 10 times in a row: the result file answered HTTP 500");
  });

  it("imports again when the shop installs the app again after an uninstall", async () => {
    const TEST_SHOP = "reinstalled.myshopify.com";
    await install(TEST_SHOP);
    sim.bulk.seed(TEST_SHOP, { orders: [], customers: [] });
    const first = await requestHistoryImport(db, clock, TEST_SHOP, "install");
    await runUntilFinished(TEST_SHOP);
    clock.advance(DAY);
    await db.shop.upsert({ where: { domain: TEST_SHOP }, create: { domain: TEST_SHOP, uninstalledAt: clock.now() }, update: { uninstalledAt: clock.now() } });
    clock.advance(DAY);
    const second = await requestHistoryImport(db, clock, TEST_SHOP, "install");
    expect(second.id).not.toBe(first.id);
    expect((await requestHistoryImport(db, clock, TEST_SHOP, "install")).id).toBe(second.id);
  });

  it("imports the demo's year of history; with the demo's scopes Shopify gives the last 60 days of orders", async () => {
    const shop = "demo-history.myshopify.com";
    const demo = demoStoreHistory(clock.now());
    await install(shop);
    sim.bulk.seed(shop, demo);
    await requestHistoryImport(db, clock, shop, "admin");
    const full = await runUntilFinished(shop);
    expect(full).toMatchObject({ status: "DONE", ordersImported: demo.orders.length, customersImported: demo.customers.length, linesSkipped: 0 });
    expect(await db.order.count({ where: { shop, phone: null, customerKey: null } })).toBe(0);

    const limited = "demo-limited.myshopify.com";
    await install(limited, process.env.SCOPES!);
    sim.setScopes(limited, process.env.SCOPES!.split(","));
    sim.bulk.seed(limited, demo);
    await requestHistoryImport(db, clock, limited, "admin");
    const job = await runUntilFinished(limited);
    const recent = demo.orders.filter((o) => Date.parse(o.createdAt as string) >= clock.now().getTime() - 60 * DAY).length;
    expect(recent).toBeGreaterThan(0);
    expect(job).toMatchObject({ status: "DONE", ordersLimited: true, ordersImported: recent });
  });

  it("runs in the worker's round, next to sending, until the import is done", async () => {
    const shop = "worker-round.myshopify.com";
    await install(shop);
    sim.bulk.seed(shop, history());
    const job = await requestHistoryImport(db, clock, shop, "install");
    const stop = new AbortController();
    const totals = await runWorker({
      db, clock, sender: createFakeSender(), policy: defaultOutboxPolicy, signal: stop.signal, idleMs: 1_000,
      schedulers: [() => runHistoryImports(deps())],
      async sleep(ms) {
        clock.advance(ms);
        const current = await db.importJob.findUniqueOrThrow({ where: { id: job.id } });
        if (current.status === "DONE" || current.status === "FAILED") stop.abort();
      },
    });
    expect(totals.rounds).toBeLessThan(50);
    const within = history().orders.filter((o) => Date.parse(o.createdAt as string) >= job.since.getTime()).length;
    expect(await db.importJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "DONE", ordersImported: within, customersImported: 12 });
    expect(await db.order.count({ where: { shop } })).toBe(within);
  });
});
