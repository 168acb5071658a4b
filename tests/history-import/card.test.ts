// The Settings page's "Data import" card through the real, authenticated route: no import yet, "Import history"
// from the admin, its progress while the worker runs it, the result, and a failure explained in English and German.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { signSessionToken } from "~/.server/demo/session-token";
import { runHistoryImports } from "~/.server/history-import/job";
import type { DataImportView } from "~/.server/history-import/view";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { sessionStorage } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { bulkCustomerNode, bulkOrderNode } from "../../simulator/shopify-admin-bulk";
import { TEST_SHOP } from "../helpers/shopify";
import { secretsKey } from "../helpers/session-key";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const SHOP = TEST_SHOP;
const DAY = 86_400_000;

function authed(path: string, init: RequestInit = {}): Request {
  const token = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 Chrome/156.0", ...init.headers } });
}

async function card(query = ""): Promise<DataImportView> {
  const response = await callRoute(authed(`/app/data-import${query}`), { file: routeFile("app.data-import.tsx") });
  expect(response.status).toBe(200);
  return (await response.json()) as DataImportView;
}

async function start(): Promise<DataImportView> {
  const response = await callRoute(authed("/app/data-import", { method: "POST", body: new URLSearchParams({ intent: "start" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } }), { file: routeFile("app.data-import.tsx") });
  expect(response.status).toBe(200);
  return (await response.json()) as DataImportView;
}

const sim = createShopifyAdminSimulator({ bulk: { pollsUntilComplete: 1 } });
const worker = () => runHistoryImports({ db, clock: systemClock, adminGraphql: createAdminGraphql({ fetch: sim.fetch }), secretsKey, download: sim.fetch, policy: { pollMs: 0 } });

beforeAll(async () => {
  await ensureDemoSession(sessionStorage, SHOP, process.env.SCOPES!);
});
beforeEach(async () => {
  for (const table of ["importJob", "order", "customer", "shop"] as const) await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
});

describe("the Data import card", () => {
  it("offers the import, shows its progress while it runs, and the result", async () => {
    expect(await card("?locale=en")).toMatchObject({ state: "none", status: "No import has run yet.", progress: 0 });
    const now = Date.now();
    sim.bulk.seed(SHOP, {
      orders: Array.from({ length: 6 }, (_, i) => bulkOrderNode({ id: 840_000 + i, createdAt: new Date(now - (i + 1) * 10 * DAY).toISOString(), phone: "+49 151 12340000" })),
      customers: [bulkCustomerNode({ id: 77, updatedAt: new Date(now - DAY).toISOString(), firstName: "Mia" })],
    });

    const started = await start();
    expect(started).toMatchObject({ state: "running", progress: 0, status: "Waiting for the worker to start the import." });
    // A second press while it runs starts nothing new.
    await start();
    expect(await db.importJob.count()).toBe(1);

    await worker(); // bulk query started
    expect((await card()).status).toMatch(/^Shopify is collecting your orders \(\d+ so far\)\.$/);
    await worker(); // still running
    await worker(); // completed: the file is ready
    await worker(); // read: the orders are in, the customers query is next
    const halfway = await card("?locale=de");
    expect(halfway.state).toBe("running");
    expect(halfway.progress).toBe(50);
    expect(halfway.summary).toBe("Bisher importiert – Bestellungen: 6, Kunden: 0.");
    for (let i = 0; i < 4; i++) await worker();
    const done = await card("?locale=en");
    expect(done).toMatchObject({ state: "done", progress: 100, summary: "Imported – orders: 6, customers: 1.", error: null });
    // The demo session has the app's scopes, without read_all_orders: the 60-day limit is said.
    expect(done.limited).toMatch(/last 60 days/);
    expect(done.finishedAt).toMatch(/^Finished /);
  });

  it("explains a failed import with Shopify's errorCode and what to do, in English and German", async () => {
    sim.bulk.seed(SHOP, { orders: [], customers: [] });
    sim.bulk.failNextBulk("TIMEOUT");
    await start();
    for (let i = 0; i < 3; i++) await worker();
    const en = await card("?locale=en");
    expect(en.state).toBe("failed");
    expect(en.error).toMatchObject({ code: "TIMEOUT", text: "Shopify's export took too long and was stopped." });
    expect(en.error?.details).toBe("Shopify's answer: Shopify's bulk query timed out");
    const de = await card("?locale=de");
    expect(de.error).toMatchObject({ code: "TIMEOUT", text: "Der Export bei Shopify hat zu lange gedauert und wurde beendet." });
    expect(de.strings.restart).toBe("Erneut importieren");
  });

  it("explains ACCESS_DENIED and a missing read_orders scope", async () => {
    sim.bulk.seed(SHOP, { orders: [], customers: [] });
    sim.setScopes(SHOP, ["read_customers"]);
    await start();
    for (let i = 0; i < 3; i++) await worker();
    expect((await card("?locale=en")).error).toMatchObject({ code: "ACCESS_DENIED", text: "Shopify denied access to your orders or customers." });
    sim.setScopes(SHOP, process.env.SCOPES!.split(","));

    await ensureDemoSession(sessionStorage, SHOP, "read_customers,write_customers");
    try {
      await start();
      await worker();
      const de = await card("?locale=de");
      expect(de.error).toMatchObject({ code: "MISSING_SCOPE", text: "Momento hat keine Berechtigung, diese Daten zu lesen (read_orders).", details: null });
      expect(de.error?.action).toMatch(/Berechtigungen/);
    } finally {
      await ensureDemoSession(sessionStorage, SHOP, process.env.SCOPES!);
    }
  });

  it("refuses an unknown intent with a reason", async () => {
    const response = await callRoute(authed("/app/data-import", { method: "POST", body: new URLSearchParams({ intent: "drop" }), headers: { "Content-Type": "application/x-www-form-urlencoded" } }), { file: routeFile("app.data-import.tsx") });
    expect(response.status).toBe(400);
    expect(await db.importJob.count()).toBe(0);
  });
});
