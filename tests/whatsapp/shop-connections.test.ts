// Two shops with their own Meta apps (different phone numbers, tokens, app secrets, verify tokens) next to a
// shop on the app-wide number: signed webhooks through the real /webhooks/whatsapp route, the worker sending
// each message with its shop's sender (the Cloud API simulators see which number and token were used), and
// template approval pausing a flow until Meta's status webhook arrives.
import type { Message } from "@prisma/client";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { bodyText } from "~/.server/automations/types";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { encryptionKey } from "~/.server/crypto";
import { createDb } from "~/.server/db";
import { saveConnection, type WhatsAppCredentials } from "~/.server/onboarding/connection";
import type { MerchantDeps } from "~/.server/onboarding/deps";
import { submitSuggestedTemplates, syncTemplates } from "~/.server/onboarding/service";
import { messageLogPage, parseLogFilters } from "~/.server/message-log/log";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy, type OutboxPolicy } from "~/.server/outbox/policy";
import { createShopSenders } from "~/.server/outbox/shop-senders";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import { automationsPage } from "~/.server/settings/automations-page";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { signWhatsAppBody } from "~/.server/whatsapp/signature";
import type { TemplateComponent } from "~/.server/whatsapp/types";
import { createCloudApiSimulator, type CloudApiSimulator } from "../../simulator/cloud-api";
import { callRoute } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const T0 = new Date("2026-03-02T10:00:00.000Z");
let clock: VirtualClock;
const key = encryptionKey(process.env.TOKEN_ENCRYPTION_KEY!);
const APP_URL = "https://momento.example.com";
const GRAPH = "https://graph.facebook.com";
const ROUTE = new URL("/webhooks/whatsapp", process.env.SHOPIFY_APP_URL).toString();
const ORDER = TEMPLATE_NAMES.orderConfirmation;

const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";
const SHOP_ENV = "shop-env.myshopify.com";
const A: WhatsAppCredentials = { phoneNumberId: "200000000000001", wabaId: "200000000000002", accessToken: "token-of-shop-a", appSecret: "app-secret-of-shop-a", verifyToken: "verify-token-of-shop-a" };
const B: WhatsAppCredentials = { phoneNumberId: "300000000000001", wabaId: "300000000000002", accessToken: "token-of-shop-b", appSecret: "app-secret-of-shop-b", verifyToken: "verify-token-of-shop-b" };
const ENV = { phoneNumberId: process.env.WHATSAPP_PHONE_NUMBER_ID!, accessToken: process.env.WHATSAPP_ACCESS_TOKEN!, appSecret: process.env.WHATSAPP_APP_SECRET! };

function post(raw: string, secret: string): Promise<Response> {
  return callRoute(new Request(ROUTE, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signWhatsAppBody(raw, secret) }, body: raw }));
}

/** A Cloud API simulator for one Meta app whose webhooks go through the real route. */
function simulatorFor(credentials: { phoneNumberId: string; accessToken: string; appSecret: string; wabaId?: string }, templates = suggestedTemplates(APP_URL), templateReviewMs?: number) {
  return createCloudApiSimulator({
    clock,
    ...credentials,
    templates,
    templateReviewMs,
    deliverWebhook: async (rawBody, signature) => {
      const response = await callRoute(new Request(ROUTE, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body: rawBody }));
      if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
    },
  });
}

/**
 * Graph API stand-in for several apps: a request goes to the simulator of the number or WABA in its path that
 * accepts its token (else the first one for that id, which answers 190). Records which id and token were used.
 */
function graph(accounts: { ids: string[]; token: string; sim: CloudApiSimulator }[]) {
  const calls: { objectId: string; token: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const objectId = new URL(request.url).pathname.split("/")[2];
    const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
    calls.push({ objectId, token });
    const forId = accounts.filter((a) => a.ids.includes(objectId));
    const account = forId.find((a) => a.token === token) ?? forId[0];
    if (!account) throw new Error(`no simulator for ${objectId}`);
    return account.sim.fetch(request);
  };
  return { fetch, calls };
}

function merchantDeps(fetch: typeof globalThis.fetch): MerchantDeps {
  return { db, clock, secretsKey: key, cloudApi: { baseUrl: GRAPH, apiVersion: "v24.0", fetch }, appUrl: APP_URL, sharedPhoneNumberId: ENV.phoneNumberId, demoCredentials: null };
}

let seq = 0;
async function orderConfirmation(shop: string, language = "de"): Promise<Message> {
  seq += 1;
  const to = `+4915112${String(seq).padStart(5, "0")}`;
  await db.consent.create({ data: { shop, phone: to, state: "CONFIRMED", updatedAt: T0 } });
  const components: TemplateComponent[] = [bodyText("Anna", "#1001", "49,90 €"), { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: `m${seq}` }] }];
  return db.message.create({
    data: { shop, flow: "order_confirmation", dedupeKey: `order_confirmation:${seq}`, to, category: "UTILITY", template: ORDER, language, components: JSON.stringify(components), status: "SCHEDULED", sendAfter: clock.now(), createdAt: clock.now() },
  });
}

function worker(fetch: typeof globalThis.fetch, policy: OutboxPolicy = defaultOutboxPolicy) {
  const envSender = createWhatsAppClient({ baseUrl: GRAPH, apiVersion: "v24.0", phoneNumberId: ENV.phoneNumberId, accessToken: ENV.accessToken, fetch });
  const senderFor = createShopSenders({ db, secretsKey: key, cloudApi: { baseUrl: GRAPH, apiVersion: "v24.0", fetch }, fallback: { phoneNumberId: ENV.phoneNumberId, sender: envSender }, limits: policy });
  // `sender` and `bucket` are what a worker without per-shop routing would use; senderFor must win.
  const unused = { sendTemplate: () => Promise.reject(new Error("the app-wide sender must not be used directly")) };
  return () => dispatchDueMessages({ db, clock, sender: unused, policy, workerId: "w1", bucket: createTokenBucket(policy), senderFor, random: () => 0.5 });
}

const row = (id: string) => db.message.findUniqueOrThrow({ where: { id }, include: { events: { orderBy: { id: "asc" } } } });

beforeEach(async () => {
  clock = createVirtualClock(T0);
  await db.messageEvent.deleteMany();
  await db.message.deleteMany();
  await db.consent.deleteMany();
  await db.whatsAppTemplate.deleteMany();
  await db.whatsAppConnection.deleteMany();
  await saveConnection(db, key, SHOP_A, A, { displayPhone: null, verifiedAt: T0 });
  await saveConnection(db, key, SHOP_B, B, { displayPhone: null, verifiedAt: T0 });
});

describe("GET /webhooks/whatsapp with several apps", () => {
  it.each([
    ["shop A's verify token", A.verifyToken, 200],
    ["shop B's verify token", B.verifyToken, 200],
    ["the app-wide verify token", process.env.WHATSAPP_VERIFY_TOKEN!, 200],
    ["a guess", "verify-token-of-shop-c", 403],
    ["an empty token", "", 403],
  ])("%s → %s", async (_label, token, status) => {
    const response = await callRoute(new Request(`${ROUTE}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=8812`));
    expect(response.status).toBe(status);
    if (status === 200) expect(await response.text()).toBe("8812");
  });
});

describe("POST /webhooks/whatsapp: the app secret of the number the body names", () => {
  /** Meta's "delivered" status sample for our message, from the given phone number id(s). */
  function delivered(waMessageId: string, ...phoneNumberIds: string[]): string {
    const body = fixture<{ entry: { id: string; changes: { value: { metadata: { phone_number_id: string }; statuses: Record<string, unknown>[] } }[] }[] }>("whatsapp/webhook_status_delivered_pywa.json");
    const template = body.entry[0];
    body.entry = phoneNumberIds.map((id) => {
      const entry = structuredClone(template);
      entry.changes[0].value.metadata.phone_number_id = id;
      Object.assign(entry.changes[0].value.statuses[0], { id: waMessageId, timestamp: String(T0.getTime() / 1000 + 5) });
      return entry;
    });
    return JSON.stringify(body);
  }

  async function sentMessage(shop: string, waMessageId: string): Promise<Message> {
    const message = await orderConfirmation(shop);
    return db.message.update({ where: { id: message.id }, data: { status: "SENT", waMessageId, sentAt: T0 } });
  }

  it("accepts shop B's status signed with B's secret, and refuses it signed with A's or the app-wide secret", async () => {
    const message = await sentMessage(SHOP_B, "wamid.shop-b-1");
    const raw = delivered("wamid.shop-b-1", B.phoneNumberId);
    expect((await post(raw, A.appSecret)).status).toBe(401);
    expect((await post(raw, ENV.appSecret)).status).toBe(401);
    expect((await row(message.id)).status).toBe("SENT");
    expect((await post(raw, B.appSecret)).status).toBe(200);
    expect((await row(message.id)).status).toBe("DELIVERED");
  });

  it("checks a number no shop has connected with the app-wide secret: 200 when it matches, 401 when not", async () => {
    const message = await sentMessage(SHOP_ENV, "wamid.env-1");
    const raw = delivered("wamid.env-1", "999999999999999");
    const bad = await post(raw, A.appSecret);
    expect(bad.status).toBe(401);
    expect((await row(message.id)).status).toBe("SENT");
    expect((await post(raw, ENV.appSecret)).status).toBe(200);
    expect((await row(message.id)).status).toBe("DELIVERED");
  });

  it("refuses a body that names numbers of two different apps, whichever of their secrets signed it", async () => {
    const message = await sentMessage(SHOP_A, "wamid.shop-a-1");
    const raw = delivered("wamid.shop-a-1", A.phoneNumberId, B.phoneNumberId);
    for (const secret of [A.appSecret, B.appSecret]) {
      const response = await post(raw, secret);
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/different Meta apps/);
    }
    expect((await row(message.id)).status).toBe("SENT");
  });

  it("answers 503 (Meta retries) when a shop's stored app secret cannot be decrypted, and 200 once it can", async () => {
    const message = await sentMessage(SHOP_B, "wamid.shop-b-2");
    const stored = await db.whatsAppConnection.findUniqueOrThrow({ where: { shop: SHOP_B } });
    // Encrypted with another key: the GCM tag check fails, it never decrypts to junk.
    const otherKey = Buffer.alloc(32, 7);
    await saveConnection(db, otherKey, SHOP_B, B, { displayPhone: null, verifiedAt: T0 });
    const raw = delivered("wamid.shop-b-2", B.phoneNumberId);
    const response = await post(raw, B.appSecret);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/cannot be decrypted/);
    expect((await row(message.id)).status).toBe("SENT");
    await db.whatsAppConnection.update({ where: { shop: SHOP_B }, data: { appSecretEnc: stored.appSecretEnc } });
    expect((await post(raw, B.appSecret)).status).toBe(200);
  });

  it("still answers 400 to a body that is not JSON, once the app-wide signature matches", async () => {
    expect((await post("{not json", A.appSecret)).status).toBe(401);
    expect((await post("{not json", ENV.appSecret)).status).toBe(400);
  });

  it("applies a template status update to the shop whose WABA it names, signed with that shop's secret only", async () => {
    const now = T0;
    for (const shop of [SHOP_A, SHOP_B]) {
      await db.whatsAppTemplate.create({ data: { shop, name: "abandoned_cart", language: "en", category: "MARKETING", status: "PENDING", components: "[]", updatedAt: now } });
    }
    const body = fixture<{ entry: { id: string }[] }>("whatsapp/webhook_template_status_rejected_pywa.json");
    body.entry[0].id = B.wabaId;
    const raw = JSON.stringify(body);
    expect((await post(raw, A.appSecret)).status).toBe(401);
    // A's secret cannot vouch for B's WABA by naming A's number inside the change either.
    const smuggled = structuredClone(body) as unknown as { entry: { changes: { value: Record<string, unknown> }[] }[] };
    smuggled.entry[0].changes[0].value.metadata = { display_phone_number: "4930000000", phone_number_id: A.phoneNumberId };
    expect((await post(JSON.stringify(smuggled), A.appSecret)).status).toBe(401);
    expect((await post(raw, B.appSecret)).status).toBe(200);
    const rows = await db.whatsAppTemplate.findMany({ where: { name: "abandoned_cart" }, orderBy: { shop: "asc" } });
    expect(rows.map((r) => [r.shop, r.status, r.rejectedReason])).toEqual([
      [SHOP_A, "PENDING", null],
      [SHOP_B, "REJECTED", "INVALID_FORMAT"],
    ]);
  });
});

describe("the worker sends each shop's messages with its own connection", () => {
  function threeApps() {
    const simA = simulatorFor(A);
    const simB = simulatorFor(B);
    const simEnv = simulatorFor(ENV);
    const api = graph([
      { ids: [A.phoneNumberId, A.wabaId], token: A.accessToken, sim: simA },
      { ids: [B.phoneNumberId, B.wabaId], token: B.accessToken, sim: simB },
      { ids: [ENV.phoneNumberId], token: ENV.accessToken, sim: simEnv },
    ]);
    return { simA, simB, simEnv, api };
  }

  it("shop B's message goes out from B's number with B's token; a shop without a connection uses the app-wide number", async () => {
    const { simA, simB, simEnv, api } = threeApps();
    const [a, b, env] = [await orderConfirmation(SHOP_A), await orderConfirmation(SHOP_B), await orderConfirmation(SHOP_ENV)];
    expect(await worker(api.fetch)()).toMatchObject({ claimed: 3, sent: 3 });
    expect(simA.sent.map((m) => m.bizOpaqueCallbackData)).toEqual([a.id]);
    expect(simB.sent.map((m) => m.bizOpaqueCallbackData)).toEqual([b.id]);
    expect(simEnv.sent.map((m) => m.bizOpaqueCallbackData)).toEqual([env.id]);
    // The batch is sent concurrently, so the calls come in any order.
    expect([...api.calls].sort((x, y) => x.objectId.localeCompare(y.objectId))).toEqual(
      [
        { objectId: A.phoneNumberId, token: A.accessToken },
        { objectId: B.phoneNumberId, token: B.accessToken },
        { objectId: ENV.phoneNumberId, token: ENV.accessToken },
      ].sort((x, y) => x.objectId.localeCompare(y.objectId)),
    );
    // The status webhooks come back signed by each app and land on the right rows.
    clock.advance(10_000);
    await simA.flushDue();
    await simB.flushDue();
    await simEnv.flushDue();
    for (const message of [a, b, env]) expect((await row(message.id)).status).toBe("DELIVERED");
  });

  it("rebuilds a shop's sender when its connection changes (new token), and keeps it while it does not", async () => {
    const { simB, api } = threeApps();
    const simB2 = simulatorFor({ ...B, accessToken: "token-of-shop-b-rotated" });
    const routed = graph([
      { ids: [B.phoneNumberId], token: B.accessToken, sim: simB },
      { ids: [B.phoneNumberId], token: "token-of-shop-b-rotated", sim: simB2 },
    ]);
    const run = worker(routed.fetch);
    const first = await orderConfirmation(SHOP_B);
    await run();
    const second = await orderConfirmation(SHOP_B);
    await run();
    clock.advance(60_000);
    await saveConnection(db, key, SHOP_B, { ...B, accessToken: "token-of-shop-b-rotated" }, { displayPhone: null, verifiedAt: clock.now() });
    const third = await orderConfirmation(SHOP_B);
    await run();
    expect(simB.sent.map((m) => m.bizOpaqueCallbackData)).toEqual([first.id, second.id]);
    expect(simB2.sent.map((m) => m.bizOpaqueCallbackData)).toEqual([third.id]);
    expect(routed.calls.map((c) => c.token)).toEqual([B.accessToken, B.accessToken, "token-of-shop-b-rotated"]);
    expect(api.calls).toEqual([]);
  });

  it("never falls back to the app-wide number when a shop's token cannot be decrypted: the message waits", async () => {
    const { simB, simEnv, api } = threeApps();
    await saveConnection(db, Buffer.alloc(32, 7), SHOP_B, B, { displayPhone: null, verifiedAt: T0 });
    const message = await orderConfirmation(SHOP_B);
    expect(await worker(api.fetch)()).toMatchObject({ claimed: 1, sent: 0, deferred: 1 });
    const after = await row(message.id);
    expect(after.status).toBe("SCHEDULED");
    expect(after.events.at(-1)?.reason).toMatch(/^internal_error: /);
    expect(simB.sent.length + simEnv.sent.length).toBe(0);
    expect(api.calls).toEqual([]);
  });

  it("keeps one token bucket per business number: shop A's burst does not hold back shop B or the app-wide number", async () => {
    const { simA, simB, simEnv, api } = threeApps();
    const policy: OutboxPolicy = { ...defaultOutboxPolicy, ratePerSecond: 1, burst: 1 };
    const messages = [await orderConfirmation(SHOP_A), await orderConfirmation(SHOP_A), await orderConfirmation(SHOP_B), await orderConfirmation(SHOP_ENV), await orderConfirmation("shop-env-2.myshopify.com")];
    expect(await worker(api.fetch, policy)()).toMatchObject({ claimed: 5, sent: 3, deferred: 2 });
    expect([simA.sent.length, simB.sent.length, simEnv.sent.length]).toEqual([1, 1, 1]);
    const held = await Promise.all([messages[1], messages[4]].map((m) => row(m.id)));
    for (const message of held) {
      expect(message.status).toBe("SCHEDULED");
      expect(message.events.at(-1)?.reason).toMatch(/^rate_limited: /);
    }
  });
});

describe("template approval pauses a flow once templates were synced", () => {
  it("skips shop B's order confirmation while its template is missing or pending, and sends once Meta approves it", async () => {
    const REVIEW_MS = 3_600_000;
    const simA = simulatorFor(A);
    // Shop B's WABA has every suggested template except the order confirmation.
    const simB = simulatorFor(B, suggestedTemplates(APP_URL).filter((t) => t.name !== ORDER), REVIEW_MS);
    const api = graph([
      { ids: [A.phoneNumberId, A.wabaId], token: A.accessToken, sim: simA },
      { ids: [B.phoneNumberId, B.wabaId], token: B.accessToken, sim: simB },
    ]);
    const run = worker(api.fetch);
    const deps = merchantDeps(api.fetch);

    // No sync yet: nothing is paused, the send is tried as before (and Meta refuses the unknown template), and
    // the page says so.
    const beforeSync = await orderConfirmation(SHOP_B);
    await run();
    expect(await row(beforeSync.id)).toMatchObject({ status: "FAILED", errorCode: 132001 });
    expect((await automationsPage(deps, SHOP_B, "en")).flows.find((f) => f.id === "order_confirmation")!.templateStatus).toEqual([
      { text: expect.stringMatching(/^Templates not synced yet/), tone: "info", paused: false },
    ]);

    expect(await syncTemplates(deps, SHOP_B, "en")).toMatchObject({ ok: true });
    const missing = await orderConfirmation(SHOP_B);
    const otherShop = await orderConfirmation(SHOP_A);
    await run();
    const skipped = await row(missing.id);
    expect(skipped).toMatchObject({ status: "SKIPPED", statusReason: "template_not_approved" });
    expect(skipped.events.at(-1)?.reason).toMatch(/^template_not_approved: The template is not in the shop's WhatsApp account/);
    expect((await row(otherShop.id)).status).toBe("SENT");

    // Submitted from the app: Meta answers PENDING; the flow stays paused, and the page shows it in German too.
    expect(await submitSuggestedTemplates(deps, SHOP_B, "de")).toMatchObject({ ok: true, message: "2 Vorlagen bei Meta zur Prüfung eingereicht." });
    const pending = await orderConfirmation(SHOP_B);
    await run();
    expect(await row(pending.id)).toMatchObject({ status: "SKIPPED", statusReason: "template_not_approved" });
    const de = (await automationsPage(deps, SHOP_B, "de")).flows.find((f) => f.id === "order_confirmation")!.templateStatus;
    expect(de).toEqual([
      { text: expect.stringMatching(/^momento_order_confirmation \(Deutsch\): wartet auf Metas Prüfung\. Nachrichten in dieser Sprache sind pausiert/), tone: "attention", paused: true },
      { text: expect.stringMatching(/^momento_order_confirmation \(Englisch\): wartet auf Metas Prüfung/), tone: "attention", paused: true },
    ]);
    expect((await automationsPage(deps, SHOP_B, "de")).flows.find((f) => f.id === "opt_in_confirmation")!.templateStatus.every((line) => !line.paused)).toBe(true);

    // Meta approves after its review; the status webhook (signed with B's secret) reaches the route.
    clock.advance(REVIEW_MS);
    expect(await simB.flushDue()).toBeGreaterThanOrEqual(2);
    const approved = await orderConfirmation(SHOP_B);
    await run();
    expect((await row(approved.id)).status).toBe("SENT");
    expect(simB.sent.at(-1)?.bizOpaqueCallbackData).toBe(approved.id);

    // Rejected later in German only: German recipients get the English template (approved, same shape) instead.
    simB.reviewTemplate(ORDER, "de", "REJECTED", "INVALID_FORMAT");
    await simB.flushDue();
    const [german, english] = [await orderConfirmation(SHOP_B, "de"), await orderConfirmation(SHOP_B, "en")];
    await run();
    expect(await row(german.id)).toMatchObject({ status: "SENT", language: "en" });
    expect((await row(english.id)).status).toBe("SENT");
    const en = (await automationsPage(deps, SHOP_B, "en")).flows.find((f) => f.id === "order_confirmation")!.templateStatus;
    expect(en).toEqual([
      { text: "momento_order_confirmation (German): rejected. Until Meta approves it, messages in this language go out with the English template instead (same placeholders and buttons). Meta's reason: INVALID_FORMAT.", tone: "attention", paused: false },
      { text: "momento_order_confirmation (English): approved", tone: "success", paused: false },
    ]);
  });

  it("a sync that no longer lists a template removes it, and one that cannot be read to its end changes nothing", async () => {
    const simB = simulatorFor(B);
    const api = graph([{ ids: [B.phoneNumberId, B.wabaId], token: B.accessToken, sim: simB }]);
    const deps = merchantDeps(api.fetch);
    await syncTemplates(deps, SHOP_B, "en");
    const count = await db.whatsAppTemplate.count({ where: { shop: SHOP_B } });
    expect(count).toBe(suggestedTemplates(APP_URL).length);

    // A next page on another host is not followed: the sync fails and the stored list stays.
    const foreign: typeof fetch = async (input, init) => {
      const response = await api.fetch(input, init);
      const json = (await response.json()) as { data: unknown[] };
      return Response.json({ data: json.data.slice(0, 1), paging: { next: "https://evil.example.com/next" } });
    };
    expect(await syncTemplates(merchantDeps(foreign), SHOP_B, "en")).toMatchObject({ ok: false });
    expect(await db.whatsAppTemplate.count({ where: { shop: SHOP_B } })).toBe(count);

    const oneLess: typeof fetch = async (input, init) => {
      const response = await api.fetch(input, init);
      const json = (await response.json()) as { data: { name: string; language: string }[] };
      return Response.json({ data: json.data.filter((t) => !(t.name === ORDER && t.language === "en")) });
    };
    expect(await syncTemplates(merchantDeps(oneLess), SHOP_B, "en")).toMatchObject({ ok: true });
    expect(await db.whatsAppTemplate.findUnique({ where: { shop_name_language: { shop: SHOP_B, name: ORDER, language: "en" } } })).toBeNull();
    const english = await orderConfirmation(SHOP_B, "en");
    const simRun = worker(api.fetch);
    await simRun();
    // Missing in English: it goes out in the shop's language (German), which is approved with the same shape.
    expect(await row(english.id)).toMatchObject({ status: "SENT", language: "de" });
  });

  describe("a template not approved in the recipient's language goes out in the shop's language, or English", () => {
    async function setUp(shopLocale: string, templates = suggestedTemplates(APP_URL)) {
      await db.shop.upsert({ where: { domain: SHOP_B }, create: { domain: SHOP_B, locale: shopLocale }, update: { locale: shopLocale } });
      const simB = simulatorFor(B, templates);
      const api = graph([{ ids: [B.phoneNumberId, B.wabaId], token: B.accessToken, sim: simB }]);
      expect(await syncTemplates(merchantDeps(api.fetch), SHOP_B, "en")).toMatchObject({ ok: true });
      return { simB, run: worker(api.fetch) };
    }
    async function reject(simB: CloudApiSimulator, language: string) {
      simB.reviewTemplate(ORDER, language, "REJECTED", "INVALID_FORMAT");
      await simB.flushDue();
    }
    const timelineOf = async (id: string, language: "de" | "en") =>
      (await messageLogPage(db, SHOP_B, parseLogFilters(new URL(`https://app.example/messages?selected=${id}`)), language)).detail!.timeline.map((t) => t.text);

    it("rejected in German, shop in German: sent in English with the same parameters, and the log says why in both languages", async () => {
      const { simB, run } = await setUp("de-DE");
      await reject(simB, "de");
      const german = await orderConfirmation(SHOP_B, "de");
      await run();
      const sent = await row(german.id);
      expect(sent).toMatchObject({ status: "SENT", language: "en" });
      expect(simB.sent.at(-1)).toMatchObject({ bizOpaqueCallbackData: german.id, template: ORDER, language: "en", parameters: ["Anna", "#1001", "49,90 €"] });
      // Claimed, then the fallback recorded before the call, then sent.
      expect(sent.events.map((e) => e.status)).toEqual(["SENDING", "SENDING", "SENT"]);
      expect(sent.events[1].reason).toBe(
        "language_fallback: The template is REJECTED in de; sent in en instead, approved there with the same placeholders and buttons, with the same parameters.",
      );
      expect(await timelineOf(german.id, "en")).toContain("Sent in English instead of German: the template is not approved in German (REJECTED), but is in English with the same placeholders and buttons.");
      expect(await timelineOf(german.id, "de")).toContain("Auf Englisch statt auf Deutsch gesendet: die Vorlage ist auf Deutsch nicht freigegeben (REJECTED), auf Englisch aber schon, mit denselben Platzhaltern und Buttons.");
    });

    it("rejected in English, shop in German: sent in German; shop in English (or French) and rejected in English: nothing to fall back to", async () => {
      const { simB, run } = await setUp("de");
      await reject(simB, "en");
      const english = await orderConfirmation(SHOP_B, "en");
      await run();
      expect(await row(english.id)).toMatchObject({ status: "SENT", language: "de" });
      expect(simB.sent.at(-1)).toMatchObject({ bizOpaqueCallbackData: english.id, language: "de" });

      for (const shopLocale of ["en-GB", "fr"]) {
        await db.shop.update({ where: { domain: SHOP_B }, data: { locale: shopLocale } });
        const again = await orderConfirmation(SHOP_B, "en");
        await run();
        const skipped = await row(again.id);
        expect(skipped).toMatchObject({ status: "SKIPPED", statusReason: "template_not_approved", language: "en" });
        expect(skipped.events.map((e) => e.status)).toEqual(["SENDING", "SKIPPED"]);
      }
    });

    it("a fallback whose placeholders or buttons differ is not used: the message is skipped", async () => {
      // The English order confirmation in this WABA has no button and one placeholder less.
      const templates = suggestedTemplates(APP_URL).map((t) =>
        t.name === ORDER && t.language === "en" ? { ...t, components: [{ type: "BODY" as const, text: "Hi {{1}}, thanks for order {{2}}.", example: { body_text: [["Anna", "#1001"]] } }] } : t,
      );
      const { simB, run } = await setUp("en", templates);
      await reject(simB, "de");
      const german = await orderConfirmation(SHOP_B, "de");
      const sentBefore = simB.sent.length;
      await run();
      expect(await row(german.id)).toMatchObject({ status: "SKIPPED", statusReason: "template_not_approved", language: "de" });
      expect(simB.sent.length).toBe(sentBefore);
      const lines = (await automationsPage(merchantDeps(fetch), SHOP_B, "en")).flows.find((f) => f.id === "order_confirmation")!.templateStatus;
      expect(lines[0]).toMatchObject({ text: expect.stringMatching(/^momento_order_confirmation \(German\): rejected\. Messages in this language are paused/), paused: true });
    });
  });
});

describe("POST /webhooks/whatsapp: a signal only touches the shops of the number it reached (decision 004, step 0)", () => {
  const SHOPPER = "+4917612345678";
  let n = 0;

  /** Meta's inbound text sample from SHOPPER, received by the given number. */
  function textTo(phoneNumberId: string, text: string): string {
    n += 1;
    const body = fixture<{ entry: { changes: { value: { metadata: { phone_number_id: string }; contacts: Record<string, unknown>[]; messages: Record<string, unknown>[] } }[] }[] }>("whatsapp/webhook_inbound_text_pywa.json");
    const value = body.entry[0].changes[0].value;
    value.metadata.phone_number_id = phoneNumberId;
    value.contacts = [{ profile: { name: "Test" }, wa_id: SHOPPER.slice(1) }];
    Object.assign(value.messages[0], { from: SHOPPER.slice(1), id: `wamid.in-${n}`, timestamp: String(Math.floor(clock.now().getTime() / 1000)), text: { body: text } });
    return JSON.stringify(body);
  }

  async function knownTo(shop: string, flow = "order_confirmation") {
    await db.consent.upsert({ where: { shop_phone: { shop, phone: SHOPPER } }, create: { shop, phone: SHOPPER, state: "CONFIRMED", updatedAt: T0 }, update: {} });
    n += 1;
    return db.message.create({
      data: { shop, flow, dedupeKey: `${flow}:${n}`, to: SHOPPER, category: "UTILITY", template: ORDER, language: "de", components: "[]", status: "SENT", waMessageId: `wamid.out-${n}`, sentAt: T0, createdAt: T0, sendAfter: T0 },
    });
  }

  const consentState = async (shop: string) => (await db.consent.findUnique({ where: { shop_phone: { shop, phone: SHOPPER } } }))?.state ?? null;

  beforeEach(async () => {
    await db.inboundMessage.deleteMany();
    await db.feedbackResponse.deleteMany();
  });

  it("shop A's number: a STOP from a shopper known to A and B revokes only in A", async () => {
    await knownTo(SHOP_A);
    await knownTo(SHOP_B);
    expect((await post(textTo(A.phoneNumberId, "STOP"), A.appSecret)).status).toBe(200);
    expect([await consentState(SHOP_A), await consentState(SHOP_B)]).toEqual(["REVOKED", "CONFIRMED"]);
  });

  it("the app-wide number: a STOP revokes in the shops without their own connection, never in a connected shop", async () => {
    await knownTo(SHOP_A);
    await knownTo(SHOP_ENV);
    expect((await post(textTo(ENV.phoneNumberId, "STOP"), ENV.appSecret)).status).toBe(200);
    expect([await consentState(SHOP_A), await consentState(SHOP_ENV)]).toEqual(["CONFIRMED", "REVOKED"]);
  });

  it("a forged status for B's message, signed with A's secret from A's number, changes nothing", async () => {
    const message = await knownTo(SHOP_B);
    const body = fixture<{ entry: { changes: { value: { metadata: { phone_number_id: string }; statuses: Record<string, unknown>[] } }[] }[] }>("whatsapp/webhook_status_failed_131049_meta_docs.json");
    body.entry[0].changes[0].value.metadata.phone_number_id = A.phoneNumberId;
    Object.assign(body.entry[0].changes[0].value.statuses[0], { id: message.waMessageId, recipient_id: SHOPPER.slice(1), biz_opaque_callback_data: message.id, errors: [{ code: 131050, title: "Stopped marketing" }] });
    expect((await post(JSON.stringify(body), A.appSecret)).status).toBe(200);
    expect((await row(message.id)).status).toBe("SENT");
    expect((await row(message.id)).events).toEqual([]);
    expect(await consentState(SHOP_B)).toBe("CONFIRMED");
  });

  it("feedback answers, order questions and Inbox rows land only in the receiving number's shop", async () => {
    await knownTo(SHOP_A);
    clock.advance(60_000);
    await knownTo(SHOP_B, "feedback"); // B's feedback request is the latest message to the shopper
    clock.advance(60_000);
    expect((await post(textTo(A.phoneNumberId, "5"), A.appSecret)).status).toBe(200);
    expect(await db.feedbackResponse.count()).toBe(0);
    expect((await post(textTo(A.phoneNumberId, "Wo ist meine Bestellung?"), A.appSecret)).status).toBe(200);
    const rows = await db.inboundMessage.findMany({ orderBy: { at: "asc" } });
    expect(rows.map((r) => r.shop)).toEqual([SHOP_A, SHOP_A]);
    const replies = await db.message.findMany({ where: { flow: { notIn: ["order_confirmation", "feedback"] } } });
    expect(replies.every((m) => m.shop === SHOP_A)).toBe(true);
    // The same answer through B's number is B's feedback.
    expect((await post(textTo(B.phoneNumberId, "4"), B.appSecret)).status).toBe(200);
    expect((await db.feedbackResponse.findMany()).map((f) => [f.shop, f.score])).toEqual([[SHOP_B, 4]]);
  });
});
