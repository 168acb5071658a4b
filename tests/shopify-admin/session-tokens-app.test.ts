// The app side of docs/decisions/009: authenticate.admin with an offline session whose token the current key cannot
// open treats it as no session and exchanges a new token (Shopify's token endpoint faked at the network edge), which
// it stores encrypted under the current key; the undecryptable value is never sent to Shopify.
import { Session } from "@shopify/shopify-api";
import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { randomBytes } from "node:crypto";
import { afterEach, expect, it, vi } from "vitest";
import { adminHostParam, signSessionToken } from "~/.server/demo/session-token";
import { offlineSessionId } from "~/.server/shopify-admin/offline-session";
import { openToken, sealToken } from "~/.server/shopify-admin/session-tokens";
import { authenticate, db, sessionStorage } from "~/shopify.server";
import { secretsKey } from "../helpers/session-key";

const SHOP = "tokens-app.myshopify.com";
const APP_URL = process.env.SHOPIFY_APP_URL!;
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const original = abstractFetch;

afterEach(() => {
  setAbstractFetchFunc(original);
  vi.restoreAllMocks();
});

function adminRequest(): Request {
  const token = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${APP_URL}/app?shop=${SHOP}&host=${adminHostParam(SHOP)}`, { headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA } });
}

it("an offline session under another key is no session: the app exchanges a new token and stores it encrypted", async () => {
  const stale = sealToken("shpat_under_the_old_key", randomBytes(32));
  await db.session.create({ data: { id: offlineSessionId(SHOP), shop: SHOP, state: "", isOnline: false, scope: process.env.SCOPES!, accessToken: stale } });
  const sentToShopify: string[] = [];
  setAbstractFetchFunc(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    sentToShopify.push(`${request.url} ${[...request.headers].map(([k, v]) => `${k}=${v}`).join(" ")} ${await request.clone().text()}`);
    if (request.url === `https://${SHOP}/admin/oauth/access_token`) {
      return Response.json({ access_token: "shpat_exchanged", scope: process.env.SCOPES, expires_in: 3600, refresh_token: "shprt_exchanged", refresh_token_expires_in: 86400 });
    }
    return new Response("not faked", { status: 500 });
  });
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

  const { session } = await authenticate.admin(adminRequest());

  expect(session).toMatchObject({ id: offlineSessionId(SHOP), accessToken: "shpat_exchanged" });
  expect(warn.mock.calls.map((args) => args.join(" "))).toContainEqual(expect.stringMatching(/session offline_tokens-app\.myshopify\.com is treated as absent: .*cannot be decrypted/));
  expect(sentToShopify.join("\n")).not.toContain(stale.slice(7, 30));
  const row = await db.session.findUniqueOrThrow({ where: { id: offlineSessionId(SHOP) } });
  expect(openToken(row.accessToken, secretsKey)).toEqual({ ok: true, token: "shpat_exchanged", legacyPlain: false });
  expect(openToken(row.refreshToken!, secretsKey)).toEqual({ ok: true, token: "shprt_exchanged", legacyPlain: false });
  expect(await sessionStorage.loadSession(offlineSessionId(SHOP))).toBeInstanceOf(Session);
});

it("a legacy plain offline session still authenticates", async () => {
  await db.session.deleteMany();
  await db.session.create({ data: { id: offlineSessionId(SHOP), shop: SHOP, state: "", isOnline: false, scope: process.env.SCOPES!, accessToken: "shpat_legacy_plain" } });
  setAbstractFetchFunc(async () => new Response("no network in this test", { status: 500 }));
  const { session } = await authenticate.admin(adminRequest());
  expect(session).toMatchObject({ id: offlineSessionId(SHOP), accessToken: "shpat_legacy_plain" });
});
