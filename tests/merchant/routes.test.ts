// The merchant pages through authenticated requests (a locally signed session token, as App Bridge sends
// it): the first open lands on Setup, the admin language is remembered, forms with bad input save
// nothing, and a flow switched off in Automations really stops its messages.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { signSessionToken } from "~/.server/demo/session-token";
import { sessionStorage } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { deliverShopifyWebhook, germanOrder, TEST_SHOP } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const APP_URL = process.env.SHOPIFY_APP_URL!;
const SHOP = TEST_SHOP;
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

function authed(path: string, init: RequestInit = {}): Request {
  const token = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${APP_URL}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA, ...init.headers } });
}

async function get<T>(path: string, file: string): Promise<T> {
  const response = await callRoute(authed(path), { file: routeFile(file) });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function post<T>(path: string, file: string, fields: Record<string, string | string[]>): Promise<T> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  const response = await callRoute(authed(path, { method: "POST", body, headers: { "Content-Type": "application/x-www-form-urlencoded" } }), { file: routeFile(file) });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const storedSettings = async () => (await db.shop.findUnique({ where: { domain: SHOP } }))?.settings ?? null;

type Result = { ok: boolean; message: string; errors?: Record<string, string> };

beforeAll(async () => {
  await ensureDemoSession(sessionStorage, SHOP, process.env.SCOPES!);
});

beforeEach(async () => {
  for (const table of ["messageEvent", "message", "whatsAppConnection", "webhookEvent", "order", "customer", "consentEvent", "consent", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

describe("the layout", () => {
  it("opens Setup on a new shop's first visit, keeping Shopify's parameters", async () => {
    const response = await callRoute(authed("/app?shop=x&host=y&locale=de"), { file: routeFile("app.tsx") });
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("/app/onboarding?shop=x&host=y&locale=de");
  });

  it("opens the dashboard for a shop that already sends, with German navigation once Shopify asked for German", async () => {
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder() });
    const layout = await get<{ nav: Record<string, string>; language: string }>("/app?locale=de-DE", "app.tsx");
    expect(layout.language).toBe("de");
    expect(layout.nav).toEqual({ home: "Start", setup: "Einrichtung (0/5)", automations: "Automationen", messages: "Nachrichtenprotokoll", subscribers: "Abonnenten", settings: "Einstellungen" });
    // A client-side navigation carries no locale: the remembered one applies.
    const settings = await get<{ strings: { title: string } }>("/app/settings", "app.settings.tsx");
    expect(settings.strings.title).toBe("Einstellungen");
    const english = await get<{ strings: { title: string } }>("/app/settings?locale=en", "app.settings.tsx");
    expect(english.strings.title).toBe("Settings");
  });
});

describe("Settings", () => {
  const rules = { intent: "rules", shopName: "", defaultLanguage: "de", quietHoursEnabled: "on", quietStart: "21:00", quietEnd: "08:00", capEnabled: "on", marketingCap: "2", attributionWindowDays: "5", holdoutPercent: "10" };

  it("saves valid rules, and a form with any bad field saves nothing", async () => {
    expect(await post<Result>("/app/settings", "app.settings.tsx", { ...rules, quietStart: "22:00", quietEnd: "07:00", holdoutPercent: "15", defaultLanguage: "en" })).toMatchObject({ ok: true });
    const saved = await storedSettings();
    expect(JSON.parse(saved!)).toMatchObject({ quietHours: { start: "22:00", end: "07:00" }, holdoutPercent: 15 });
    expect((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).locale).toBe("en");

    const bad = await post<Result>("/app/settings", "app.settings.tsx", { ...rules, quietStart: "09:00", quietEnd: "09:00", marketingCap: "-2", holdoutPercent: "1" });
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual({ quietEnd: expect.stringMatching(/Start and end are the same/), marketingCap: "Enter 1 or more." });
    expect(await storedSettings()).toBe(saved);
    expect((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).locale).toBe("en");
  });

  it("rejects an empty token on the credentials form without storing anything", async () => {
    const result = await post<Result>("/app/settings", "app.settings.tsx", { intent: "credentials", phoneNumberId: "100000000000001", wabaId: "100000000000002", accessToken: "", appSecret: "x", verifyToken: "momento-verify" });
    expect(result).toMatchObject({ ok: false, errors: { accessToken: expect.stringMatching(/Enter the access token/) } });
    expect(await db.whatsAppConnection.count()).toBe(0);
  });

  it("saves the cost table and rejects a bad one whole", async () => {
    expect(await post<Result>("/app/settings", "app.settings.tsx", { intent: "costs", costCurrency: "EUR", country: ["DE", "AT", "*"], marketing: ["0.1131", "0,12", "0.1"], utility: ["0.0456", "0.05", "0.04"] })).toMatchObject({ ok: true });
    const saved = await storedSettings();
    expect(JSON.parse(saved!).costRates).toEqual([
      { country: "DE", marketing: 0.1131, utility: 0.0456 },
      { country: "AT", marketing: 0.12, utility: 0.05 },
      { country: "*", marketing: 0.1, utility: 0.04 },
    ]);
    const bad = await post<Result>("/app/settings", "app.settings.tsx", { intent: "costs", costCurrency: "EUR", country: ["DE"], marketing: ["-1"], utility: ["0"] });
    expect(bad).toMatchObject({ ok: false, errors: { "marketing.0": "Enter 0 or more.", costRates: "Keep a row with * for all other countries." } });
    expect(await storedSettings()).toBe(saved);
  });

  it("shows the stored token only by its last four characters", async () => {
    const page = await get<{ connection: null }>("/app/settings", "app.settings.tsx");
    expect(page.connection).toBeNull();
  });
});

describe("Automations", () => {
  type Page = { flows: { id: string; enabled: boolean; previews: Record<string, Record<string, { text: string; buttons: { text: string }[] }>>; templateOptions: unknown[] }[] };

  it("lists every flow with its switch and a preview", async () => {
    const page = await get<Page>("/app/automations", "app.automations.tsx");
    expect(page.flows.map((f) => [f.id, f.enabled])).toEqual([
      ["order_confirmation", true],
      ["opt_in_confirmation", true],
      ["cart_recovery", true],
      ["shipping_update", true],
      ["feedback", true],
      ["wismo", true],
      ["auto_reply", true],
      ["back_in_stock", false],
      ["win_back", false],
      ["loyalty", false],
    ]);
    const byId = Object.fromEntries(page.flows.map((f) => [f.id, f]));
    expect(byId.shipping_update.previews.momento_shipping_update.de.text).toBe("Hallo Anna, deine Bestellung #1001 ist unterwegs! Versand mit DHL, Sendungsnummer 00340434161094042557.");
    expect(byId.feedback.previews.momento_feedback.en.buttons.map((b) => b.text)).toEqual(["10", "9", "8", "7", "6", "5"]);
    expect(byId.wismo.previews.text.de.text).toMatch(/^Deine Bestellung #1001: Sie ist unterwegs mit DHL, Sendungsnummer 00340434161094042557\.\nSendung verfolgen: https:/);
    expect(byId.auto_reply.previews.text.en.text).toBe("Thanks for your message! We have received it and will get back to you as soon as we can.");
    const order = page.flows[0].previews.momento_order_confirmation;
    expect(order.en.text).toBe("Hi Anna, thanks for your order #1001 of €49.90! We'll let you know as soon as it ships.");
    expect(order.en.buttons.map((b) => b.text)).toEqual(["View order"]);
    const optIn = page.flows[1].previews.momento_opt_in_confirmation;
    expect(optIn.de.text).toMatch(/^Hallo! momento-test möchte dir/);
    expect(optIn.de.buttons.map((b) => b.text)).toEqual(["Ja, anmelden", "Nein, danke"]);
  });

  it("switching a flow off makes its next message a visible 'not sent', and on again sends", async () => {
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "toggle", flow: "order_confirmation" })).toMatchObject({ ok: true, message: expect.stringMatching(/Order confirmation is off/) });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ admin_graphql_api_id: "gid://shopify/Order/9001", name: "#9001" }) });
    const skipped = await db.message.findFirstOrThrow({ where: { shop: SHOP, flow: "order_confirmation" }, include: { events: true } });
    expect(skipped).toMatchObject({ status: "SKIPPED", statusReason: "flow_off" });

    await post<Result>("/app/automations", "app.automations.tsx", { intent: "toggle", flow: "order_confirmation", enabled: "on" });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ admin_graphql_api_id: "gid://shopify/Order/9002", name: "#9002" }) });
    expect(await db.message.count({ where: { shop: SHOP, flow: "order_confirmation", status: "SCHEDULED" } })).toBe(1);

    const log = await get<{ rows: { why: string; statusLabel: string }[] }>("/app/messages?flow=order_confirmation&status=SKIPPED", "app.messages.tsx");
    expect(log.rows).toEqual([expect.objectContaining({ statusLabel: "Not sent", why: "This flow is switched off in Automations." })]);
  });

  it("saves timing and rejects a negative delay", async () => {
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "order_confirmation", enabled: "on", delayMinutes: "-10", template: "momento_order_confirmation" })).toMatchObject({
      ok: false,
      errors: { delayMinutes: "A delay cannot be negative. Enter 0 to send at once." },
    });
    expect(await storedSettings()).toBeNull();
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "cart_recovery", enabled: "on", step1Minutes: "30", step2Minutes: "720" })).toMatchObject({ ok: true });
    expect(JSON.parse((await storedSettings())!)).toEqual({ cartRecoverySteps: [30, 720] });
    // The feedback request's delay in days: 1 to 60.
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "feedback", enabled: "on", feedbackDelayDays: "0" })).toMatchObject({ ok: false, errors: { feedbackDelayDays: expect.any(String) } });
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "feedback", enabled: "on", feedbackDelayDays: "14" })).toMatchObject({ ok: true });
    expect(JSON.parse((await storedSettings())!)).toEqual({ cartRecoverySteps: [30, 720], feedbackDelayDays: 14 });
  });
});

describe("Automations preview with the shop's own data", () => {
  type Preview = { text: string; buttons: { text: string }[]; header?: { kind: string; url: string | null; label: string } };
  type Flow = { id: string; previewSource: string; previews: Record<string, Record<string, Preview>>; templateOptions: { value: string }[] };
  const flowsById = async () => Object.fromEntries((await get<{ flows: Flow[] }>("/app/automations", "app.automations.tsx")).flows.map((f) => [f.id, f]));

  beforeEach(async () => {
    await db.checkout.deleteMany();
    await db.whatsAppTemplate.deleteMany();
  });

  it("uses sample data while the shop has no order, then its latest order, with the planner's own parameters", async () => {
    const sample = await flowsById();
    expect(sample.order_confirmation.previewSource).toBe("Sample data");
    expect(sample.order_confirmation.previews.momento_order_confirmation.en.text).toBe("Hi Anna, thanks for your order #1001 of €49.90! We'll let you know as soon as it ships.");

    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ admin_graphql_api_id: "gid://shopify/Order/1041", name: "#1041", created_at: "2026-03-01T10:00:00+01:00" }) });
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ admin_graphql_api_id: "gid://shopify/Order/1042", name: "#1042", total_price: "59.00" }) });
    const real = await flowsById();
    expect(real.order_confirmation.previewSource).toBe("Preview with order #1042");
    // What the order confirmation for #1042 said (planned from the same order), word for word.
    const sent = await db.message.findFirstOrThrow({ where: { flow: "order_confirmation", dedupeKey: { endsWith: (await db.order.findFirstOrThrow({ where: { name: "#1042" } })).id } } });
    const parameters = (JSON.parse(sent.components) as { type: string; parameters: { text: string }[] }[]).find((c) => c.type === "body")!.parameters.map((p) => p.text);
    expect(parameters).toEqual(["John", "#1042", "59,00\u00a0€"]);
    expect(real.order_confirmation.previews.momento_order_confirmation.de.text).toBe("Hallo John, danke für deine Bestellung #1042 über 59,00\u00a0€! Wir melden uns, sobald sie unterwegs ist.");
    expect(real.order_confirmation.previews.momento_order_confirmation.en.text).toBe("Hi John, thanks for your order #1042 of €59.00! We'll let you know as soon as it ships.");
    // Loyalty: the order's customer; the code, percent and last day exist only at send time (samples).
    expect(real.loyalty.previewSource).toBe("Preview with order #1042");
    expect(real.loyalty.previews.momento_loyalty_thanks.de.text).toMatch(/^Hallo John, das war schon deine 3\. Bestellung – danke für deine Treue! Mit dem Code MOMENTO-7KQ2M9XD/);
    // No fulfilment with tracking, no checkout, no back-in-stock signup yet: sample data there.
    expect([real.shipping_update.previewSource, real.cart_recovery.previewSource, real.back_in_stock.previewSource]).toEqual(["Sample data", "Sample data", "Sample data"]);

    const german = await callRoute(authed("/app/automations?locale=de"), { file: routeFile("app.automations.tsx") });
    expect(((await german.json()) as { flows: Flow[] }).flows[0].previewSource).toBe("Vorschau mit Bestellung #1042");
  });

  it("saves a flow's video URL only as https, and the preview names it for a VIDEO-header template", async () => {
    for (const bad of ["http://cdn.example.com/a.mp4", "how-to.mp4", "javascript:alert(1)"]) {
      expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "back_in_stock", headerVideoUrl: bad })).toMatchObject({
        ok: false,
        errors: { headerVideoUrl: "Enter a complete address starting with https://, e.g. https://cdn.example.com/how-to.mp4." },
      });
    }
    expect(await storedSettings()).toBeNull();
    const url = "https://cdn.example.com/how-to.mp4";
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "back_in_stock", headerVideoUrl: url })).toMatchObject({ ok: true });
    expect(JSON.parse((await storedSettings())!)).toEqual({ flows: { back_in_stock: { headerVideoUrl: url } } });
    // A form without the field leaves it alone; an empty one clears it.
    await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "back_in_stock" });
    expect(JSON.parse((await storedSettings())!).flows.back_in_stock.headerVideoUrl).toBe(url);

    const { upsertTemplate } = await import("~/.server/templates/whatsapp-templates");
    const body = { type: "BODY", text: "Gute Nachricht: {{1}} ist wieder da!", example: { body_text: [["Sneaker"]] } };
    await upsertTemplate(db, SHOP, { name: "restock_video", language: "de", category: "MARKETING", status: "APPROVED", components: [{ type: "HEADER", format: "VIDEO" }, body, { type: "BUTTONS", buttons: [{ type: "URL", text: "Ansehen", url: `${APP_URL}/r/{{1}}` }] }], rejectedReason: null, metaId: null }, new Date());
    const flow = (await flowsById()).back_in_stock;
    expect(flow.templateOptions.map((o) => o.value)).toEqual(["momento_back_in_stock", "restock_video"]);
    expect(flow.previews.restock_video.de.header).toEqual({ kind: "video", url, label: `Video: ${url}` });
    await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "back_in_stock", headerVideoUrl: "" });
    expect((await flowsById()).back_in_stock.previews.restock_video.de.header).toMatchObject({ kind: "placeholder", url: null });
  });

  it("fills the cart reminders from the latest checkout and shows the image header of the image template", async () => {
    const sample = (await import("../cart-recovery/helpers")).checkoutPayload("preview-token");
    const image = "https://cdn.shopify.com/s/files/1/products/sneaker.png";
    const items = (sample.line_items as Record<string, unknown>[]).map((item, i) => ({ ...item, image_url: i === 0 ? image : undefined }));
    await deliverShopifyWebhook({ topic: "checkouts/create", payload: { ...sample, line_items: items } });
    // The WABA lists Momento's image variant as approved: the mapping offers it, and its preview has the picture.
    const { suggestedTemplates } = await import("~/.server/templates/catalogue");
    const { upsertTemplate } = await import("~/.server/templates/whatsapp-templates");
    for (const t of suggestedTemplates(APP_URL).filter((t) => t.name.startsWith("momento_cart_recovery"))) {
      await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, new Date());
    }
    const cart = (await flowsById()).cart_recovery;
    expect(cart.previewSource).toMatch(/^Preview with the checkout of /);
    expect(cart.templateOptions.map((o) => o.value)).toEqual(["momento_cart_recovery_1", "momento_cart_recovery_1_image"]);
    expect(cart.previews.momento_cart_recovery_1.de.text).toMatch(/^Hallo John, in deinem Warenkorb liegt noch Sneaker Classic und 2 × Socken \(insgesamt 89,90\u00a0€\)/);
    expect(cart.previews.momento_cart_recovery_1.de.header).toBeUndefined();
    expect(cart.previews.momento_cart_recovery_1_image.en.header).toEqual({ kind: "image", url: image, label: "Product image" });
    expect(cart.previews.momento_cart_recovery_2_discount.en.text).toMatch(/Use code MOMENTO-7KQ2M9XD for 10% off/);
  });

  it("shows the image a send looked up at Shopify for a checkout whose webhook had none, and a placeholder before", async () => {
    // The real checkouts/create sample: line items with variant_id 808950810 and no image.
    await deliverShopifyWebhook({ topic: "checkouts/create", payload: (await import("../cart-recovery/helpers")).checkoutPayload("preview-cached") });
    const { suggestedTemplates } = await import("~/.server/templates/catalogue");
    const { upsertTemplate } = await import("~/.server/templates/whatsapp-templates");
    for (const t of suggestedTemplates(APP_URL).filter((t) => t.name === "momento_cart_recovery_1_image")) {
      await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, new Date());
    }
    await db.variantImage.deleteMany();
    expect((await flowsById()).cart_recovery.previews.momento_cart_recovery_1_image.en.header).toMatchObject({ kind: "placeholder", url: null });
    const image = "https://cdn.shopify.com/s/files/1/products/ipod-nano.png";
    await db.variantImage.create({ data: { shop: SHOP, variantId: "808950810", imageUrl: image, fetchedAt: new Date("2020-01-01T00:00:00Z") } });
    expect((await flowsById()).cart_recovery.previews.momento_cart_recovery_1_image.en.header).toEqual({ kind: "image", url: image, label: "Product image" });
  });
});

describe("Setup and Message log pages", () => {
  it("serve their data through the routes", async () => {
    const setup = await get<{ steps: Record<string, boolean>; callbackUrl: string; demoCredentials: unknown }>("/app/onboarding", "app.onboarding.tsx");
    expect(setup.steps).toEqual({ connect: false, templates: false, test: false, checkout: false, flows: false });
    expect(setup.callbackUrl).toBe(`${APP_URL}/webhooks/whatsapp`);
    expect(setup.demoCredentials).toBeNull();
    const bad = await post<Result>("/app/onboarding", "app.onboarding.tsx", { intent: "connect", phoneNumberId: "12ab", wabaId: "", accessToken: "", appSecret: "", verifyToken: "x" });
    expect(Object.keys(bad.errors ?? {}).sort()).toEqual(["accessToken", "appSecret", "phoneNumberId", "verifyToken", "wabaId"]);
    const log = await get<{ hasAny: boolean; strings: { empty: string } }>("/app/messages", "app.messages.tsx");
    expect(log.hasAny).toBe(false);
  });
});

describe("Automations: back in stock, win-back and loyalty", () => {
  it("shows their settings and German/English previews, saves valid values and refuses bad ones without saving", async () => {
    type Flow = { id: string; fields: { name: string; value: string }[]; previews: Record<string, Record<string, { text: string }>> };
    const page = await get<{ flows: Flow[] }>("/app/automations", "app.automations.tsx");
    const loyalty = page.flows.find((f) => f.id === "loyalty")!;
    expect(loyalty.fields.map((f) => [f.name, f.value])).toEqual([["loyaltyOrderCount", "3"], ["loyaltyDiscountPercent", "10"], ["vipLifetimeValue", "500"], ["vipTag", "whatsapp-vip"], ["headerVideoUrl", ""]]);
    const winBack = page.flows.find((f) => f.id === "win_back")!;
    expect(winBack.previews.momento_win_back.de.text).toMatch(/^Hallo Anna, wir vermissen dich bei momento-test!/);
    expect(page.flows.find((f) => f.id === "back_in_stock")!.previews.momento_back_in_stock.en.text).toMatch(/^Good news: Sneaker Classic – 42 is back in stock!/);

    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "loyalty", loyaltyOrderCount: "1", loyaltyDiscountPercent: "10", vipLifetimeValue: "", vipTag: "a,b" })).toMatchObject({
      ok: false,
      errors: { loyaltyOrderCount: "Enter 2 or more.", vipTag: "Enter one tag of at most 40 characters, without commas." },
    });
    expect(await storedSettings()).toBeNull();
    expect(await post<Result>("/app/automations", "app.automations.tsx", { intent: "flow", flow: "loyalty", enabled: "on", loyaltyOrderCount: "5", loyaltyDiscountPercent: "15", vipLifetimeValue: "", vipTag: "vip" })).toMatchObject({ ok: true });
    expect(JSON.parse((await storedSettings())!)).toEqual({ flows: { loyalty: { enabled: true } }, loyaltyOrderCount: 5, loyaltyDiscountPercent: 15, vipLifetimeValue: null, vipTag: "vip" });
  });
});
