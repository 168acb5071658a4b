// The Setup checklist against the Cloud API simulator: credentials checked (190, wrong ids), stored
// encrypted, templates synced, a test message sent as a tracked Message, progress persisted.
import { readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { encryptionKey } from "~/.server/crypto";
import { loadConnection } from "~/.server/onboarding/connection";
import type { MerchantDeps } from "~/.server/onboarding/deps";
import { checkoutEditorUrl, onboardingAction, onboardingPage, setupProgress, shouldOpenOnboarding } from "~/.server/onboarding/service";
import { settingsAction } from "~/.server/settings/page";
import { readSettings } from "~/.server/settings/store";
import { OPTIONAL_TEMPLATES, suggestedTemplates, type TemplateDefinition } from "~/.server/templates/catalogue";
import { EXAMPLE_IMAGE, exampleImagePng } from "~/.server/templates/example-image";
import { loadShopTemplates } from "~/.server/templates/whatsapp-templates";
import { createCloudApiSimulator, DEFAULT_APP_ID } from "../../simulator/cloud-api";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const SHOP = "onboarding-test.myshopify.com";
const APP_URL = "https://momento.example.com";
const TOKEN = "EAAG-test-token-9876";
const SECRET = "meta-app-secret-4321";
const PHONE_ID = "106540352242922";
const WABA_ID = "102290129340398";
/** The environment's app-wide number, which no shop may claim. */
const SHARED_PHONE_ID = "100000000000001";
const clock = createVirtualClock(new Date("2026-03-02T09:00:00Z"));
const key = encryptionKey(process.env.TOKEN_ENCRYPTION_KEY!);

function setup(options: { fetch?: typeof fetch } = {}) {
  const sim = createCloudApiSimulator({
    clock,
    appSecret: SECRET,
    accessToken: TOKEN,
    phoneNumberId: PHONE_ID,
    wabaId: WABA_ID,
    templates: suggestedTemplates(APP_URL),
    deliverWebhook: async () => undefined,
  });
  const deps: MerchantDeps = {
    db,
    clock,
    secretsKey: key,
    cloudApi: { baseUrl: "https://graph.facebook.com", apiVersion: "v24.0", fetch: options.fetch ?? sim.fetch },
    appUrl: APP_URL,
    sharedPhoneNumberId: SHARED_PHONE_ID,
    demoCredentials: null,
  };
  return { sim, deps };
}

const form = (fields: Record<string, string | string[]>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) data.append(k, item);
  return data;
};
const credentials = { intent: "connect", phoneNumberId: PHONE_ID, wabaId: WABA_ID, accessToken: TOKEN, appSecret: SECRET, verifyToken: "momento-verify-1" };

beforeEach(async () => {
  await db.whatsAppTemplate.deleteMany();
  await db.whatsAppConnection.deleteMany();
  await db.messageEvent.deleteMany();
  await db.message.deleteMany();
  await db.shop.deleteMany();
});

describe("connecting WhatsApp", () => {
  it("checks the credentials with the Cloud API and stores the token and app secret encrypted", async () => {
    const { deps } = setup();
    const result = await onboardingAction(deps, SHOP, form(credentials), "en");
    expect(result).toEqual({ ok: true, intent: "connect", message: "WhatsApp is connected." });
    const row = await db.whatsAppConnection.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(row.accessTokenEnc).not.toContain(TOKEN);
    expect(row.appSecretEnc).not.toContain(SECRET);
    expect(JSON.stringify(row)).not.toContain("9876");
    expect(row.displayPhone).toBe("+15550000001");
    expect(await loadConnection(db, key, SHOP)).toMatchObject({ accessToken: TOKEN, appSecret: SECRET, phoneNumberId: PHONE_ID, wabaId: WABA_ID });
    const page = await onboardingPage(deps, SHOP, "en");
    expect(page.steps.connect).toBe(true);
    expect(page.connection).toMatchObject({ tokenHint: "••••9876", appSecretHint: "••••4321" });
    expect(JSON.stringify(page)).not.toContain(TOKEN);
    expect((await readSettings(db, SHOP)).onboarding.connectedAt).toBe(clock.now().toISOString());
  });

  it("names the token field for error 190 and explains it; nothing is stored", async () => {
    const { deps } = setup();
    const result = await onboardingAction(deps, SHOP, form({ ...credentials, accessToken: "expired-token" }), "en");
    expect(result).toMatchObject({ ok: false, errors: { accessToken: "WhatsApp says this token is expired or invalid (error 190)." }, explanation: { code: 190 } });
    if (!result.ok) expect(result.explanation?.action).toMatch(/system-user token/);
    expect(await db.whatsAppConnection.count()).toBe(0);
  });

  it("names the phone number id or the WABA id when WhatsApp knows no such object", async () => {
    const { deps } = setup();
    const phone = await onboardingAction(deps, SHOP, form({ ...credentials, phoneNumberId: "999999" }), "de");
    expect(phone).toMatchObject({ ok: false, errors: { phoneNumberId: "WhatsApp kennt für diesen Token keine Telefonnummer mit dieser ID." } });
    const waba = await onboardingAction(deps, SHOP, form({ ...credentials, wabaId: "888888" }), "en");
    expect(waba).toMatchObject({ ok: false, errors: { wabaId: "WhatsApp knows no Business Account with this ID for this token." }, explanation: { code: 100 } });
    expect(await db.whatsAppConnection.count()).toBe(0);
  });

  it("rejects an empty token inline without calling WhatsApp", async () => {
    let calls = 0;
    const { deps } = setup({ fetch: async () => (calls++, new Response("{}")) });
    const result = await onboardingAction(deps, SHOP, form({ ...credentials, accessToken: "" }), "en");
    expect(result).toMatchObject({ ok: false, errors: { accessToken: expect.stringMatching(/Enter the access token/) } });
    expect(calls).toBe(0);
  });

  it("says so when the Cloud API cannot be reached", async () => {
    const { deps } = setup({ fetch: async () => Promise.reject(new TypeError("fetch failed")) });
    const result = await onboardingAction(deps, SHOP, form(credentials), "en");
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/could not be reached/), errors: {} });
  });

  it("replacing keeps the stored app secret and verify token when left empty, but always needs the token", async () => {
    const { deps } = setup();
    await onboardingAction(deps, SHOP, form(credentials), "en");
    expect(await onboardingAction(deps, SHOP, form({ ...credentials, accessToken: "" , appSecret: "" }), "en")).toMatchObject({ ok: false, errors: { accessToken: expect.any(String) } });
    expect(await onboardingAction(deps, SHOP, form({ ...credentials, appSecret: "", verifyToken: "" }), "en")).toMatchObject({ ok: true });
    expect(await loadConnection(db, key, SHOP)).toMatchObject({ appSecret: SECRET, verifyToken: "momento-verify-1" });
  });
});

describe("whose number it is", () => {
  const OTHER_SHOP = "other-onboarding.myshopify.com";

  it("refuses a number another shop already uses, in German and English, on Setup and in Settings; nothing is stored", async () => {
    let calls = 0;
    const { sim, deps } = setup();
    const counted: MerchantDeps = { ...deps, cloudApi: { ...deps.cloudApi, fetch: (input, init) => (calls++, sim.fetch(input, init)) } };
    expect(await onboardingAction(counted, OTHER_SHOP, form(credentials), "en")).toMatchObject({ ok: true });
    calls = 0;

    const de = await onboardingAction(counted, SHOP, form(credentials), "de");
    expect(de).toEqual({
      ok: false, intent: "connect", message: expect.stringMatching(/^Nichts wurde gespeichert/),
      errors: { phoneNumberId: "Ein anderer Shop nutzt diese WhatsApp-Nummer bereits in Momento. Jeder Shop braucht eine eigene Nummer, damit Antworten und Abmeldungen beim richtigen Shop ankommen." },
    });
    const en = await settingsAction(counted, SHOP, form({ ...credentials, intent: "credentials" }), "en");
    expect(en).toMatchObject({ ok: false, intent: "credentials", errors: { phoneNumberId: expect.stringMatching(/^Another shop already uses this WhatsApp number/) } });
    expect(calls).toBe(0);
    expect(await db.whatsAppConnection.findMany({ select: { shop: true } })).toEqual([{ shop: OTHER_SHOP }]);

    // The shop that has the number may replace its own credentials.
    expect(await onboardingAction(counted, OTHER_SHOP, form(credentials), "en")).toMatchObject({ ok: true });
  });

  it("refuses the app-wide number of the environment, in German and English", async () => {
    const { deps } = setup();
    const shared = { ...credentials, phoneNumberId: SHARED_PHONE_ID };
    expect(await onboardingAction(deps, SHOP, form(shared), "en")).toMatchObject({
      ok: false, errors: { phoneNumberId: "This is Momento's shared WhatsApp number, not your own. Enter the phone number ID of your own WhatsApp Business number." },
    });
    expect(await settingsAction(deps, SHOP, form({ ...shared, intent: "credentials" }), "de")).toMatchObject({
      ok: false, errors: { phoneNumberId: expect.stringMatching(/^Das ist die gemeinsame WhatsApp-Nummer von Momento/) },
    });
    expect(await db.whatsAppConnection.count()).toBe(0);
  });
});

describe("the rest of the checklist", () => {
  it("syncs templates, sends the test message as a tracked message, and counts progress", async () => {
    const { deps, sim } = setup();
    expect(await shouldOpenOnboarding(deps, SHOP)).toBe(true);
    expect(await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en")).toMatchObject({ ok: false });

    await onboardingAction(deps, SHOP, form(credentials), "en");
    expect(await shouldOpenOnboarding(deps, SHOP)).toBe(false);
    const synced = await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect(synced).toMatchObject({ ok: true, message: `${suggestedTemplates(APP_URL).length} templates synced.` });
    const { syncedAt, templates } = await loadShopTemplates(db, SHOP);
    expect(syncedAt?.toISOString()).toBe(clock.now().toISOString());
    expect(templates.find((t) => t.name === "momento_order_confirmation" && t.language === "de")).toMatchObject({ status: "APPROVED", parameters: 3, buttons: [{ type: "URL" }] });

    const badPhone = await onboardingAction(deps, SHOP, form({ intent: "sendTest", phone: "0151" }), "en");
    expect(badPhone).toMatchObject({ ok: false, errors: { phone: expect.stringMatching(/not a valid phone number/) } });
    expect(sim.sent).toHaveLength(0);

    const sent = await onboardingAction(deps, SHOP, form({ intent: "sendTest", phone: "0151 23456789" }), "de");
    expect(sent).toMatchObject({ ok: true });
    expect(sim.sent).toHaveLength(1);
    expect(sim.sent[0]).toMatchObject({ to: "+4915123456789", template: "momento_order_confirmation", language: "de" });
    expect(sim.sent[0].text).toBe("Hallo Anna, danke für deine Bestellung #1001 über 49,90\u00a0€! Wir melden uns, sobald sie unterwegs ist.");
    const message = await db.message.findFirstOrThrow({ where: { shop: SHOP, flow: "test_message" }, include: { events: true } });
    expect(message).toMatchObject({ status: "SENT", waMessageId: sim.sent[0].wamid, to: "+4915123456789" });
    expect(message.events.map((e) => e.status)).toEqual(["SCHEDULED", "SENT"]);

    expect(await setupProgress(deps, SHOP)).toEqual({ done: 3, total: 5 });
    await onboardingAction(deps, SHOP, form({ intent: "confirmCheckout" }), "en");
    await onboardingAction(deps, SHOP, form({ intent: "switchFlows", flow: ["order_confirmation", "opt_in_confirmation"] }), "en");
    expect(await setupProgress(deps, SHOP)).toEqual({ done: 5, total: 5 });
    const after = await readSettings(db, SHOP);
    expect([after.flows.order_confirmation.enabled, after.flows.opt_in_confirmation.enabled, after.flows.cart_recovery.enabled]).toEqual([true, true, false]);

    const page = await onboardingPage(deps, SHOP, "de");
    expect(page.progress.label).toBe("5 von 5 Schritten erledigt");
    expect(page.test).toMatchObject({ status: "SENT", phone: "+4915123456789" });
    expect(page.templates.missing).toBe("Alle von Momento vorgeschlagenen Vorlagen sind genehmigt.");
  });

  it("records a refused test message as FAILED with Meta's code explained", async () => {
    const { deps, sim } = setup();
    await onboardingAction(deps, SHOP, form(credentials), "en");
    sim.setTemplateStatus("momento_order_confirmation", "en", "PAUSED");
    const result = await onboardingAction(deps, SHOP, form({ intent: "sendTest", phone: "+4915123456789" }), "en");
    expect(result).toMatchObject({ ok: false, explanation: { code: 132015, meaning: expect.stringMatching(/paused the template/) } });
    const message = await db.message.findFirstOrThrow({ where: { shop: SHOP, flow: "test_message" } });
    expect(message).toMatchObject({ status: "FAILED", errorCode: 132015 });
    expect((await onboardingPage(deps, SHOP, "en")).steps.test).toBe(false);
  });

  it("lists missing templates and links the shop's checkout editor", async () => {
    const { deps, sim } = setup();
    await onboardingAction(deps, SHOP, form(credentials), "en");
    sim.setTemplateStatus("momento_opt_in_confirmation", "de", "REJECTED");
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    const page = await onboardingPage(deps, SHOP, "en");
    expect(page.templates.missing).toMatch(/^Not approved yet: momento_opt_in_confirmation \(de\)\./);
    expect(page.checkout.editorUrl).toBe("https://admin.shopify.com/store/onboarding-test/settings/checkout/editor");
    expect(checkoutEditorUrl("a-b.myshopify.com")).toBe("https://admin.shopify.com/store/a-b/settings/checkout/editor");
    expect(page.callbackUrl).toBe(`${APP_URL}/webhooks/whatsapp`);
  });

  it("submits the suggested templates the WABA lacks through the Setup action, and names the one Meta refuses", async () => {
    const sim = createCloudApiSimulator({
      clock, appSecret: SECRET, accessToken: TOKEN, phoneNumberId: PHONE_ID, wabaId: WABA_ID,
      // The WABA has everything but the German cart reminders; Meta reviews new templates for an hour.
      templates: suggestedTemplates(APP_URL).filter((t) => !(t.name.startsWith("momento_cart_recovery") && !OPTIONAL_TEMPLATES.has(t.name) && t.language === "de")),
      templateReviewMs: 3_600_000,
      deliverWebhook: async () => undefined,
    });
    const { deps } = setup({ fetch: sim.fetch });
    await onboardingAction(deps, SHOP, form(credentials), "en");
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect((await onboardingPage(deps, SHOP, "en")).templates.missing).toMatch(/^Not approved yet: momento_cart_recovery_1 \(de\), momento_cart_recovery_2 \(de\), momento_cart_recovery_2_discount \(de\)\. Submit them/);

    // Meta refuses the second one (a name it already holds in German): the merchant hears which, and how many went through.
    let posts = 0;
    const refuseSecond: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "POST" && ++posts === 2) return Response.json({ error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 2388023 } }, { status: 400 });
      return sim.fetch(request);
    };
    const refused = await onboardingAction({ ...deps, cloudApi: { ...deps.cloudApi, fetch: refuseSecond } }, SHOP, form({ intent: "submitTemplates" }), "en");
    expect(refused).toMatchObject({ ok: false, intent: "submitTemplates", message: expect.stringMatching(/^momento_cart_recovery_2 \(de\) could not be submitted \(1 submitted before it\)\./) });

    const submitted = await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en");
    expect(submitted).toMatchObject({ ok: true, message: "2 templates submitted to Meta for approval." });
    const rows = (await onboardingPage(deps, SHOP, "en")).templates.rows.filter((t) => t.language === "de" && t.name.startsWith("momento_cart_recovery") && !OPTIONAL_TEMPLATES.has(t.name));
    expect(rows.map((t) => [t.name, t.status])).toEqual([["momento_cart_recovery_1", "PENDING"], ["momento_cart_recovery_2", "PENDING"], ["momento_cart_recovery_2_discount", "PENDING"]]);
    // Nothing left to submit.
    expect(await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en")).toMatchObject({ ok: true, message: "0 templates submitted to Meta for approval." });
  });

  it("an image-header variant Meta refuses does not stop the templates the flows need, nor the Setup step", async () => {
    const sim = createCloudApiSimulator({
      clock, appSecret: SECRET, accessToken: TOKEN, phoneNumberId: PHONE_ID, wabaId: WABA_ID,
      templates: suggestedTemplates(APP_URL).filter((t) => t.name !== "momento_order_confirmation" && !OPTIONAL_TEMPLATES.has(t.name)),
      deliverWebhook: async () => undefined,
    });
    const refuseMedia: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "POST" && request.url.endsWith("/message_templates") && ((await request.clone().json()) as { name: string }).name.endsWith("_image")) {
        return Response.json({ error: { message: "Invalid parameter", type: "OAuthException", code: 100, error_subcode: 2388273 } }, { status: 400 });
      }
      return sim.fetch(request);
    };
    const { deps } = setup({ fetch: refuseMedia });
    await onboardingAction(deps, SHOP, form({ ...credentials, appId: DEFAULT_APP_ID }), "en");
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect(await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en")).toMatchObject({ ok: true, message: "2 templates submitted to Meta for approval." });
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect((await onboardingPage(deps, SHOP, "en")).templates.missing).not.toMatch(/Not approved yet/);
  });

  it("counts the checkout step done once opt-ins arrive from checkout", async () => {
    const { deps } = setup();
    const consent = await db.consent.create({ data: { shop: SHOP, phone: "+4915100000001", state: "REQUESTED", updatedAt: clock.now() } });
    await db.consentEvent.create({ data: { consentId: consent.id, shop: SHOP, fromState: "NONE", toState: "REQUESTED", source: "checkout", at: clock.now() } });
    expect((await onboardingPage(deps, SHOP, "en")).steps.checkout).toBe(true);
    await db.consent.deleteMany();
  });
});

describe("the example image of the IMAGE-header templates", () => {
  const IMAGE_TEMPLATES = ["momento_back_in_stock_image (de)", "momento_back_in_stock_image (en)", "momento_cart_recovery_1_image (de)", "momento_cart_recovery_1_image (en)"];

  /** A WABA with every suggested template but the order confirmation and the image variants; records the Graph calls. */
  function withoutImageTemplates() {
    const sim = createCloudApiSimulator({
      clock, appSecret: SECRET, accessToken: TOKEN, phoneNumberId: PHONE_ID, wabaId: WABA_ID,
      templates: suggestedTemplates(APP_URL).filter((t) => t.name !== "momento_order_confirmation" && !OPTIONAL_TEMPLATES.has(t.name)),
      deliverWebhook: async () => undefined,
    });
    const calls: { method: string; path: string; body: string }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const body = request.headers.get("content-type") === "application/json" ? await request.clone().text() : "";
      calls.push({ method: request.method, path: new URL(request.url).pathname, body });
      return sim.fetch(request);
    };
    const { deps } = setup({ fetch: recording });
    const uploads = () => calls.filter((c) => c.path.endsWith("/uploads") || c.path.includes("/upload:"));
    const created = () => calls.filter((c) => c.method === "POST" && c.path.endsWith("/message_templates")).map((c) => JSON.parse(c.body) as TemplateDefinition);
    return { sim, deps, uploads, created };
  }

  it("is the committed PNG, drawn the same on every run and small", () => {
    const committed = readFileSync(new URL(`../../app/.server/templates/assets/${EXAMPLE_IMAGE.fileName}`, import.meta.url));
    expect(committed.equals(exampleImagePng())).toBe(true);
    expect(committed.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(committed.length).toBeLessThan(100_000);
  });

  it("is uploaded once per submission through the Resumable Upload API, and its handle is the IMAGE headers' example", async () => {
    const { sim, deps, uploads, created } = withoutImageTemplates();
    expect(await onboardingAction(deps, SHOP, form({ ...credentials, appId: DEFAULT_APP_ID }), "en")).toMatchObject({ ok: true });
    expect((await onboardingPage(deps, SHOP, "en")).connection).toMatchObject({ appId: DEFAULT_APP_ID });
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect(await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en")).toEqual({ ok: true, intent: "submitTemplates", message: "6 templates submitted to Meta for approval." });

    expect(uploads().map((c) => `${c.method} ${c.path.replace(/upload:.*/, "upload:…")}`)).toEqual([`POST /v24.0/${DEFAULT_APP_ID}/uploads`, "POST /v24.0/upload:…"]);
    const images = created().filter((t) => OPTIONAL_TEMPLATES.has(t.name));
    expect(images.map((t) => `${t.name} (${t.language})`).sort()).toEqual(IMAGE_TEMPLATES);
    const handles = new Set(images.map((t) => (t.components[0] as { example: { header_handle: string[] } }).example.header_handle[0]));
    expect([...handles]).toEqual([expect.stringMatching(/^4::aW1hZ2UvcG5n:/)]);
    // The simulator only approves a media header whose example handle it issued.
    expect(sim.rejected).toEqual([]);
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    const rows = (await onboardingPage(deps, SHOP, "en")).templates.rows.filter((t) => OPTIONAL_TEMPLATES.has(t.name));
    expect(rows.map((t) => t.status)).toEqual(["APPROVED", "APPROVED", "APPROVED", "APPROVED"]);

    // Nothing with an image header is missing any more: no upload.
    await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en");
    expect(uploads()).toHaveLength(2);
  });

  it("an upload Meta refuses leaves the image templates out, submits the others and tells the merchant why, in English and German", async () => {
    const { deps, created } = withoutImageTemplates();
    // An app id this token has no role on: Meta answers 100 (subcode 33) to the session request.
    await onboardingAction(deps, SHOP, form({ ...credentials, appId: "987654321098" }), "en");
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    const en = await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en");
    expect(en).toMatchObject({
      ok: false,
      intent: "submitTemplates",
      message: `2 templates submitted to Meta for approval. Not submitted: momento_cart_recovery_1_image (de), momento_cart_recovery_1_image (en), momento_back_in_stock_image (de), momento_back_in_stock_image (en). Meta reviews these templates with an example image, which Momento uploads to your Meta app. Meta refused the upload of the example image with error 100.`,
      explanation: { code: 100 },
    });
    expect(created().map((t) => `${t.name} (${t.language})`)).toEqual(["momento_order_confirmation (de)", "momento_order_confirmation (en)"]);
    const de = await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "de");
    expect(de).toMatchObject({ ok: false, message: expect.stringMatching(/^0 Vorlagen bei Meta zur Prüfung eingereicht\. Nicht eingereicht: momento_cart_recovery_1_image \(de\), .*Meta hat das Hochladen des Beispielbilds mit Fehler 100 abgelehnt\.$/) });
  });

  it("without the app's id nothing is uploaded and the merchant is asked for it; with it the image templates follow", async () => {
    const { deps, uploads } = withoutImageTemplates();
    await onboardingAction(deps, SHOP, form(credentials), "en");
    await onboardingAction(deps, SHOP, form({ intent: "syncTemplates" }), "en");
    expect(await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "de")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^2 Vorlagen bei Meta zur Prüfung eingereicht\. Nicht eingereicht: .* Trage die App-ID deiner Meta-App in der WhatsApp-Verbindung \(Schritt 1\) ein und reiche dann erneut ein\.$/),
    });
    expect(uploads()).toEqual([]);

    expect(await onboardingAction(deps, SHOP, form({ ...credentials, appId: "12ab" }), "en")).toMatchObject({ ok: false, errors: { appId: expect.any(String) } });
    expect(await onboardingAction(deps, SHOP, form({ ...credentials, appSecret: "", verifyToken: "", appId: DEFAULT_APP_ID }), "en")).toMatchObject({ ok: true });
    expect(await onboardingAction(deps, SHOP, form({ intent: "submitTemplates" }), "en")).toEqual({ ok: true, intent: "submitTemplates", message: "4 templates submitted to Meta for approval." });
  });
});
