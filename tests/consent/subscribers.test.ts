// The Subscribers page through authenticated requests (a locally signed session token, as App Bridge
// sends it): list, search, filter, evidence trail, manual revoke, consent-log CSV and GDPR downloads.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { transitionConsent, type ConsentState } from "~/.server/consent/state";
import { csvField, formatEvidence, subscriberStrings, type SubscribersPage } from "~/.server/consent/subscribers";
import "~/.server/i18n/subscribers"; // registers the German strings
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { DEMO_USER_ID, signSessionToken } from "~/.server/demo/session-token";
import { sessionStorage } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { parseCsv } from "../helpers/csv";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const APP_URL = process.env.SHOPIFY_APP_URL!;
const SHOP = "subscribers-test.myshopify.com";
const OTHER_SHOP = "subscribers-other.myshopify.com";
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const PAGE = routeFile("app.subscribers.tsx");
const CSV = routeFile("app.subscribers[.]csv.tsx");
const DATA_EXPORT = routeFile("app.subscribers.data-export.$id.tsx");
const T0 = new Date("2026-03-02T09:00:00.000Z");
const ANNA = "+4915111122233";
const BEN = "+4915144455566";
const CARLA = "+4915177788899";

function authed(path: string, init: RequestInit = {}, shop = SHOP): Request {
  const token = signSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${APP_URL}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA, ...init.headers } });
}

async function page(query = "", shop = SHOP): Promise<SubscribersPage> {
  const response = await callRoute(authed(`/app/subscribers${query}`, {}, shop), { file: PAGE });
  expect(response.status).toBe(200);
  return (await response.json()) as SubscribersPage;
}

function revoke(consentId: string, shop = SHOP) {
  return callRoute(
    authed("/app/subscribers", { method: "POST", body: new URLSearchParams({ intent: "revoke", consentId }), headers: { "Content-Type": "application/x-www-form-urlencoded" } }, shop),
    { file: PAGE },
  );
}

async function move(phone: string, to: Exclude<ConsentState, "NONE">, minutes: number, source: Parameters<typeof transitionConsent>[1]["source"], evidence: Record<string, unknown>, shop = SHOP) {
  const at = new Date(T0.getTime() + minutes * 60_000);
  return transitionConsent(db, { shop, phone, to, source, at, evidence: { at: at.toISOString(), ...evidence }, customerId: phone === ANNA ? "7001" : null, locale: "de" });
}

beforeAll(async () => {
  for (const shop of [SHOP, OTHER_SHOP]) await ensureDemoSession(sessionStorage, shop, process.env.SCOPES!);
});

beforeEach(async () => {
  for (const table of ["dataExport", "shopifySync", "consentEvent", "consent", "messageEvent", "message", "customer"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
  await db.shop.upsert({ where: { domain: SHOP }, create: { domain: SHOP, installedAt: T0 }, update: {} });
  await db.customer.create({ data: { shop: SHOP, key: "customer:7001", shopifyCustomerId: "7001", phone: ANNA, email: "anna@example.com", firstName: "Anna" } });
  await db.customer.create({ data: { shop: SHOP, key: `phone:${BEN}`, phone: BEN, firstName: "Ben" } });

  // Anna: requested at checkout, confirmed on WhatsApp. Ben: requested, then STOP. Carla: requested only.
  await move(ANNA, "REQUESTED", 0, "checkout", { checkoutToken: "c1", wording: "Ja, ich will News, auch \"Angebote\"", wordingVersion: "v3", locale: "de" });
  await move(ANNA, "CONFIRMED", 5, "whatsapp_button", { inboundWaMessageId: "wamid.ANNA1", wordingVersion: "v3" });
  await move(BEN, "REQUESTED", 10, "checkout", { checkoutToken: "c2", wordingVersion: "3", locale: "de" });
  await move(BEN, "REVOKED", 20, "whatsapp_reply", { inboundWaMessageId: "wamid.BEN1" });
  await move(CARLA, "REQUESTED", 30, "checkout_marker", { checkoutToken: "=HYPERLINK(\"http://x\")" });
  await db.shopifySync.updateMany({ where: { shop: SHOP, payload: { contains: ANNA } }, data: { status: "DONE", doneAt: T0 } });
  await db.shopifySync.updateMany({ where: { shop: SHOP, payload: { contains: BEN } }, data: { status: "SKIPPED", reason: "no Shopify customer is known for this number (guest checkout or no order yet)" } });
  // A consent of another shop with Anna's number: never shown here.
  await move(ANNA, "REQUESTED", 0, "checkout", { checkoutToken: "other" }, OTHER_SHOP);
});

describe("the Subscribers page", () => {
  it("lists the shop's subscribers, newest change first, with names, states and the latest evidence", async () => {
    const data = await page();
    expect(data.hasAny).toBe(true);
    expect(data.total).toBe(3);
    expect(data.rows.map((r) => [r.phone, r.name, r.state, r.stateLabel])).toEqual([
      [CARLA, null, "REQUESTED", "Requested"],
      [BEN, "Ben", "REVOKED", "Revoked"],
      [ANNA, "Anna", "CONFIRMED", "Confirmed"],
    ]);
    expect(data.rows[2].evidence).toBe("wording v3, WhatsApp message wamid.ANNA1");
    expect(data.rows[2].since).toBe("2 Mar 2026, 10:05"); // the shop's time zone (Europe/Berlin)
    expect(data.countLabel).toBe("3 of 3");
    expect(data.strings.title).toBe("Subscribers");
  });

  it("searches by name (any case) and by phone as typed, and filters by state", async () => {
    expect((await page("?q=anna")).rows.map((r) => r.phone)).toEqual([ANNA]);
    expect((await page("?q=0151%20444")).rows.map((r) => r.phone)).toEqual([BEN]);
    expect((await page("?q=01511%201122233")).rows.map((r) => r.phone)).toEqual([ANNA]);
    expect((await page("?q=8899")).rows.map((r) => r.phone)).toEqual([CARLA]);
    expect((await page("?q=anna%40example.com")).rows.map((r) => r.phone)).toEqual([ANNA]);
    expect((await page("?state=REVOKED")).rows.map((r) => r.phone)).toEqual([BEN]);
    const none = await page("?q=zoe");
    expect(none).toMatchObject({ total: 0, rows: [], hasAny: true });
  });

  it("shows the full evidence trail of one subscriber in readable form, with the write-back status", async () => {
    const anna = (await page()).rows.find((r) => r.phone === ANNA)!;
    const { detail } = await page(`?selected=${anna.id}`);
    expect(detail).toMatchObject({ phone: ANNA, name: "Anna", email: "anna@example.com", customerId: "7001", state: "CONFIRMED", canRevoke: true });
    expect(detail!.events.map((e) => [e.at, e.from, e.to, e.source, e.summary, e.writeBack])).toEqual([
      ["2 Mar 2026, 10:00", "None", "Requested", "Checkout", "Checkout c1, wording v3, de", null],
      ["2 Mar 2026, 10:05", "Requested", "Confirmed", "WhatsApp button", "wording v3, WhatsApp message wamid.ANNA1", "Mirrored to Shopify"],
    ]);
    expect(detail!.events[0].details).toEqual([
      { label: "Checkout", value: "c1" },
      { label: "Wording", value: "“Ja, ich will News, auch \"Angebote\"”" },
      { label: "Wording version", value: "v3" },
      { label: "Language", value: "de" },
    ]);

    const ben = (await page()).rows.find((r) => r.phone === BEN)!;
    const benDetail = (await page(`?selected=${ben.id}`)).detail!;
    expect(benDetail.canRevoke).toBe(false);
    expect(benDetail.events[1].writeBack).toBe("Not mirrored to Shopify: no Shopify customer is known for this number (guest checkout or no order yet)");
  });

  it("never shows another shop's subscriber, not even by id", async () => {
    const other = await db.consent.findFirstOrThrow({ where: { shop: OTHER_SHOP } });
    expect((await page(`?selected=${other.id}`)).detail).toBeNull();
    expect((await page("", OTHER_SHOP)).rows.map((r) => r.phone)).toEqual([ANNA]);
  });

  it("tells a new merchant how subscribers arrive when there are none", async () => {
    await db.consentEvent.deleteMany();
    await db.consent.deleteMany({ where: { shop: SHOP } });
    const data = await page();
    expect(data.hasAny).toBe(false);
    expect(data.strings.emptyHeading).toBe("No subscribers yet");
    expect(data.strings.emptyBody.join(" ")).toMatch(/checkout/);
  });

  it("is refused without a valid session token", async () => {
    const forged = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: "another-secret" });
    const response = await callRoute(new Request(`${APP_URL}/app/subscribers`, { headers: { Authorization: `Bearer ${forged}`, "User-Agent": BROWSER_UA } }), { file: PAGE });
    expect(response.status).toBe(401);
  });
});

describe("manual revoke", () => {
  it("revokes with source admin and the staff member as evidence, and queues the write-back to Shopify", async () => {
    const anna = await db.consent.findFirstOrThrow({ where: { shop: SHOP, phone: ANNA } });
    const response = await revoke(anna.id);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, message: "Consent revoked" });

    expect((await db.consent.findUniqueOrThrow({ where: { id: anna.id } })).state).toBe("REVOKED");
    const last = await db.consentEvent.findFirstOrThrow({ where: { consentId: anna.id }, orderBy: { id: "desc" } });
    expect(last).toMatchObject({ fromState: "CONFIRMED", toState: "REVOKED", source: "admin" });
    expect(JSON.parse(last.evidence)).toMatchObject({ staffUserId: DEMO_USER_ID });
    expect(await db.shopifySync.findFirst({ where: { dedupeKey: `whatsapp_consent:${last.id}`, status: "PENDING" } })).not.toBeNull();

    const detail = (await page(`?selected=${anna.id}`)).detail!;
    expect(detail.events.at(-1)).toMatchObject({ source: "You (admin)", to: "Revoked", summary: `staff member ${DEMO_USER_ID}`, writeBack: "Shopify update pending" });
  });

  it("refuses what cannot be revoked, and another shop's consent", async () => {
    const ben = await db.consent.findFirstOrThrow({ where: { shop: SHOP, phone: BEN } });
    expect(await (await revoke(ben.id)).json()).toEqual({ ok: false, message: "Only a requested or confirmed consent can be revoked (this one is Revoked)." });
    const other = await db.consent.findFirstOrThrow({ where: { shop: OTHER_SHOP } });
    expect(await (await revoke(other.id)).json()).toEqual({ ok: false, message: "This subscriber no longer exists." });
    expect((await db.consent.findUniqueOrThrow({ where: { id: other.id } })).state).toBe("REQUESTED");
  });
});

describe("exports", () => {
  it("the consent log as CSV: one row per transition of this shop, readable and as JSON", async () => {
    const response = await callRoute(authed("/app/subscribers.csv"), { file: CSV });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="momento-consent-log.csv"');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte-order mark, for spreadsheet apps
    const [header, ...rows] = parseCsv(new TextDecoder().decode(bytes));
    expect(header).toEqual(["event_id", "at_utc", "whatsapp_number", "whatsapp_user_id", "shopify_customer_id", "name", "from_state", "to_state", "source", "evidence", "evidence_json"]);
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => [r[2], r[6], r[7], r[8]])).toEqual([
      [ANNA, "NONE", "REQUESTED", "checkout"],
      [ANNA, "REQUESTED", "CONFIRMED", "whatsapp_button"],
      [BEN, "NONE", "REQUESTED", "checkout"],
      [BEN, "REQUESTED", "REVOKED", "whatsapp_reply"],
      [CARLA, "NONE", "REQUESTED", "checkout_marker"],
    ]);
    expect(rows[0]).toEqual([expect.any(String), T0.toISOString(), ANNA, "", "7001", "Anna", "NONE", "REQUESTED", "checkout", "Checkout c1, wording v3, de", expect.any(String)]);
    expect(JSON.parse(rows[0][10])).toMatchObject({ checkoutToken: "c1", wording: 'Ja, ich will News, auch "Angebote"', wordingVersion: "v3" });
    expect(rows[4][9]).toBe('Checkout =HYPERLINK("http://x")');
    // A cell that a spreadsheet would run as a formula is defused; an E.164 number is left as it is.
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField(ANNA)).toBe(ANNA);
    expect(csvField("-1+2")).toBe("'-1+2");
  });

  it("the GDPR data exports: listed on the page and downloadable by their shop only", async () => {
    const row = await db.dataExport.create({ data: { shop: SHOP, requestId: "9999", customerKey: "customer:7001", createdAt: T0, content: JSON.stringify({ kind: "momento.customer_data", consents: [] }) } });
    const other = await db.dataExport.create({ data: { shop: OTHER_SHOP, requestId: "1", createdAt: T0, content: "{}" } });
    expect((await page()).dataExports).toEqual([{ id: row.id, label: "Request 9999 · 2 Mar 2026, 10:00" }]);

    const response = await callRoute(authed(`/app/subscribers/data-export/${row.id}`), { file: DATA_EXPORT, params: { id: row.id } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="momento-data-request-9999-2026-03-02.json"');
    expect(JSON.parse(await response.text())).toEqual({ kind: "momento.customer_data", consents: [] });

    const foreign = await callRoute(authed(`/app/subscribers/data-export/${other.id}`), { file: DATA_EXPORT, params: { id: other.id } });
    expect(foreign.status).toBe(404);
  });
});

describe("readable evidence", () => {
  it("summarises the proof kept by each kind of transition", () => {
    const s = subscriberStrings("en");
    expect(formatEvidence({ checkoutToken: "c1", wordingVersion: "v3", locale: "de" }, s).summary).toBe("Checkout c1, wording v3, de");
    expect(
      formatEvidence(
        { inboundWaMessageId: "wamid.A", contextWaMessageId: "wamid.Q", wordingVersion: "v3", request: { at: "2026-03-02T09:00:00.000Z", checkoutToken: "c1" }, confirmationTemplate: { name: "momento_opt_in", language: "de" } },
        s,
      ).summary,
    ).toBe("Checkout c1, wording v3, WhatsApp message wamid.A, in reply to wamid.Q, template momento_opt_in (de), confirms the request of 2026-03-02T09:00:00.000Z");
    expect(formatEvidence({ shopify: { state: "UNSUBSCRIBED", collectedFrom: "OTHER" } }, s).summary).toBe("Shopify: UNSUBSCRIBED, collected from OTHER");
    expect(formatEvidence({ at: "x", wordingVersion: "v3", redacted: true }, s).summary).toBe("wording v3, details erased (GDPR)");
    expect(formatEvidence({}, s).summary).toBe("—");
    expect(formatEvidence({ wordingVersion: "momento_opt_in_confirmation/de/6109" }, s).summary).toBe("wording momento_opt_in_confirmation/de/6109");
    expect(formatEvidence({ wordingVersion: "3" }, s).summary).toBe("wording v3");
    expect(formatEvidence({ request: { eventId: 43, at: "2026-03-02T09:00:00.000Z", wording: null }, staffUserId: "1" }, s, () => "2 Mar").details).toEqual([
      { label: "Request · event", value: "43" },
      { label: "Request · at", value: "2 Mar" },
      { label: "Staff member", value: "1" },
    ]);
    expect(subscriberStrings("de").title).toBe("Abonnenten"); // German comes from app/.server/i18n/subscribers.ts
  });
});
