// The simulator's phone view and the demo's live shoppers: the page is served, its script is plain
// browser JavaScript, and the shoppers' orders carry the checkout's opt-in marker the app acts on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "~/.server/clock";
import { OPT_IN_ATTRIBUTE, orderPayload } from "~/.server/ingest/shopify-payloads";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import { createCloudApiSimulator } from "../../simulator/cloud-api";
import { serveSimulator, type SimulatorServer } from "../../simulator/http";
import { LIVE_SHOPPERS, orderFor } from "../../scripts/lib/demo-live";
import { deliverShopifyWebhook, TEST_SHOP } from "../helpers/shopify";
import { createDb } from "~/.server/db";

const db = createDb(process.env.DATABASE_URL!);
let server: SimulatorServer;

beforeAll(async () => {
  const sim = createCloudApiSimulator({ clock: systemClock, appSecret: "s", accessToken: "t", phoneNumberId: "1", templates: suggestedTemplates("https://momento.example.com"), deliverWebhook: async () => undefined });
  server = await serveSimulator(sim, { port: 0 });
});
afterAll(async () => {
  await server.close();
  await db.$disconnect();
});

describe("the phone view", () => {
  it("is a page of its own with a script that parses as plain browser JavaScript", async () => {
    const response = await fetch(`${server.url}/_sim/phone`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("<h1>Shoppers' phones</h1>");
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
    expect(() => new Function(script)).not.toThrow();
    expect(script).toContain("/_sim/tap");
    expect(script).toContain("/_sim/reply");
    // Texts are set as text, never parsed as HTML.
    expect(script).not.toMatch(/innerHTML|insertAdjacentHTML|document\.write/);
  });
});

describe("the demo's live shoppers", () => {
  it("order with the WhatsApp box ticked, so the app records their opt-in requests", async () => {
    const now = new Date("2026-03-02T10:00:00Z");
    for (const [i, shopper] of LIVE_SHOPPERS.entries()) {
      const payload = orderFor(shopper, i, TEST_SHOP, now);
      const parsed = orderPayload.safeParse(payload);
      expect(parsed.success).toBe(true);
      expect(parsed.data?.note_attributes[OPT_IN_ATTRIBUTE]).toBe("1");
      expect((await deliverShopifyWebhook({ topic: "orders/create", payload })).status).toBe(200);
    }
    const consents = await db.consent.findMany({ where: { shop: TEST_SHOP }, orderBy: { phone: "asc" } });
    expect(consents.map((c) => [c.phone, c.state])).toEqual(LIVE_SHOPPERS.map((s) => [s.phone, "REQUESTED"]).sort());
    const planned = await db.message.findMany({ where: { shop: TEST_SHOP }, select: { flow: true } });
    expect(planned.filter((m) => m.flow === "opt_in_confirmation")).toHaveLength(LIVE_SHOPPERS.length);
    expect(planned.filter((m) => m.flow === "order_confirmation")).toHaveLength(LIVE_SHOPPERS.length);
  });
});
