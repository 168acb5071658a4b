// The three compliance webhooks through the real signed routes, with Shopify's own sample payloads:
// the export holds the customer's consent log and message history; customers/redact leaves no trace of
// the customer in any row while every count stays; shop/redact leaves no row of the shop at all.
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDb } from "~/.server/db";
import { computeStats } from "~/.server/analytics/stats";
import { transitionConsent } from "~/.server/consent/state";
import { fixture } from "../fixtures";
import { deliverShopifyWebhook, germanOrder, TEST_SHOP } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const OTHER_SHOP = "gdpr-other.myshopify.com";
// The customer of tests/fixtures/shopify/customers_*.json.
const JOHN = { id: 191167, email: "john@example.com", phone: "+4915112345678", orderId: 299938 };
const ANNA = { id: 555001, email: "anna@example.com", phone: "+4915199999999", orderId: 700001 };
const T0 = new Date("2026-03-02T09:00:00.000Z");
const JOHN_TRACES = ["+4915112345678", "15112345678", "151 12345678", "john@example.com", "jon@example.com", "John", "Smith", "Steve Shipper", "wamid.john"];

function orderOf(who: typeof JOHN, firstName: string, lastName: string) {
  const base: Record<string, unknown> = germanOrder();
  const address = { first_name: firstName, last_name: lastName, name: `${firstName} ${lastName}`, phone: who.phone, address1: `${lastName}weg 1`, city: "Berlin", zip: "10115", country: "Germany", country_code: "DE" };
  return germanOrder({
    id: who.orderId,
    admin_graphql_api_id: `gid://shopify/Order/${who.orderId}`,
    name: `#${who.orderId}`,
    email: who.email,
    contact_email: who.email,
    phone: who === JOHN ? "+49 151 12345678" : who.phone,
    checkout_token: `chk-${who.id}`,
    customer: { ...(base.customer as object), id: who.id, admin_graphql_api_id: `gid://shopify/Customer/${who.id}`, first_name: firstName, last_name: lastName, email: who.email, phone: null, default_address: address },
    billing_address: address,
    shipping_address: who === JOHN ? base.shipping_address : address,
  });
}

function checkoutOf(who: typeof JOHN) {
  const anna = { first_name: "Anna", last_name: "Adler", name: "Anna Adler", phone: ANNA.phone, address1: "Adlerweg 1", city: "Berlin", zip: "10115", country: "Germany", country_code: "DE" };
  return {
    ...fixture("shopify/checkouts_create.json"),
    ...(who === ANNA ? { billing_address: anna, shipping_address: anna } : {}),
    token: `chk-${who.id}`,
    email: who.email,
    phone: who.phone,
    customer: { id: who.id, admin_graphql_api_id: `gid://shopify/Customer/${who.id}`, email: who.email, first_name: who === JOHN ? "John" : "Anna" },
    created_at: "2026-03-02T09:50:00+01:00",
    updated_at: "2026-03-02T09:50:00+01:00",
  };
}

async function ok(response: Promise<Response>) {
  expect((await response).status).toBe(200);
}

/** A shop with two customers, each with an order, a checkout, a confirmed consent and a sent message. */
async function seedShop(shop: string) {
  await db.session.create({ data: { id: `offline_${shop}`, shop, state: "s", isOnline: false, accessToken: `token-${shop}` } });
  for (const [who, first, last] of [[JOHN, "John", "Smith"], [ANNA, "Anna", "Adler"]] as const) {
    // The order first: its checkout then plans no cart reminders (the seed has one message per customer).
    await ok(deliverShopifyWebhook({ shop, topic: "orders/create", payload: orderOf(who, first, last) }));
    await ok(deliverShopifyWebhook({ shop, topic: "checkouts/create", payload: checkoutOf(who) }));
    const change = { shop, phone: who.phone, customerId: String(who.id), locale: "de" };
    await transitionConsent(db, { ...change, to: "REQUESTED", source: "checkout", at: T0, evidence: { at: T0.toISOString(), checkoutToken: `chk-${who.id}`, wording: "Ja, ich will WhatsApp-News", wordingVersion: "v3", locale: "de" } });
    await transitionConsent(db, { ...change, to: "CONFIRMED", source: "whatsapp_button", at: new Date(T0.getTime() + 60_000), evidence: { at: new Date(T0.getTime() + 60_000).toISOString(), inboundWaMessageId: `wamid.${first.toLowerCase()}-yes`, wordingVersion: "v3" } });
  }
  const messages = await db.message.findMany({ where: { shop } });
  expect(messages).toHaveLength(2);
  for (const m of messages) {
    const who = m.to === JOHN.phone ? "john" : "anna";
    await db.message.update({ where: { id: m.id }, data: { status: "SENT", sentAt: new Date(T0.getTime() + 120_000), waMessageId: `wamid.${who}-${shop}` } });
    await db.messageEvent.create({ data: { messageId: m.id, status: "SENT", source: "worker", at: new Date(T0.getTime() + 120_000) } });
  }
}

/** Every row of a shop, in every table, as text: what a `grep` over the database would see. */
async function shopRows(shop: string) {
  const where = { where: { shop } };
  const rows = {
    shop: await db.shop.findMany({ where: { domain: shop } }),
    session: await db.session.findMany(where),
    webhookEvent: await db.webhookEvent.findMany(where),
    customer: await db.customer.findMany(where),
    order: await db.order.findMany(where),
    checkout: await db.checkout.findMany(where),
    consent: await db.consent.findMany(where),
    consentEvent: await db.consentEvent.findMany(where),
    message: await db.message.findMany(where),
    messageEvent: await db.messageEvent.findMany({ where: { message: { shop } } }),
    shopifySync: await db.shopifySync.findMany(where),
    dataExport: await db.dataExport.findMany(where),
  };
  return { rows, text: JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) };
}

const rowCount = async (shop: string) => Object.values((await shopRows(shop)).rows).reduce((n, list) => n + list.length, 0);

beforeEach(async () => {
  for (const table of ["dataExport", "shopifySync", "consentEvent", "consent", "messageEvent", "message", "order", "checkout", "customer", "webhookEvent", "session", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
  await seedShop(TEST_SHOP);
  await seedShop(OTHER_SHOP);
});

describe("customers/data_request", () => {
  it("stores the customer's consent log and message history for download, and logs no personal data", async () => {
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    await ok(deliverShopifyWebhook({ topic: "customers/data_request", payload: fixture("shopify/customers_data_request.json") }));
    const lines = info.mock.calls.map((c) => c.join(" ")).filter((l) => l.startsWith("[gdpr]"));
    info.mockRestore();

    const exports = await db.dataExport.findMany();
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({ shop: TEST_SHOP, requestId: "9999", customerKey: "customer:191167" });
    const content = JSON.parse(exports[0].content);
    expect(content).toMatchObject({ kind: "momento.customer_data", shop: TEST_SHOP, requestId: "9999", request: { shopifyCustomerId: "191167", ordersRequested: ["299938", "280263", "220458"] } });

    expect(content.consents).toHaveLength(1);
    expect(content.consents[0]).toMatchObject({ phone: JOHN.phone, state: "CONFIRMED", shopifyCustomerId: "191167" });
    expect(content.consents[0].events).toEqual([
      { at: T0.toISOString(), from: "NONE", to: "REQUESTED", source: "checkout", evidence: { at: T0.toISOString(), checkoutToken: "chk-191167", wording: "Ja, ich will WhatsApp-News", wordingVersion: "v3", locale: "de" } },
      { at: "2026-03-02T09:01:00.000Z", from: "REQUESTED", to: "CONFIRMED", source: "whatsapp_button", evidence: { at: "2026-03-02T09:01:00.000Z", inboundWaMessageId: "wamid.john-yes", wordingVersion: "v3" } },
    ]);
    expect(content.messages).toEqual([
      expect.objectContaining({ flow: "order_confirmation", template: "momento_order_confirmation", language: "de", status: "SENT", to: JOHN.phone, sentAt: "2026-03-02T09:02:00.000Z", createdAt: expect.any(String) }),
    ]);
    expect(content.orders).toEqual([expect.objectContaining({ shopifyOrderId: "299938", name: "#299938" })]);
    expect(content.customers).toEqual([expect.objectContaining({ shopifyCustomerId: "191167", email: JOHN.email, firstName: "John" })]);
    expect(content.checkouts).toEqual([expect.objectContaining({ token: "chk-191167" })]);
    // Nothing of the other customer, nothing of the other shop.
    expect(exports[0].content).not.toContain(ANNA.phone);
    expect(exports[0].content).not.toContain(OTHER_SHOP);

    const event = await db.webhookEvent.findFirstOrThrow({ where: { topic: "customers/data_request" } });
    expect(event.note).toMatch(/^exported: data export \S+ for request 9999 with 1 consent\(s\), 1 message\(s\), 1 order\(s\)$/);
    expect(event.payload).not.toMatch(/john@example\.com|555-625-1199/);
    expect(lines).toHaveLength(1);
    for (const trace of [...JOHN_TRACES, "555-625-1199", "191167"]) expect(lines[0]).not.toContain(trace);
  });

  it("finds a guest's data (no Shopify customer id here) by email or by phone", async () => {
    const guest = { email: "gast@example.com", phone: "+4915177777777" };
    const base = germanOrder();
    await ok(deliverShopifyWebhook({
      topic: "orders/create",
      payload: { ...base, id: 700777, admin_graphql_api_id: "gid://shopify/Order/700777", name: "#700777", email: guest.email, contact_email: guest.email, phone: "0151 77777777", customer: null, billing_address: null, shipping_address: null },
    }));
    await transitionConsent(db, { shop: TEST_SHOP, phone: guest.phone, to: "REQUESTED", source: "checkout", at: T0, evidence: { wordingVersion: "v3" } });

    const request = fixture("shopify/customers_data_request.json");
    await ok(deliverShopifyWebhook({ topic: "customers/data_request", payload: { ...request, customer: { id: 909090, email: "GAST@example.com", phone: null }, orders_requested: [], data_request: { id: 1 } } }));
    await ok(deliverShopifyWebhook({ topic: "customers/data_request", payload: { ...request, customer: { id: 909090, email: null, phone: "0151 77777777" }, orders_requested: [], data_request: { id: 2 } } }));
    const exports = (await db.dataExport.findMany({ orderBy: { requestId: "asc" } })).map((e) => JSON.parse(e.content));
    expect(exports).toHaveLength(2);
    for (const content of exports) {
      expect(content.consents.map((c: { phone: string }) => c.phone)).toEqual([guest.phone]);
      expect(content.messages.map((m: { to: string }) => m.to)).toEqual([guest.phone]);
      expect(content.orders.map((o: { shopifyOrderId: string }) => o.shopifyOrderId)).toEqual(["700777"]);
    }
  });
});

describe("customers/redact", () => {
  it("erases the customer's phone, names, emails and message contents from every row, and keeps every count", async () => {
    await ok(deliverShopifyWebhook({ topic: "customers/data_request", payload: fixture("shopify/customers_data_request.json") }));
    const period = { shop: TEST_SHOP, from: new Date("2026-03-01T00:00:00Z"), to: new Date("2026-03-05T00:00:00Z") };
    const before = await computeStats(db, period);
    const otherShopBefore = (await shopRows(OTHER_SHOP)).text;
    expect((await shopRows(TEST_SHOP)).text).toContain(JOHN.phone);

    await ok(deliverShopifyWebhook({ topic: "customers/redact", payload: fixture("shopify/customers_redact.json") }));

    const { rows, text } = await shopRows(TEST_SHOP);
    for (const trace of JOHN_TRACES) expect(text, `"${trace}" is still in the shop's rows`).not.toContain(trace);

    // The consent is REDACTED through the state machine, its log anonymous but complete.
    const johnsConsent = rows.consent.find((c) => c.state === "REDACTED")!;
    expect(johnsConsent).toMatchObject({ phone: null, waUserId: null, customerId: null });
    const log = rows.consentEvent.filter((e) => e.consentId === johnsConsent.id);
    expect(log.map((e) => `${e.fromState}>${e.toState}:${e.source}`)).toEqual(["NONE>REQUESTED:checkout", "REQUESTED>CONFIRMED:whatsapp_button", "CONFIRMED>REDACTED:gdpr"]);
    expect(JSON.parse(log[0].evidence)).toEqual({ at: T0.toISOString(), wordingVersion: "v3", locale: "de", redacted: true });
    expect(rows.shopifySync.filter((s) => s.payload.includes(johnsConsent.id)).every((s) => s.status !== "PENDING" && !s.payload.includes("+49"))).toBe(true);

    // The message row stays for the counts, without recipient or contents.
    const johnsMessage = rows.message.find((m) => m.to === null)!;
    expect(johnsMessage).toMatchObject({ flow: "order_confirmation", status: "SENT", components: "[]", waMessageId: null, sentAt: new Date(T0.getTime() + 120_000) });
    expect(johnsMessage.customerKey).toMatch(/^redacted:/);
    expect(rows.dataExport).toHaveLength(0);
    expect(rows.customer.find((c) => c.key.startsWith("redacted:"))).toMatchObject({ phone: null, email: null, firstName: null, shopifyCustomerId: null });
    expect(rows.order.find((o) => o.shopifyOrderId === String(JOHN.orderId))).toMatchObject({ phone: null, orderStatusUrl: null, totalPrice: "49.90" });

    const after = await computeStats(db, period);
    expect(after.messages).toEqual(before.messages);
    expect(after.consent).toEqual(before.consent);

    // The other customer and the other shop are untouched.
    expect(text).toContain(ANNA.phone);
    expect(text).toContain(ANNA.email);
    expect(rows.consent.find((c) => c.phone === ANNA.phone)?.state).toBe("CONFIRMED");
    expect((await shopRows(OTHER_SHOP)).text).toBe(otherShopBefore);

    const event = await db.webhookEvent.findFirstOrThrow({ where: { topic: "customers/redact" } });
    expect(event.note).toMatch(/^erased: customers=1 orders=1 checkouts=1 consents=1 messages=1 shopifySyncs=1 dataExports=1 webhookEvents=\d+$/);
  });

  it("is harmless when delivered twice, and for a customer Momento never saw", async () => {
    const redact = fixture("shopify/customers_redact.json");
    await ok(deliverShopifyWebhook({ topic: "customers/redact", payload: redact }));
    const once = (await shopRows(TEST_SHOP)).rows;
    await ok(deliverShopifyWebhook({ topic: "customers/redact", payload: redact }));
    const twice = (await shopRows(TEST_SHOP)).rows;
    expect(twice.consentEvent).toEqual(once.consentEvent);
    expect(twice.message).toEqual(once.message);

    await ok(deliverShopifyWebhook({ topic: "customers/redact", payload: { ...redact, customer: { id: 1, email: "nobody@example.com", phone: null }, orders_to_redact: [] } }));
    expect((await db.webhookEvent.findFirstOrThrow({ where: { topic: "customers/redact" }, orderBy: { id: "desc" } })).note).toBe(
      "erased: customers=0 orders=0 checkouts=0 consents=0 messages=0 shopifySyncs=0 dataExports=0 webhookEvents=0",
    );
  });
});

describe("shop/redact", () => {
  it("leaves zero rows of the shop in any table, sessions included, and the other shop untouched", async () => {
    await ok(deliverShopifyWebhook({ topic: "customers/data_request", payload: fixture("shopify/customers_data_request.json") }));
    expect(await rowCount(TEST_SHOP)).toBeGreaterThan(20);
    const otherBefore = (await shopRows(OTHER_SHOP)).text;

    await ok(deliverShopifyWebhook({ topic: "shop/redact", payload: fixture("shopify/shop_redact.json") }));

    expect(await rowCount(TEST_SHOP)).toBe(0);
    expect((await shopRows(OTHER_SHOP)).text).toBe(otherBefore);

    // A redelivery (Shopify retries) finds nothing and keeps nothing.
    await ok(deliverShopifyWebhook({ topic: "shop/redact", payload: fixture("shopify/shop_redact.json") }));
    expect(await rowCount(TEST_SHOP)).toBe(0);
  });
});
