// Bad input at the HTTP edge: bodies over 1 MB are refused with 413 on every webhook route and the opt-in API (before
// the signature is checked), and every route of the app answers malformed requests with a 4xx (or a redirect to
// the login), never a 500.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "~/shopify.server";
import { MAX_BODY_BYTES } from "~/.server/http/body-limit";
import { signWhatsAppBody } from "~/.server/whatsapp/signature";
import { shopifyWebhookRequest } from "../../simulator/shopify-webhooks";
import { callRoute, routeFile } from "../../simulator/in-process-app";

afterAll(async () => {
  // Nothing of the refused requests reached the database.
  expect(await db.webhookEvent.count()).toBe(0);
  expect(await db.message.count()).toBe(0);
});

const routesDir = path.resolve(import.meta.dirname, "../../app/routes");
const routeFiles = readdirSync(routesDir).filter((f) => f.endsWith(".tsx")).sort();
const webhookRoutes = routeFiles.filter((f) => f.startsWith("webhooks.") && f !== "webhooks.whatsapp.tsx");
const APP = process.env.SHOPIFY_APP_URL!;

/** A JSON body just over the limit, as a string. */
const oversized = JSON.stringify({ padding: "x".repeat(MAX_BODY_BYTES) });

/** A body that arrives in chunks without a Content-Length, as a chunked upload would. */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

function topicOf(file: string): string {
  return file.replace(/^webhooks\./, "").replace(/\.tsx$/, "").replace(".", "/");
}

describe("bodies over 1 MB", () => {
  it.each(webhookRoutes)("%s answers 413, correctly signed or not, with or without Content-Length", async (file) => {
    const signed = shopifyWebhookRequest(APP, process.env.SHOPIFY_API_SECRET!, { topic: topicOf(file), payload: { padding: "x".repeat(MAX_BODY_BYTES) }, shop: "big.myshopify.com", webhookId: `big-${file}` });
    expect((await callRoute(signed, { file: routeFile(file) })).status).toBe(413);
    const chunked = new Request(new URL(`/${file.replace(/\.tsx$/, "").split(".").join("/")}`, APP), {
      method: "POST", headers: { "Content-Type": "application/json", "X-Shopify-Topic": topicOf(file), "X-Shopify-Hmac-Sha256": "AAAA" }, body: streamed(oversized), duplex: "half",
    } as RequestInit);
    expect((await callRoute(chunked, { file: routeFile(file) })).status).toBe(413);
  });

  it("the WhatsApp webhook answers 413 even with a valid signature", async () => {
    const request = new Request(new URL("/webhooks/whatsapp", APP), {
      method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signWhatsAppBody(oversized, process.env.WHATSAPP_APP_SECRET!) }, body: oversized,
    });
    expect((await callRoute(request)).status).toBe(413);
    const chunked = new Request(new URL("/webhooks/whatsapp", APP), { method: "POST", headers: { "Content-Type": "application/json" }, body: streamed(oversized), duplex: "half" } as RequestInit);
    expect((await callRoute(chunked)).status).toBe(413);
  });

  it("the checkout opt-in API answers 413 with the CORS header, before looking at the session token", async () => {
    const request = new Request(new URL("/api/checkout/opt-in", APP), {
      method: "POST", headers: { "Content-Type": "application/json", Origin: "https://extensions.shopifycdn.com", Authorization: "Bearer x" }, body: oversized,
    });
    const response = await callRoute(request);
    expect(response.status).toBe(413);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("a body just under the limit is still read (and then refused for its signature)", async () => {
    const body = JSON.stringify({ padding: "x".repeat(MAX_BODY_BYTES - 100) });
    const request = new Request(new URL("/webhooks/whatsapp", APP), { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00" }, body });
    expect((await callRoute(request)).status).toBe(401);
  });
});

const malformed: { name: string; init: () => RequestInit }[] = [
  { name: "no body", init: () => ({ method: "POST" }) },
  { name: "broken JSON", init: () => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: "{\"a\": [1, 2" }) },
  { name: "a JSON array", init: () => ({ method: "POST", headers: { "Content-Type": "application/json" }, body: "[1,2,3]" }) },
  { name: "binary garbage", init: () => ({ method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: new Uint8Array([0, 255, 1, 254, 0xc3, 0x28]) }) },
  { name: "a form with odd fields", init: () => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "intent=%00&phone=%E2%80%AE&&=" }) },
  { name: "forged signature headers", init: () => ({ method: "POST", headers: { "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": "bm90IGEgc2lnbmF0dXJl", "X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "evil.myshopify.com", "X-Hub-Signature-256": "sha256=zz", Authorization: "Bearer not.a.jwt" }, body: "{}" }) },
];

const queries = ["", "?shop=%00", "?shop=evil.example.com&host=!!&hub.mode=subscribe&hub.verify_token=nope", "?page=-1&status=%FF&q=" + "a".repeat(5_000)];
const label = (query: string) => (query ? query.slice(0, 40) : "(no query)");

function routeUrl(file: string): string {
  const name = file.replace(/\.tsx$/, "");
  if (name === "_index") return "/";
  return `/${name.replace(/\[\.\]/g, "§").replace(/\$\w+/g, "not-an-id").replace(/\$$/, "x").split(".").join("/").replace(/§/g, ".")}`;
}

describe("every route, malformed requests", () => {
  it.each(routeFiles)("%s: 4xx or a redirect to log in, never a 500", async (file) => {
    const params = { id: "not-an-id", "*": "x" };
    const answers: string[] = [];
    for (const query of queries) {
      const get = await callRoute(new Request(new URL(routeUrl(file) + query, APP)), { file: routeFile(file), params }).catch((error: unknown) => error);
      answers.push(`GET ${label(query)}: ${get instanceof Response ? get.status : `threw ${String(get)}`}`);
      for (const request of malformed) {
        const post = await callRoute(new Request(new URL(routeUrl(file) + query, APP), request.init()), { file: routeFile(file), params }).catch((error: unknown) => error);
        answers.push(`POST ${request.name} ${label(query)}: ${post instanceof Response ? post.status : `threw ${String(post)}`}`);
      }
    }
    const bad = answers.filter((a) => !/: (2\d\d|3\d\d|4\d\d)$/.test(a) || /: 5\d\d$/.test(a));
    expect(bad).toEqual([]);
    // Webhooks and the opt-in API never accept a malformed POST.
    if (file.startsWith("webhooks.") || file.startsWith("api.")) {
      expect(answers.filter((a) => a.startsWith("POST") && !/: 4\d\d$/.test(a))).toEqual([]);
    }
  });
});

describe("admin pages, signed in, malformed POSTs", () => {
  const adminPages = routeFiles.filter((f) => f.startsWith("app.") && f !== "app.tsx");
  it.each(adminPages)("%s: never a 500", async (file) => {
    const { ensureDemoSession } = await import("~/.server/demo/demo-session");
    const { signSessionToken } = await import("~/.server/demo/session-token");
    const { sessionStorage } = await import("~/shopify.server");
    const shop = "bad-input.myshopify.com";
    await ensureDemoSession(sessionStorage, shop, process.env.SCOPES!);
    const token = signSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
    const answers: string[] = [];
    for (const request of malformed.filter((m) => m.name !== "forged signature headers")) {
      const init = request.init();
      const headers = { ...(init.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 Chrome/156.0" };
      const answer = await callRoute(new Request(new URL(routeUrl(file), APP), { ...init, headers }), { file: routeFile(file), params: { id: "not-an-id" } }).catch((error: unknown) => error);
      answers.push(`POST ${request.name}: ${answer instanceof Response ? answer.status : `threw ${String(answer)}`}`);
    }
    expect(answers.filter((a) => !/: [234]\d\d$/.test(a))).toEqual([]);
  });
});
