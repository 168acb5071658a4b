// Demo mode can never be reached in production: the env refuses it off loopback, and with DEMO_MODE
// off the demo routes answer 404. Also: the demo's session tokens are what `authenticate.admin` accepts.
import { createHmac } from "node:crypto";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseEnv } from "~/env.server";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { shopifyApi } from "@shopify/shopify-api";
import { apiVersion, authenticate, sessionStorage } from "~/shopify.server";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { adminHostParam, DEMO_SHOP, sessionTokenClaims, signSessionToken } from "~/.server/demo/session-token";
import { callRoute } from "../simulator/in-process-app";

const APP_URL = process.env.SHOPIFY_APP_URL!;
const API_KEY = process.env.SHOPIFY_API_KEY!;
const API_SECRET = process.env.SHOPIFY_API_SECRET!;
const standInRoute = path.resolve(import.meta.dirname, "../app/routes/demo.app-bridge[.]js.tsx");
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

// The library's own JWT and host checks, outside the Remix layer.
const api = shopifyApi({ apiKey: API_KEY, apiSecretKey: API_SECRET, hostName: new URL(APP_URL).host, apiVersion, isEmbeddedApp: true, logger: { level: 0 } });

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("demo routes with DEMO_MODE off", () => {
  it("the test environment really has it off", () => {
    expect(process.env.DEMO_MODE).toBe("0");
  });

  it("GET /demo answers 404 and stores no session", async () => {
    const response = await callRoute(new Request(`${APP_URL}/demo`, { headers: { "User-Agent": BROWSER_UA } }));
    expect(response.status).toBe(404);
    expect(await sessionStorage.findSessionsByShop(DEMO_SHOP)).toEqual([]);
  });

  it("GET /demo/app-bridge.js answers 404, with or without ?token", async () => {
    for (const url of [`${APP_URL}/demo/app-bridge.js`, `${APP_URL}/demo/app-bridge.js?token`]) {
      const response = await callRoute(new Request(url), { file: standInRoute });
      expect(response.status).toBe(404);
      expect(await response.text()).not.toMatch(/shopify|eyJ/);
    }
  });

  it("the environment refuses DEMO_MODE unless the app URL is loopback", () => {
    const base = { ...process.env, DEMO_MODE: "1" };
    for (const url of ["https://momento.example.com", "http://10.0.0.5:3000", "http://localhost.example.com"]) {
      expect(() => parseEnv({ ...base, SHOPIFY_APP_URL: url })).toThrow(/DEMO_MODE is only allowed/);
    }
    expect(parseEnv({ ...base, SHOPIFY_APP_URL: "http://127.0.0.1:3000" }).DEMO_MODE).toBe(true);
  });
});

describe("demo session tokens", () => {
  it("carry Shopify's claims for the shop and a one-hour lifetime", () => {
    const now = new Date("2026-03-02T09:00:00Z");
    const claims = sessionTokenClaims({ shop: DEMO_SHOP, apiKey: API_KEY, now });
    const iat = now.getTime() / 1000;
    expect(claims).toMatchObject({
      iss: `https://${DEMO_SHOP}/admin`,
      dest: `https://${DEMO_SHOP}`,
      aud: API_KEY,
      iat,
      nbf: iat,
      exp: iat + 3600,
    });
    expect(claims.sub).toMatch(/^\d+$/);
    expect(claims.jti).not.toBe(sessionTokenClaims({ shop: DEMO_SHOP, apiKey: API_KEY, now }).jti);
    expect(claims.sid).toEqual(expect.any(String));
  });

  it("are HS256 JWTs whose signature verifies with the API secret", async () => {
    const token = signSessionToken({ shop: DEMO_SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const [header, payload, signature] = token.split(".");
    expect(decodePart(header)).toEqual({ alg: "HS256", typ: "JWT" });
    expect(decodePart(payload)).toMatchObject({ dest: `https://${DEMO_SHOP}`, aud: API_KEY });
    expect(signature).toBe(createHmac("sha256", API_SECRET).update(`${header}.${payload}`).digest("base64url"));
    expect(signature).not.toBe(createHmac("sha256", "another-secret").update(`${header}.${payload}`).digest("base64url"));

    // The library's own verification (jose) accepts it, and rejects one signed with another secret.
    await expect(api.session.decodeSessionToken(token)).resolves.toMatchObject({ dest: `https://${DEMO_SHOP}` });
    const forged = signSessionToken({ shop: DEMO_SHOP, apiKey: API_KEY, apiSecret: "another-secret" });
    await expect(api.session.decodeSessionToken(forged)).rejects.toThrow();
  });

  it("pass authenticate.admin as a Bearer request for the seeded demo session", async () => {
    await ensureDemoSession(sessionStorage, DEMO_SHOP, process.env.SCOPES!);
    const token = signSessionToken({ shop: DEMO_SHOP, apiKey: API_KEY, apiSecret: API_SECRET });
    const request = new Request(`${APP_URL}/app?shop=${DEMO_SHOP}&host=${adminHostParam(DEMO_SHOP)}`, {
      headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA },
    });
    const { session } = await authenticate.admin(request);
    expect(session).toMatchObject({ id: `offline_${DEMO_SHOP}`, shop: DEMO_SHOP, isOnline: false });
  });

  it("are refused by authenticate.admin when signed with another secret", async () => {
    await ensureDemoSession(sessionStorage, DEMO_SHOP, process.env.SCOPES!);
    const forged = signSessionToken({ shop: DEMO_SHOP, apiKey: API_KEY, apiSecret: "another-secret" });
    const request = new Request(`${APP_URL}/app`, { headers: { Authorization: `Bearer ${forged}`, "User-Agent": BROWSER_UA } });
    const outcome = await authenticate.admin(request).then(
      () => "accepted",
      (thrown: unknown) => (thrown instanceof Response ? thrown.status : thrown),
    );
    expect(outcome).toBe(401);
  });

  it("give a host parameter the library accepts", () => {
    const host = adminHostParam(DEMO_SHOP);
    expect(Buffer.from(host, "base64").toString()).toBe("admin.shopify.com/store/momento-demo");
    expect(api.utils.sanitizeHost(host)).toBe(host);
  });
});

describe("demo routes with DEMO_MODE on (loopback app URL)", () => {
  type Loader = (args: LoaderFunctionArgs) => Promise<unknown>;
  const call = async (loader: Loader, url: string): Promise<Response> => {
    try {
      const result = await loader({ request: new Request(url, { headers: { "User-Agent": BROWSER_UA } }), params: {}, context: {} });
      return result instanceof Response ? result : Response.json(result);
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };
  let demo: Loader;
  let standIn: Loader;
  let appLayout: Loader;

  beforeAll(async () => {
    process.env.DEMO_MODE = "1";
    vi.resetModules(); // the env is parsed once per module graph
    demo = (await import("~/routes/demo")).loader;
    standIn = (await import("~/routes/demo.app-bridge[.]js")).loader;
    appLayout = (await import("~/routes/app")).loader;
  });
  afterAll(() => {
    process.env.DEMO_MODE = "0";
    vi.resetModules();
  });

  it("GET /demo seeds the offline session and redirects into the embedded app with a valid token", async () => {
    const response = await call(demo, `${APP_URL}/demo`);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("Location")!, APP_URL);
    expect(location.pathname).toBe("/app");
    expect(Object.fromEntries([...location.searchParams].filter(([k]) => k !== "id_token"))).toEqual({
      embedded: "1",
      shop: DEMO_SHOP,
      host: adminHostParam(DEMO_SHOP),
    });
    await expect(api.session.decodeSessionToken(location.searchParams.get("id_token")!)).resolves.toMatchObject({ dest: `https://${DEMO_SHOP}` });
    const stored = await sessionStorage.loadSession(`offline_${DEMO_SHOP}`);
    expect(stored).toMatchObject({ shop: DEMO_SHOP, isOnline: false, expires: undefined });

    // The page it redirects to authenticates. A shop with no history yet opens Setup first (the layout's
    // first-open rule), whose layout asks for the local App Bridge stand-in.
    const first = await call(appLayout, location.href);
    expect(first.status).toBe(302);
    const setup = new URL(first.headers.get("Location")!, APP_URL);
    expect(setup.pathname).toBe("/app/onboarding");
    expect(setup.search).toBe(location.search);
    const page = await call(appLayout, setup.href);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ apiKey: API_KEY, appBridgeUrl: "/demo/app-bridge.js" });
  });

  it("GET /demo/app-bridge.js defines window.shopify and adds the token to same-origin fetches only", async () => {
    const response = await call(standIn, `${APP_URL}/demo/app-bridge.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    const script = await response.text();

    const seen: { url: string; authorization: string | null }[] = [];
    const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), authorization: new Headers(init?.headers).get("Authorization") });
      return new Response("ok");
    };
    class FakeSheet {
      replaceSync() {}
    }
    const window: Record<string, unknown> = { fetch: fakeFetch, location: new URL(`${APP_URL}/app`) };
    const document = { adoptedStyleSheets: [], documentElement: { style: {} }, body: { appendChild() {} } };
    vm.runInNewContext(script, { window, document, CSSStyleSheet: FakeSheet, Headers, URL, Request, Response, JSON, Promise, Date, atob, setTimeout });

    const shopify = window.shopify as { config: object; idToken(): Promise<string>; toast: { show: unknown }; loading: unknown };
    expect(shopify.config).toEqual({ apiKey: API_KEY, shop: DEMO_SHOP, host: adminHostParam(DEMO_SHOP), locale: "en" });
    expect(typeof shopify.toast.show).toBe("function");
    expect(typeof shopify.loading).toBe("function");
    const token = await shopify.idToken();
    await expect(api.session.decodeSessionToken(token)).resolves.toMatchObject({ aud: API_KEY });

    const patched = window.fetch as typeof fakeFetch;
    await patched("/app/settings.data");
    await patched("https://graph.facebook.com/v24.0/me");
    expect(seen).toEqual([
      { url: "/app/settings.data", authorization: `Bearer ${token}` },
      { url: "https://graph.facebook.com/v24.0/me", authorization: null },
    ]);
  });

  it("GET /demo/app-bridge.js?token gives a fresh token as plain text", async () => {
    const response = await call(standIn, `${APP_URL}/demo/app-bridge.js?token`);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    await expect(api.session.decodeSessionToken(await response.text())).resolves.toMatchObject({ dest: `https://${DEMO_SHOP}` });
  });
});
