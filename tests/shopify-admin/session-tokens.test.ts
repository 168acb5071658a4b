// Shopify's tokens at rest (docs/decisions/009): the app's session storage writes them encrypted, the app and the
// worker read them back in the clear, a row from before the change still works and is encrypted when stored again,
// and a row that cannot be decrypted is no session (with a logged reason), never sent to Shopify.
import { Session } from "@shopify/shopify-api";
import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { transitionConsent } from "~/.server/consent/state";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { loadConnection, saveConnection } from "~/.server/onboarding/connection";
import { rekeySecrets } from "~/.server/rekey-secrets";
import { processShopifySyncs } from "~/.server/shopify-admin/consent-write-back";
import { offlineAccessToken, offlineSessionId } from "~/.server/shopify-admin/offline-session";
import { openToken, sealToken, SEALED_TOKEN_PREFIX } from "~/.server/shopify-admin/session-tokens";
import { db, sessionStorage } from "~/shopify.server";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { secretsKey } from "../helpers/session-key";

const SHOP = "tokens.myshopify.com";
const ACCESS = "shpat_offline_access_token_0123456789";
const REFRESH = "shprt_offline_refresh_token_9876543210";
const T0 = new Date("2026-03-02T10:00:00.000Z");

const rawSession = (id: string) => db.session.findUniqueOrThrow({ where: { id } });

function offlineSession(accessToken = ACCESS): Session {
  return new Session({
    id: offlineSessionId(SHOP), shop: SHOP, state: "installed", isOnline: false, scope: "write_customers,read_customers",
    accessToken, refreshToken: REFRESH, expires: new Date(T0.getTime() + 3_600_000), refreshTokenExpires: new Date(T0.getTime() + 86_400_000),
  });
}

/** A confirmed consent with a Shopify customer: one consent write-back row for the worker. */
async function pendingWriteBack() {
  const base = { shop: SHOP, phone: "+4915112345678", source: "test" as const, evidence: { wordingVersion: "v3" }, at: T0, customerId: "7001" };
  await transitionConsent(db, { ...base, to: "REQUESTED" });
  await transitionConsent(db, { ...base, to: "CONFIRMED" });
}

beforeEach(async () => {
  for (const table of ["shopifySync", "consentEvent", "consent", "customer", "session", "whatsAppConnection"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});
afterEach(() => vi.restoreAllMocks());

describe("sealed tokens", () => {
  it("carry the version prefix, a fresh IV each time, and open only with their key", () => {
    const a = sealToken(ACCESS, secretsKey);
    const b = sealToken(ACCESS, secretsKey);
    expect(a.startsWith(SEALED_TOKEN_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(a).not.toContain("offline_access");
    expect(openToken(a, secretsKey)).toEqual({ ok: true, token: ACCESS, legacyPlain: false });
    expect(openToken(ACCESS, secretsKey)).toEqual({ ok: true, token: ACCESS, legacyPlain: true });
    expect(openToken(a, randomBytes(32))).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot be decrypted/) });
    expect(openToken(`${SEALED_TOKEN_PREFIX}not-base64-at-all`, secretsKey)).toMatchObject({ ok: false });
    expect(openToken("enc:v2:abc", secretsKey)).toEqual({ ok: false, reason: "the stored token has an unknown format (enc:v2:)" });
  });
});

describe("the app's session storage", () => {
  it("stores access and refresh token encrypted, and loads them back in the clear", async () => {
    const session = offlineSession();
    expect(await sessionStorage.storeSession(session)).toBe(true);
    expect(session.accessToken, "the caller's session is not changed").toBe(ACCESS);

    const row = await rawSession(session.id);
    expect(row.accessToken.startsWith(SEALED_TOKEN_PREFIX)).toBe(true);
    expect(row.refreshToken?.startsWith(SEALED_TOKEN_PREFIX)).toBe(true);
    const everything = JSON.stringify(await db.$queryRawUnsafe(`SELECT * FROM "Session"`), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(everything).not.toContain(ACCESS);
    expect(everything).not.toContain(REFRESH);

    const loaded = await sessionStorage.loadSession(session.id);
    expect(loaded?.accessToken).toBe(ACCESS);
    expect(loaded?.refreshToken).toBe(REFRESH);
    expect(loaded?.toObject()).toEqual(session.toObject());
    expect((await sessionStorage.findSessionsByShop(SHOP)).map((s) => s.accessToken)).toEqual([ACCESS]);
  });

  it("reads a plain row written before the change, and encrypts it when the session is stored again", async () => {
    await db.session.create({ data: { id: offlineSessionId(SHOP), shop: SHOP, state: "installed", isOnline: false, scope: "read_orders", accessToken: ACCESS, refreshToken: REFRESH } });
    const legacy = await sessionStorage.loadSession(offlineSessionId(SHOP));
    expect(legacy).toMatchObject({ accessToken: ACCESS, refreshToken: REFRESH });
    expect(await offlineAccessToken(db, secretsKey, SHOP, T0)).toEqual({ status: "ok", accessToken: ACCESS, scopes: ["read_orders"] });

    await sessionStorage.storeSession(legacy!);
    const row = await rawSession(offlineSessionId(SHOP));
    expect(row.accessToken).not.toContain(ACCESS);
    expect(row.refreshToken).not.toContain(REFRESH);
    expect(openToken(row.accessToken, secretsKey)).toEqual({ ok: true, token: ACCESS, legacyPlain: false });
    expect((await sessionStorage.loadSession(offlineSessionId(SHOP)))?.accessToken).toBe(ACCESS);
  });

  it("a token encrypted with another key is no session, with the reason logged and no token in the log", async () => {
    const otherKey = randomBytes(32);
    await db.session.create({ data: { id: offlineSessionId(SHOP), shop: SHOP, state: "installed", isOnline: false, accessToken: sealToken(ACCESS, otherKey) } });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    expect(await sessionStorage.loadSession(offlineSessionId(SHOP))).toBeUndefined();
    expect(await sessionStorage.findSessionsByShop(SHOP)).toEqual([]);
    const logged = warn.mock.calls.map((args) => args.join(" "));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/session offline_tokens\.myshopify\.com is treated as absent: .*cannot be decrypted with TOKEN_ENCRYPTION_KEY/);
    const row = await rawSession(offlineSessionId(SHOP));
    expect(logged.join("\n")).not.toContain(row.accessToken.slice(SEALED_TOKEN_PREFIX.length, SEALED_TOKEN_PREFIX.length + 12));
  });
});

describe("the worker's Admin API calls", () => {
  async function writeBack() {
    const sim = createShopifyAdminSimulator({ tokens: { [SHOP]: ACCESS } });
    const sentTokens: (string | null)[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      sentTokens.push(request.headers.get("X-Shopify-Access-Token"));
      return sim.fetch(request);
    };
    const counts = await processShopifySyncs({ db, clock: createVirtualClock(T0), adminGraphql: createAdminGraphql({ fetch }), secretsKey, batch: 10, random: () => 0.5 });
    return { counts, sentTokens, rows: await db.shopifySync.findMany() };
  }

  it("send the decrypted token of a session the app stored", async () => {
    await sessionStorage.storeSession(offlineSession());
    await pendingWriteBack();
    const { counts, sentTokens } = await writeBack();
    expect(counts).toMatchObject({ done: 1 });
    expect(sentTokens).toEqual([ACCESS]);
  });

  it("skip a shop whose token cannot be decrypted, with the reason, and send nothing", async () => {
    await db.session.create({ data: { id: offlineSessionId(SHOP), shop: SHOP, state: "installed", isOnline: false, accessToken: sealToken(ACCESS, randomBytes(32)) } });
    await pendingWriteBack();
    const { sentTokens, rows } = await writeBack();
    expect(sentTokens).toEqual([]);
    expect(rows).toMatchObject([{ status: "SKIPPED", reason: expect.stringMatching(/^the offline session is unusable: the stored token cannot be decrypted/) }]);
    expect(await offlineAccessToken(db, secretsKey, SHOP, T0)).toMatchObject({ status: "missing", reason: expect.stringMatching(/cannot be decrypted/) });
  });
});

describe("npm run rekey-secrets", () => {
  it("encrypts plain rows, moves rows from the previous key to the current one, names what neither opens, and is idempotent", async () => {
    const previous = randomBytes(32);
    const other = `other-${SHOP}`;
    await db.session.createMany({
      data: [
        { id: "plain", shop: SHOP, state: "s", isOnline: false, accessToken: ACCESS, refreshToken: REFRESH },
        { id: "previous", shop: SHOP, state: "s", isOnline: true, accessToken: sealToken(ACCESS, previous) },
        { id: "current", shop: SHOP, state: "s", isOnline: true, accessToken: sealToken(ACCESS, secretsKey) },
        { id: "lost", shop: other, state: "s", isOnline: false, accessToken: sealToken(ACCESS, randomBytes(32)) },
      ],
    });
    const credentials = { phoneNumberId: "100000000000009", wabaId: "200000000000009", accessToken: "EAAG-secret-token-1234", appSecret: "app-secret-5678", verifyToken: "v" };
    await saveConnection(db, previous, SHOP, credentials, { displayPhone: "+49 30 123456", verifiedAt: T0 });
    const before = await db.session.findMany({ orderBy: { id: "asc" } });

    expect(await rekeySecrets(db, { current: secretsKey, previous })).toEqual({ sessions: 2, connections: 1, unreadable: ["Session lost"] });
    const after = new Map((await db.session.findMany()).map((row) => [row.id, row]));
    for (const id of ["plain", "previous"]) expect(openToken(after.get(id)!.accessToken, secretsKey)).toEqual({ ok: true, token: ACCESS, legacyPlain: false });
    expect(openToken(after.get("plain")!.refreshToken!, secretsKey)).toEqual({ ok: true, token: REFRESH, legacyPlain: false });
    expect(after.get("current")!.accessToken).toBe(before.find((row) => row.id === "current")!.accessToken);
    expect(after.get("lost")!.accessToken).toBe(before.find((row) => row.id === "lost")!.accessToken);
    expect(await loadConnection(db, secretsKey, SHOP)).toMatchObject({ accessToken: credentials.accessToken, appSecret: credentials.appSecret });

    expect(await rekeySecrets(db, { current: secretsKey, previous })).toEqual({ sessions: 0, connections: 0, unreadable: ["Session lost"] });
    expect(await rekeySecrets(db, { current: secretsKey, previous: null })).toEqual({ sessions: 0, connections: 0, unreadable: ["Session lost"] });
  });
});
