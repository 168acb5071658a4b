// POST /api/checkout/opt-in through the real route, authenticated like Shopify's checkout does it: an HS256
// session token signed with the app secret (aud = API key, dest = https://<shop>).
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { signJwtHs256 } from "~/.server/demo/session-token";
import { shopFromSessionTokenDest, wordingVersionMatches } from "~/.server/consent/opt-in-api";
import { callRoute } from "../../simulator/in-process-app";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const SHOP = "momento-optin.myshopify.com";
const URL_ = `${process.env.SHOPIFY_APP_URL}/api/checkout/opt-in`;
const CHECKOUT_ORIGIN = "https://extensions.shopifycdn.com";
const WORDING = "Send me order updates and offers from Momento Test on WhatsApp\nWe'll send you one WhatsApp message to confirm. You can unsubscribe any time by replying STOP.";
const WORDING_VERSION = `sha256:${createHash("sha256").update(WORDING).digest("hex")}`;

beforeEach(async () => {
  for (const table of ["shopifySync", "consentEvent", "consent", "messageEvent", "message", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

function checkoutToken(claims: Record<string, unknown> = {}, secret = process.env.SHOPIFY_API_SECRET!): string {
  const iat = Math.floor(Date.now() / 1000);
  return signJwtHs256({ dest: `https://${SHOP}`, aud: process.env.SHOPIFY_API_KEY, exp: iat + 300, nbf: iat, iat, jti: randomUUID(), ...claims }, secret);
}

function optInRequest(body: unknown, options: { token?: string | null; method?: string; raw?: string } = {}): Request {
  const headers: Record<string, string> = { "Content-Type": "application/json", Origin: CHECKOUT_ORIGIN };
  const token = options.token === undefined ? checkoutToken() : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Request(URL_, { method: options.method ?? "POST", headers, body: options.method === "OPTIONS" ? undefined : (options.raw ?? JSON.stringify(body)) });
}

const optIn = (overrides: Record<string, unknown> = {}) => ({
  optIn: true,
  phone: "+49 151 12345678",
  locale: "de",
  wording: WORDING,
  wordingVersion: WORDING_VERSION,
  checkoutToken: "ck-123",
  ...overrides,
});

async function consentLog() {
  const consents = await db.consent.findMany({ include: { events: { orderBy: { id: "asc" } } } });
  return consents.map((c) => ({ phone: c.phone, state: c.state, customerId: c.customerId, events: c.events.map((e) => ({ from: e.fromState, to: e.toState, source: e.source, evidence: JSON.parse(e.evidence) })) }));
}

describe("a valid checkout session token", () => {
  it("records REQUESTED with the evidence: wording and its version, checkout token, locale, time, session token id", async () => {
    const response = await callRoute(optInRequest(optIn()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, state: "REQUESTED" });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");

    const [consent] = await consentLog();
    expect(consent).toMatchObject({ phone: "+4915112345678", state: "REQUESTED" });
    expect(consent.events).toHaveLength(1);
    expect(consent.events[0]).toMatchObject({ from: "NONE", to: "REQUESTED", source: "checkout" });
    expect(consent.events[0].evidence).toMatchObject({
      checkoutToken: "ck-123",
      locale: "de",
      wording: WORDING,
      wordingVersion: WORDING_VERSION,
      wordingVersionMatchesText: true,
      channel: "checkout_extension",
      phoneAsTyped: "+49 151 12345678",
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      sessionTokenId: expect.any(String),
    });
    // The double opt-in request the lifecycle plans is in the outbox, written in the same transaction.
    const messages = await db.message.findMany();
    expect(messages.map((m) => [m.flow, m.to, m.status])).toEqual([["opt_in_confirmation", "+4915112345678", "SCHEDULED"]]);
  });

  it("reads a national number with the shop's country", async () => {
    await db.shop.create({ data: { domain: SHOP, country: "AT" } });
    const response = await callRoute(optInRequest(optIn({ phone: "0664 1234567" })));
    expect(response.status).toBe(200);
    expect((await consentLog())[0].phone).toBe("+436641234567");
  });

  it("keeps the logged-in customer from the token's sub", async () => {
    const response = await callRoute(optInRequest(optIn(), { token: checkoutToken({ sub: "gid://shopify/Customer/7654321" }) }));
    expect(response.status).toBe(200);
    expect(await consentLog()).toMatchObject([{ customerId: "7654321", events: [{ evidence: { customerGid: "gid://shopify/Customer/7654321" } }] }]);
  });

  it("is idempotent: the same opt-in twice is one REQUESTED event", async () => {
    expect((await callRoute(optInRequest(optIn()))).status).toBe(200);
    const again = await callRoute(optInRequest(optIn()));
    expect(await again.json()).toEqual({ ok: true, state: "REQUESTED" });
    expect((await consentLog())[0].events).toHaveLength(1);
  });

  it("unticking withdraws: REVOKED with source checkout", async () => {
    await callRoute(optInRequest(optIn()));
    const response = await callRoute(optInRequest(optIn({ optIn: false })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, state: "REVOKED" });
    const [consent] = await consentLog();
    expect(consent.state).toBe("REVOKED");
    expect(consent.events.map((e) => [e.from, e.to, e.source])).toEqual([
      ["NONE", "REQUESTED", "checkout"],
      ["REQUESTED", "REVOKED", "checkout"],
    ]);
    expect(consent.events[1].evidence).toMatchObject({ checkoutToken: "ck-123", channel: "checkout_extension" });
  });

  it("a withdrawal that arrives alone (the opt-in call was lost) still records REVOKED", async () => {
    const response = await callRoute(optInRequest({ optIn: false, phone: "+4915112345678", locale: "de", checkoutToken: "ck-9" }));
    expect(await response.json()).toEqual({ ok: true, state: "REVOKED" });
  });
});

describe("bad input stores nothing", () => {
  it.each([
    ["a number too short to be one", optIn({ phone: "12" }), /"12" is not a valid phone number \(read with the shop's country DE\); nothing was stored/],
    ["a number in no numbering plan", optIn({ phone: "+1 123 4567" }), /not a valid phone number/],
    ["an unknown country code", optIn({ phone: "+999 1234567" }), /not a valid phone number/],
    ["letters", optIn({ phone: "call me" }), /not a valid phone number/],
    ["no number", optIn({ phone: "" }), /phone: the WhatsApp number is missing/],
    ["an opt-in without its wording", optIn({ wording: null }), /wording: an opt-in needs the wording/],
    ["an opt-in without the wording version", optIn({ wordingVersion: undefined }), /wordingVersion: an opt-in needs the version/],
    ["optIn not a boolean", optIn({ optIn: "yes" }), /optIn/],
  ])("%s → 400 with a reason", async (_name, body, reason) => {
    const response = await callRoute(optInRequest(body));
    expect(response.status).toBe(400);
    const json = await response.json();
    expect(json.ok).toBe(false);
    expect(json.error).toMatch(reason);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await db.consent.count()).toBe(0);
    expect(await db.consentEvent.count()).toBe(0);
    expect(await db.message.count()).toBe(0);
  });

  it("a body that is not JSON → 400", async () => {
    const response = await callRoute(optInRequest(null, { raw: "{not json" }));
    expect(response.status).toBe(400);
    expect(await db.consent.count()).toBe(0);
  });
});

describe("authentication", () => {
  it.each([
    ["no token", null],
    ["a token signed with another secret", checkoutToken({}, "not-the-app-secret")],
    ["an expired token", checkoutToken({ exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 7200, iat: Math.floor(Date.now() / 1000) - 7200 })],
    ["garbage", "not.a.jwt"],
  ])("%s → 401 and nothing stored", async (_name, token) => {
    const response = await callRoute(optInRequest(optIn(), { token }));
    expect(response.status).toBe(401);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await db.consent.count()).toBe(0);
  });
});

describe("CORS", () => {
  it("answers the OPTIONS preflight with the CORS headers and no body", async () => {
    const response = await callRoute(optInRequest(undefined, { method: "OPTIONS", token: null }));
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/);
    expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/Content-Type/);
    expect(response.headers.get("Access-Control-Max-Age")).toBe("7200");
  });

  it("GET is not part of the API", async () => {
    const response = await callRoute(new Request(URL_, { headers: { Origin: CHECKOUT_ORIGIN } }));
    expect(response.status).toBe(405);
  });
});

describe("helpers", () => {
  it("reads the shop from the token's dest", () => {
    expect(shopFromSessionTokenDest("https://a-shop.myshopify.com")).toBe("a-shop.myshopify.com");
    expect(shopFromSessionTokenDest("a-shop.myshopify.com")).toBe("a-shop.myshopify.com");
    expect(shopFromSessionTokenDest("")).toBeNull();
    expect(shopFromSessionTokenDest(undefined)).toBeNull();
  });

  it("checks the wording version against the text", () => {
    expect(wordingVersionMatches(WORDING, WORDING_VERSION)).toBe(true);
    expect(wordingVersionMatches(`${WORDING} (edited)`, WORDING_VERSION)).toBe(false);
    expect(wordingVersionMatches(WORDING, "v3")).toBeNull();
  });
});
