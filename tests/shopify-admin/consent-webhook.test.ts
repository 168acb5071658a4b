// customers_whats_app_marketing_consent/update through the real signed route: Shopify's changes flow
// into our consent state, and nothing loops back (no ShopifySync row for a change that came from Shopify).
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { transitionConsent, type ConsentState } from "~/.server/consent/state";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { processShopifySyncs } from "~/.server/shopify-admin/consent-write-back";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { fixture } from "../fixtures";
import { deliverShopifyWebhook, TEST_SHOP } from "../helpers/shopify";
import { secretsKey } from "../helpers/session-key";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const TOPIC = "customers_whats_app_marketing_consent/update";
const PHONE = "+4915112345678";
const T0 = new Date("2026-03-02T10:00:00.000Z");

beforeEach(async () => {
  for (const table of ["shopifySync", "consentEvent", "consent", "messageEvent", "message", "customer", "webhookEvent", "session", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

async function move(to: Exclude<ConsentState, "NONE">, at: Date, customerId: string | null = "7001", source: "test" | "whatsapp_reply" = "test") {
  return transitionConsent(db, { shop: TEST_SHOP, phone: PHONE, to, source, evidence: {}, at, customerId });
}

function payload(state: string | null, overrides: { phone?: string | null; customerId?: number | null; updatedAt?: string | null } = {}) {
  return {
    customer_id: overrides.customerId === undefined ? 7001 : overrides.customerId,
    phone_number: overrides.phone === undefined ? PHONE : overrides.phone,
    whats_app_marketing_consent: { state, opt_in_level: state === "subscribed" ? "confirmed_opt_in" : null, updated_at: overrides.updatedAt === undefined ? new Date().toISOString() : overrides.updatedAt, collected_from: "OTHER" },
  };
}

async function deliver(body: unknown) {
  const response = await deliverShopifyWebhook({ topic: TOPIC, payload: body });
  expect(response.status).toBe(200);
  return db.webhookEvent.findFirstOrThrow({ where: { topic: TOPIC }, orderBy: { id: "desc" } });
}

const consent = () => db.consent.findFirstOrThrow({ where: { shop: TEST_SHOP, phone: PHONE } });
const events = async () => (await db.consentEvent.findMany({ orderBy: { id: "asc" } })).map((e) => `${e.fromState}>${e.toState}:${e.source}`);

describe("Shopify → Momento", () => {
  it("UNSUBSCRIBED revokes a confirmed consent with source shopify and queues no write-back", async () => {
    await move("REQUESTED", T0);
    await move("CONFIRMED", T0);
    expect(await db.shopifySync.count()).toBe(1);

    const event = await deliver(payload("unsubscribed"));
    expect(event.note).toBe("revoked: unsubscribed in Shopify");
    expect((await consent()).state).toBe("REVOKED");
    expect(await events()).toEqual(["NONE>REQUESTED:test", "REQUESTED>CONFIRMED:test", "CONFIRMED>REVOKED:shopify"]);
    const last = await db.consentEvent.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(JSON.parse(last.evidence)).toMatchObject({ shopify: { state: "UNSUBSCRIBED", collectedFrom: "OTHER" }, customerId: "7001" });
    expect(await db.shopifySync.count()).toBe(1);
  });

  it("SUBSCRIBED for a CONFIRMED consent changes nothing and queues nothing (the no-loop property)", async () => {
    await move("REQUESTED", T0);
    await move("CONFIRMED", T0);
    const before = await consent();

    const event = await deliver(payload("subscribed"));
    expect(event.note).toBe("no change: already confirmed");
    expect(await consent()).toEqual(before);
    expect(await db.consentEvent.count()).toBe(2);
    expect(await db.shopifySync.count()).toBe(1);
  });

  it("the echo of our own write-back (our transition time as updated_at) changes nothing, in both directions", async () => {
    await db.session.create({ data: { id: `offline_${TEST_SHOP}`, shop: TEST_SHOP, state: "s", isOnline: false, accessToken: "t" } });
    const sim = createShopifyAdminSimulator();
    const clock = createVirtualClock(T0);
    const writeBack = () => processShopifySyncs({ db, clock, adminGraphql: createAdminGraphql({ fetch: sim.fetch }), secretsKey, batch: 10 });
    const echo = async () => {
      const last = sim.applied[sim.applied.length - 1];
      return deliver({ customer_id: Number(last.customerId), phone_number: PHONE, whats_app_marketing_consent: { state: last.state.toLowerCase(), opt_in_level: last.optInLevel?.toLowerCase() ?? null, updated_at: last.updatedAt, collected_from: "OTHER" } });
    };

    await move("REQUESTED", T0);
    await move("CONFIRMED", T0);
    await writeBack();
    expect((await echo()).note).toMatch(/^ignored: Shopify's SUBSCRIBED is not newer/);

    await move("REVOKED", new Date(T0.getTime() + 60_000), "7001", "whatsapp_reply");
    clock.advance(60_000);
    await writeBack();
    expect(sim.applied.map((a) => a.state)).toEqual(["SUBSCRIBED", "UNSUBSCRIBED"]);
    expect((await echo()).note).toMatch(/^ignored: Shopify's UNSUBSCRIBED is not newer/);

    expect((await consent()).state).toBe("REVOKED");
    expect(await db.consentEvent.count()).toBe(3);
    expect((await db.shopifySync.findMany()).map((s) => s.status)).toEqual(["DONE", "DONE"]);
  });

  it("SUBSCRIBED for an unknown number requests our own double opt-in (REQUESTED, never CONFIRMED) and keeps the customer id", async () => {
    const event = await deliver(payload("subscribed", { phone: "0151 12345678", customerId: 7009 }));
    expect(event.note).toMatch(/^requested: subscribed in Shopify/);
    expect(await consent()).toMatchObject({ state: "REQUESTED", customerId: "7009" });
    expect(await events()).toEqual(["NONE>REQUESTED:shopify"]);
    expect(await db.shopifySync.count()).toBe(0);
  });

  it("a late SUBSCRIBED older than the shopper's STOP is ignored", async () => {
    await move("REQUESTED", T0);
    await move("CONFIRMED", T0);
    await move("REVOKED", new Date(T0.getTime() + 3_600_000), "7001", "whatsapp_reply");

    const event = await deliver(payload("subscribed", { updatedAt: new Date(T0.getTime() + 60_000).toISOString() }));
    expect(event.note).toMatch(/^ignored/);
    expect((await consent()).state).toBe("REVOKED");
    expect(await db.message.count()).toBe(0);
  });

  it("a SUBSCRIBED newer than a revocation asks for a new double opt-in", async () => {
    await move("REQUESTED", T0);
    await move("REVOKED", T0);
    await deliver(payload("subscribed"));
    expect((await consent()).state).toBe("REQUESTED");
    expect(await db.shopifySync.count()).toBe(1); // only the earlier REVOKED
  });

  it("without a phone in the payload, the consent is found by the Shopify customer id", async () => {
    await move("REQUESTED", T0);
    const event = await deliver(payload("unsubscribed", { phone: null }));
    expect(event.note).toBe("revoked: unsubscribed in Shopify");
    expect((await consent()).state).toBe("REVOKED");
  });

  it("UNSUBSCRIBED for a number we hold no consent for records nothing", async () => {
    const event = await deliver(payload("unsubscribed"));
    expect(event.note).toBe("no change: consent is unknown here");
    expect(await db.consent.count()).toBe(0);
  });

  it("Shopify's own sample payload (state null, no phone) is accepted and changes nothing", async () => {
    const event = await deliver(fixture("shopify/customers_whats_app_marketing_consent_update.json"));
    expect(event.note).toBe("skipped: no phone number, and no consent or number known for the customer");
    expect(await db.consent.count()).toBe(0);
  });

  it("an unparsable phone is not stored", async () => {
    const event = await deliver(payload("subscribed", { phone: "12" }));
    expect(event.note).toBe("skipped: the phone number does not parse");
    expect(await db.consent.count()).toBe(0);
  });
});
