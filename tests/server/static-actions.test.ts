// The production server's fast path (server/static-actions.js, decision 013): POSTs to the webhook routes reach
// the route's own action without Remix's route matching; everything else is passed on to Remix untouched.
import express from "express";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleShopifyInbox } from "~/webhooks.server";
import * as ordersCreate from "~/routes/webhooks.orders.create";
import { db } from "~/shopify.server";
import { staticActionHandler, staticActionPaths } from "../../server/static-actions.js";
import { shopifyWebhookRequest } from "../../simulator/shopify-webhooks";
import { germanOrder, nextWebhookId, TEST_SHOP } from "../helpers/shopify";

const action = () => new Response("ok");
const failing = () => {
  throw new Error("boom: a detail that must not reach the client");
};

describe("staticActionPaths", () => {
  it.each([
    ["a resource route under the root with a fixed path", { path: "webhooks/orders/create", parentId: "root", module: { action } }, ["/webhooks/orders/create"]],
    ["a route with a parameter", { path: "r/:id", parentId: "root", module: { action } }, []],
    ["a splat", { path: "auth/*", parentId: "root", module: { action } }, []],
    ["a route with a component (a page: Remix renders it)", { path: "app/settings", parentId: "root", module: { action, default: () => null } }, []],
    ["a nested route (its URL depends on its parents)", { path: "settings", parentId: "routes/app", module: { action } }, []],
    ["a loader-only route", { path: "app/messages.csv", parentId: "root", module: { loader: action } }, []],
    ["an index route (no path)", { index: true, parentId: "root", module: { action } }, []],
  ] as [string, object, string[]][])("%s", (_name, route, paths) => {
    expect([...staticActionPaths({ "routes/x": route as Parameters<typeof staticActionPaths>[0][string] }).keys()]).toEqual(paths);
  });
});

describe("staticActionHandler in front of Remix", () => {
  const reported: unknown[] = [];
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use(
      staticActionHandler(
        {
          "routes/webhooks.orders.create": { path: "webhooks/orders/create", parentId: "root", module: ordersCreate },
          "routes/broken": { path: "broken", parentId: "root", module: { action: failing } },
        },
        (error) => reported.push(error),
      ),
    );
    // Stands in for Remix, which reads the body of what it is given.
    app.all("*", async (req, res) => {
      for await (const _chunk of req);
      res.status(418).send(`remix: ${req.method} ${req.originalUrl}`);
    });
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    for (const table of ["messageEvent", "message", "webhookEvent", "order", "customer", "shop"] as const) {
      await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
    }
  });

  // Each delivery on a connection of its own: after a 413 the server closes the connection it did not read to the end.
  const post = async (payload: unknown, options: { hmac?: string; path?: string } = {}) => {
    const request = shopifyWebhookRequest(base, process.env.SHOPIFY_API_SECRET!, { topic: "orders/create", shop: TEST_SHOP, webhookId: nextWebhookId(), payload }, options);
    const body = Buffer.from(await request.text());
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const sent = httpRequest(request.url, { method: "POST", agent: false, headers: { ...Object.fromEntries(request.headers), "content-length": String(body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
      });
      sent.on("error", reject);
      sent.end(body);
    });
  };

  it("a signed delivery reaches the route's action: stored, answered 200, then projected", async () => {
    const response = await post(germanOrder());
    expect(response.status).toBe(200);
    await settleShopifyInbox();
    expect(await db.webhookEvent.count({ where: { processedAt: { not: null } } })).toBe(1);
    expect(await db.order.count()).toBe(1);
  });

  it("the route's own answers to bad input come back as they are: 401 for a wrong HMAC, 413 over 1 MB, 400 for broken JSON", async () => {
    const wrong = await post(germanOrder(), { hmac: "d3Jvbmc=" });
    expect([wrong.status, wrong.text]).toEqual([401, "Invalid HMAC"]);
    expect((await post({ padding: "x".repeat(1024 * 1024) })).status).toBe(413);
    expect((await post("{not json")).status).toBe(400);
    expect(await db.webhookEvent.count()).toBe(0);
  });

  it("passes everything else on to Remix: other methods, other paths, a trailing slash", async () => {
    const get = await fetch(`${base}/webhooks/orders/create`);
    expect([get.status, await get.text()]).toEqual([418, "remix: GET /webhooks/orders/create"]);
    const slash = await post(germanOrder(), { path: "/webhooks/orders/create/" });
    expect([slash.status, slash.text]).toEqual([418, "remix: POST /webhooks/orders/create/"]);
    expect((await fetch(`${base}/app/settings`, { method: "POST" })).status).toBe(418);
    expect(await db.webhookEvent.count()).toBe(0);
  });

  it("an action that throws is reported and answered 500 without its details", async () => {
    const response = await fetch(`${base}/broken`, { method: "POST", body: "{}" });
    expect([response.status, await response.text()]).toEqual([500, "Unexpected Server Error"]);
    expect(reported).toEqual([expect.objectContaining({ message: expect.stringMatching(/^boom/) })]);
  });
});
