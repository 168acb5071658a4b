// The consent write-back through the real graphql-request client against the Admin API stand-in:
// input shape, state mapping, retries, skips and failures, and one write per queued change.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { transitionConsent, type ConsentState } from "~/.server/consent/state";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { runWorker } from "~/.server/outbox/worker";
import { createAdminGraphql, type AdminGraphqlFactory } from "~/.server/shopify-admin/client";
import { defaultShopifySyncPolicy, processShopifySyncs, WHATSAPP_CONSENT_MUTATION } from "~/.server/shopify-admin/consent-write-back";
import { createShopifyAdminSimulator, type ShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { sealedToken, secretsKey } from "../helpers/session-key";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const SHOP = "writeback-test.myshopify.com";
const OTHER_SHOP = "writeback-other.myshopify.com";
const TOKEN = "shpat_offline_test_token";
const PHONE = "+4915112345678";
const PHONE_DIGITS = "15112345678";
const T0 = new Date("2026-03-02T10:00:00.000Z");

let clock: VirtualClock;
let sim: ShopifyAdminSimulator;
let requests: { url: string; token: string | null; body: { query: string; variables: { input: unknown } } }[];
let adminGraphql: AdminGraphqlFactory;
let lines: string[];

beforeEach(async () => {
  for (const table of ["shopifySync", "consentEvent", "consent", "customer", "session"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
  await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "installed", isOnline: false, scope: "write_customers,read_customers", accessToken: sealedToken(TOKEN) } });
  clock = createVirtualClock(T0);
  sim = createShopifyAdminSimulator({ tokens: { [SHOP]: TOKEN } });
  requests = [];
  // Records what goes over the wire, then lets the stand-in answer.
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({ url: request.url, token: request.headers.get("X-Shopify-Access-Token"), body: await request.clone().json() });
    return sim.fetch(request);
  };
  adminGraphql = createAdminGraphql({ fetch: recordingFetch });
  lines = [];
});

async function move(to: Exclude<ConsentState, "NONE">, options: { shop?: string; phone?: string; customerId?: string | null; at?: Date } = {}) {
  return transitionConsent(db, {
    shop: options.shop ?? SHOP,
    phone: options.phone ?? PHONE,
    to,
    source: "test",
    evidence: { wordingVersion: "v3" },
    at: options.at ?? clock.now(),
    customerId: options.customerId === undefined ? "7001" : options.customerId,
  });
}

async function confirmed(options: Parameters<typeof move>[1] = {}) {
  await move("REQUESTED", options);
  return move("CONFIRMED", options);
}

function run(batch = 20) {
  return processShopifySyncs({ db, clock, adminGraphql, secretsKey, batch, random: () => 0.5, log: (line) => lines.push(line) });
}

const syncs = () => db.shopifySync.findMany({ orderBy: { createdAt: "asc" } });

describe("write-back of a confirmed consent", () => {
  it("sends customerWhatsAppMarketingConsentUpdate with SUBSCRIBED and CONFIRMED_OPT_IN to the shop's 2026-07 endpoint", async () => {
    await confirmed();
    const counts = await run();

    expect(counts).toMatchObject({ picked: 1, done: 1 });
    expect(requests).toHaveLength(1);
    expect(requests[0].url).toBe(`https://${SHOP}/admin/api/2026-07/graphql.json`);
    expect(requests[0].token).toBe(TOKEN);
    expect(requests[0].body.query).toBe(WHATSAPP_CONSENT_MUTATION);
    expect(requests[0].body.variables).toEqual({
      input: {
        customerId: "gid://shopify/Customer/7001",
        whatsAppMarketingConsent: { state: "SUBSCRIBED", optInLevel: "CONFIRMED_OPT_IN", updatedAt: T0.toISOString() },
      },
    });
    expect(sim.consentOf(SHOP, "7001")).toMatchObject({ state: "SUBSCRIBED", optInLevel: "CONFIRMED_OPT_IN" });
    const [row] = await syncs();
    expect(row).toMatchObject({ status: "DONE", attempts: 1, reason: null, doneAt: T0 });
  });

  it("sends UNSUBSCRIBED (no opt-in level) for a revocation", async () => {
    await confirmed();
    await run();
    clock.advance(60_000);
    await move("REVOKED");
    await run();

    expect(requests.map((r) => r.body.variables.input)).toEqual([
      expect.objectContaining({ whatsAppMarketingConsent: expect.objectContaining({ state: "SUBSCRIBED" }) }),
      { customerId: "gid://shopify/Customer/7001", whatsAppMarketingConsent: { state: "UNSUBSCRIBED", updatedAt: new Date(T0.getTime() + 60_000).toISOString() } },
    ]);
    expect(sim.consentOf(SHOP, "7001")?.state).toBe("UNSUBSCRIBED");
    expect((await syncs()).map((s) => s.status)).toEqual(["DONE", "DONE"]);
  });

  it("never writes an older CONFIRMED after a newer REVOKED (the stale row is skipped as superseded)", async () => {
    await confirmed();
    clock.advance(1_000);
    await move("REVOKED");
    await run();

    expect(requests.map((r) => (r.body.variables.input as { whatsAppMarketingConsent: { state: string } }).whatsAppMarketingConsent.state)).toEqual(["UNSUBSCRIBED"]);
    const [first, second] = await syncs();
    expect(first).toMatchObject({ status: "SKIPPED", reason: "superseded: the consent is REVOKED now" });
    expect(second.status).toBe("DONE");
  });
});

describe("retries", () => {
  it("a THROTTLED answer keeps the row PENDING for later, does not use up an attempt and pauses the shop's other rows", async () => {
    await confirmed();
    await confirmed({ phone: "+4915199999999", customerId: "7002" });
    sim.failNext("throttled");
    const counts = await run();

    expect(counts).toMatchObject({ picked: 2, retried: 1, deferred: 1, done: 0 });
    expect(sim.calls).toBe(1);
    const rows = await syncs();
    for (const row of rows) {
      expect(row.status).toBe("PENDING");
      expect(row.attempts).toBe(0);
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(T0.getTime());
    }
    expect(rows[0].reason).toMatch(/throttled/);
    expect(rows[1].nextAttemptAt).toEqual(rows[0].nextAttemptAt);

    // Not due yet: nothing happens.
    expect((await run()).picked).toBe(0);
    clock.set(rows[0].nextAttemptAt);
    expect(await run()).toMatchObject({ done: 2 });
    expect(sim.applied.map((a) => a.customerId)).toEqual(["7001", "7002"]);
  });

  it("an HTTP 429 is retried after at least Shopify's Retry-After", async () => {
    await confirmed();
    sim.failNext("http429");
    await run();
    const [row] = await syncs();
    expect(row.status).toBe("PENDING");
    expect(row.nextAttemptAt.getTime() - T0.getTime()).toBeGreaterThanOrEqual(2_000);
    clock.set(row.nextAttemptAt);
    await run();
    expect((await syncs())[0].status).toBe("DONE");
  });

  it("5xx and network errors are retried with backoff, and fail for good after the last attempt", async () => {
    await confirmed();
    sim.failNext("http500");
    sim.failNext("network");
    await run();
    let [row] = await syncs();
    expect(row).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(row.reason).toMatch(/HTTP 500/);
    const firstDelay = row.nextAttemptAt.getTime() - T0.getTime();
    expect(firstDelay).toBe(defaultShopifySyncPolicy.backoff.baseMs);

    clock.set(row.nextAttemptAt);
    await run();
    [row] = await syncs();
    expect(row).toMatchObject({ status: "PENDING", attempts: 2 });
    expect(row.reason).toMatch(/network error/);
    expect(row.nextAttemptAt.getTime() - clock.now().getTime()).toBe(2 * firstDelay);

    sim.failNext("http500", defaultShopifySyncPolicy.maxAttempts);
    for (let i = 0; i < defaultShopifySyncPolicy.maxAttempts && row.status === "PENDING"; i++) {
      clock.set(row.nextAttemptAt);
      await run();
      [row] = await syncs();
    }
    expect(row.status).toBe("FAILED");
    expect(row.attempts).toBe(defaultShopifySyncPolicy.maxAttempts);
    expect(row.reason).toMatch(/^gave up after 8 attempts: Shopify answered HTTP 500/);
    expect(sim.applied).toHaveLength(0);
  });
});

describe("skips and failures", () => {
  it("ACCESS_DENIED (missing write_customers) marks the row SKIPPED with a readable reason, logged without the phone", async () => {
    await confirmed();
    sim.setScopes(SHOP, ["read_customers"]);
    expect(await run()).toMatchObject({ skipped: 1 });
    const [row] = await syncs();
    expect(row.status).toBe("SKIPPED");
    expect(row.reason).toMatch(/^missing access .*Required access: `write_customers` access scope/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^shopify-sync: ${SHOP} ${row.id} skipped: missing access`));
    expect(lines.join("\n")).not.toContain(PHONE_DIGITS);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });

  it("a session whose granted scopes lack write_customers is skipped without calling Shopify", async () => {
    await db.session.update({ where: { id: `offline_${SHOP}` }, data: { scope: "read_orders,read_customers" } });
    await confirmed();
    await run();
    expect(sim.calls).toBe(0);
    expect((await syncs())[0]).toMatchObject({ status: "SKIPPED", reason: "missing access: the app was not granted the write_customers scope" });
  });

  it("an HTTP 403 is a skip as well", async () => {
    await confirmed();
    sim.failNext("http403");
    await run();
    expect((await syncs())[0]).toMatchObject({ status: "SKIPPED" });
  });

  it("with no Shopify customer known for the number, the row is SKIPPED and nothing is sent", async () => {
    await confirmed({ customerId: null });
    await run();
    expect(sim.calls).toBe(0);
    expect((await syncs())[0]).toMatchObject({ status: "SKIPPED", reason: "no Shopify customer is known for this number (guest checkout or no order yet)" });
    expect(lines.join("\n")).not.toContain(PHONE_DIGITS);
  });

  it("looks the customer up by phone when the consent has none, and keeps it on the consent", async () => {
    const { consent } = await confirmed({ customerId: null });
    await db.customer.create({ data: { shop: SHOP, key: "customer:7005", shopifyCustomerId: "7005", phone: PHONE } });
    await db.customer.create({ data: { shop: OTHER_SHOP, key: "customer:9999", shopifyCustomerId: "9999", phone: PHONE } });
    await run();
    expect(sim.applied).toEqual([expect.objectContaining({ customerId: "7005", state: "SUBSCRIBED" })]);
    expect((await db.consent.findUniqueOrThrow({ where: { id: consent.id } })).customerId).toBe("7005");
  });

  it("without an offline session for the shop, the row is SKIPPED with the reason", async () => {
    await db.session.deleteMany();
    await confirmed();
    await run();
    expect(sim.calls).toBe(0);
    expect((await syncs())[0]).toMatchObject({ status: "SKIPPED", reason: "no offline session for the shop (not installed, or uninstalled)" });
    expect(lines).toEqual([`shopify-sync: ${SHOP} 1 row(s) skipped: no offline session for the shop (not installed, or uninstalled)`]);
  });

  it("an online session alone does not count, and an expired offline token waits for a refresh", async () => {
    await db.session.deleteMany();
    await db.session.create({ data: { id: "online-1", shop: SHOP, state: "s", isOnline: true, accessToken: "online-token" } });
    await confirmed();
    await run();
    expect((await syncs())[0].status).toBe("SKIPPED");

    await db.shopifySync.deleteMany();
    await db.session.create({ data: { id: `offline_${SHOP}`, shop: SHOP, state: "s", isOnline: false, accessToken: sealedToken(TOKEN), expires: new Date(T0.getTime() - 1) } });
    clock.advance(1_000);
    await move("REVOKED");
    await run();
    expect((await syncs())[0]).toMatchObject({ status: "PENDING", attempts: 1 });
    expect((await syncs())[0].reason).toMatch(/expired/);
    expect(sim.calls).toBe(0);
  });

  it("a rejected token (HTTP 401) is retried, not dropped", async () => {
    await db.session.update({ where: { id: `offline_${SHOP}` }, data: { accessToken: sealedToken("shpat_stale") } });
    await confirmed();
    await run();
    expect((await syncs())[0]).toMatchObject({ status: "PENDING", attempts: 1 });
    expect((await syncs())[0].reason).toMatch(/HTTP 401/);
  });

  it("userErrors mark the row FAILED with Shopify's message", async () => {
    sim = createShopifyAdminSimulator({ customers: { [SHOP]: ["1"] } });
    await confirmed();
    expect(await run()).toMatchObject({ failed: 1 });
    expect((await syncs())[0]).toMatchObject({ status: "FAILED", reason: "INVALID: Customer not found" });

    await db.shopifySync.deleteMany();
    clock.advance(1_000);
    await move("REVOKED");
    sim.failNext({ userErrors: [{ field: ["input", "customerId"], message: "Phone number is required", code: "MISSING_ARGUMENT" }] });
    await run();
    expect((await syncs())[0]).toMatchObject({ status: "FAILED", reason: "MISSING_ARGUMENT: Phone number is required" });

    // Should Shopify ever quote the number, the log line does not repeat it.
    await db.shopifySync.deleteMany();
    clock.advance(1_000);
    await move("REQUESTED");
    await move("CONFIRMED");
    sim.failNext({ userErrors: [{ field: ["input"], message: `Phone ${PHONE} is invalid`, code: "INVALID" }] });
    await run();
    expect(lines.at(-1)).toMatch(/failed: INVALID: Phone \[number\] is invalid$/);
  });
});

describe("one write per queued change", () => {
  it("two workers running at once write each row once, and a DONE row is never sent again", async () => {
    await confirmed();
    await confirmed({ phone: "+4915199999999", customerId: "7002" });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.done + b.done).toBe(2);
    // Whatever each one saw, every row it did not write was claimed by the other.
    expect(a.lost + b.lost).toBe(a.picked + b.picked - 2);
    await run();
    clock.advance(24 * 3_600_000);
    await run();
    expect(sim.applied.map((x) => x.customerId).sort()).toEqual(["7001", "7002"]);
    expect(requests).toHaveLength(2);
  });

  it("runs from the worker loop when the worker is given the write-back", async () => {
    await confirmed();
    const stop = new AbortController();
    const workerLines: string[] = [];
    await runWorker({
      db,
      clock,
      sender: { send: async () => ({ ok: false, error: { code: 0, message: "unused", retryable: false } }) } as never,
      policy: defaultOutboxPolicy,
      signal: stop.signal,
      idleMs: 1_000,
      log: (line) => workerLines.push(line),
      shopifySync: { adminGraphql, secretsKey, batch: 10 },
      async sleep() {
        stop.abort();
      },
    });
    expect(sim.applied).toHaveLength(1);
    expect(workerLines).toContain("shopify-sync: picked=1 done=1");
  });
});
