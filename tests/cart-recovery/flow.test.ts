// Cart recovery through the real webhook routes: abandonment and scheduling, moving, cancelling, the step-1
// decision, the send with its content and link, the shopper's reply — on one virtual clock.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { holdoutBucket } from "~/.server/cart-recovery/holdout";
import { revokeConsent } from "~/.server/consent/lifecycle";
import { db, useVirtualClock } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { postWhatsAppWebhook, textWebhook } from "../consent/helpers";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { checkoutPayload, consentFor, createCartHarness, HOUR, MINUTE, reminders, resetDatabase, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const PHONE = "+4915112345678";
const at = (ms: number) => new Date(T0.getTime() + ms);
const iso = (ms: number) => at(ms).toISOString();

let clock: VirtualClock;
beforeEach(async () => {
  await resetDatabase();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
});

async function deliver(topic: string, payload: unknown, webhookId?: string) {
  const response = await deliverShopifyWebhook({ topic, payload, ...(webhookId ? { webhookId } : {}) });
  expect(response.status).toBe(200);
}

const summary = async (token: string) => (await reminders(token)).map((m) => [m.dedupeKey.split(":")[2], m.status, m.sendAfter.toISOString(), m.statusReason]);

/** A token whose holdout bucket is (or is not) below 10 for the test shop. */
function tokenWhere(holdout: boolean, prefix: string): string {
  for (let i = 0; ; i++) if ((holdoutBucket(SHOP, `${prefix}${i}`) < 10) === holdout) return `${prefix}${i}`;
}

describe("abandonment and scheduling", () => {
  it("plans step 1 at last update + 60 min and step 2 at + 24 h, and records the checkout", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"));
    expect(await summary("c1")).toEqual([["step1", "SCHEDULED", iso(HOUR), null], ["step2", "SCHEDULED", iso(24 * HOUR), null]]);
    const [step1] = await reminders("c1");
    expect(step1).toMatchObject({ to: PHONE, category: "MARKETING", template: "momento_cart_recovery_1", language: "de", linkUrl: "https://shop.example/checkouts/c1/recover?key=secret-c1" });
    expect(JSON.parse(step1.components)).toEqual([
      { type: "body", parameters: [{ type: "text", text: "John" }, { type: "text", text: "Sneaker Classic und 2 × Socken" }, { type: "text", text: "89,90\u00a0€" }] },
      { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: step1.id }] },
    ]);
    expect(await db.cartRecovery.findFirstOrThrow()).toMatchObject({ checkoutToken: "c1", step1DueAt: at(HOUR), lastUpdateAt: T0, decidedAt: null, bucket: holdoutBucket(SHOP, "c1") });
  });

  it("takes the delays from the shop's settings", async () => {
    await db.shop.create({ data: { domain: SHOP, settings: JSON.stringify({ cartRecoverySteps: [30, 720] }) } });
    await deliver("checkouts/create", checkoutPayload("c1"));
    expect((await summary("c1")).map((r) => r[2])).toEqual([iso(30 * MINUTE), iso(12 * HOUR)]);
  });

  it("ignores duplicates, moves pending steps on a newer update and never goes back for an older one", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"), "dup-1");
    await deliver("checkouts/create", checkoutPayload("c1"), "dup-1");
    await deliver("checkouts/update", checkoutPayload("c1")); // the same state again under another webhook id
    expect(await db.message.count()).toBe(2);

    await deliver("checkouts/update", checkoutPayload("c1", { updated_at: iso(20 * MINUTE), total_price: "120.00" }));
    expect((await summary("c1")).map((r) => r[2])).toEqual([iso(80 * MINUTE), iso(20 * MINUTE + 24 * HOUR)]);
    expect(JSON.parse((await reminders("c1"))[0].components)[0].parameters[2].text).toBe("120,00\u00a0€");

    // Out of order: the 10:10 update arrives after the 10:20 one.
    await deliver("checkouts/update", checkoutPayload("c1", { updated_at: iso(10 * MINUTE), total_price: "99.00" }));
    expect((await summary("c1")).map((r) => r[2])).toEqual([iso(80 * MINUTE), iso(20 * MINUTE + 24 * HOUR)]);
    expect(await db.message.count()).toBe(2);
    expect((await db.cartRecovery.findFirstOrThrow()).step1DueAt).toEqual(at(80 * MINUTE));
  });

  it("tracks a checkout without a phone (it counts as abandoned) but plans nothing for it", async () => {
    await deliver("checkouts/create", checkoutPayload("c1", { phone: null, customer: null, billing_address: null, shipping_address: null }));
    expect(await db.message.count()).toBe(0);
    expect(await db.cartRecovery.count()).toBe(1);
  });

  it("an order for the checkout cancels what is pending, and no later update brings it back", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"));
    await deliver("orders/create", germanOrder({ checkout_token: "c1", created_at: iso(30 * MINUTE), updated_at: iso(30 * MINUTE) }));
    expect(await summary("c1")).toEqual([["step1", "CANCELLED", iso(HOUR), "order_placed"], ["step2", "CANCELLED", iso(24 * HOUR), "order_placed"]]);
    // A late checkouts/update that is newer than what we hold, still without completed_at.
    await deliver("checkouts/update", checkoutPayload("c1", { updated_at: iso(31 * MINUTE) }));
    expect(await summary("c1")).toEqual([["step1", "CANCELLED", iso(HOUR), "order_placed"], ["step2", "CANCELLED", iso(24 * HOUR), "order_placed"]]);
    expect(await db.cartRecovery.findFirstOrThrow()).toMatchObject({ closedReason: "order_placed" });
  });

  it("an order that arrives before the checkout means no reminder is ever planned", async () => {
    await deliver("orders/create", germanOrder({ checkout_token: "c1" }));
    await deliver("checkouts/update", checkoutPayload("c1"));
    expect(await db.message.count({ where: { flow: "cart_recovery" } })).toBe(0);
  });

  it("completed_at closes the checkout like an order", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"));
    await deliver("checkouts/update", checkoutPayload("c1", { updated_at: iso(5 * MINUTE), completed_at: iso(5 * MINUTE) }));
    expect((await summary("c1")).map((r) => r[3])).toEqual(["order_placed", "order_placed"]);
  });

  it("checkouts/delete (named by its numeric id) cancels what is pending", async () => {
    await deliver("checkouts/create", checkoutPayload("c1", { name: "#981820079255243537" }));
    await deliver("checkouts/create", checkoutPayload("c2"));
    // Shopify's sample id, past 2^53: JSON.parse rounds it on both sides alike.
    await deliver("checkouts/delete", { id: JSON.parse("981820079255243537") as number, cart_token: "cart-c1", presentment_currency: "EUR" });
    expect((await summary("c1")).map((r) => r[1] + ":" + r[3])).toEqual(["CANCELLED:checkout_deleted", "CANCELLED:checkout_deleted"]);
    expect((await summary("c2")).map((r) => r[1])).toEqual(["SCHEDULED", "SCHEDULED"]);
    expect((await db.webhookEvent.findFirstOrThrow({ where: { topic: "checkouts/delete" } })).note).toMatch(/1 checkout\(s\) closed/);
  });

  it("revocation cancels the scheduled reminders", async () => {
    await consentFor(PHONE, "CONFIRMED", T0);
    await deliver("checkouts/create", checkoutPayload("c1"));
    await db.$transaction((tx) => revokeConsent(tx, { shop: SHOP, phone: PHONE, source: "admin" }, at(MINUTE)));
    expect((await summary("c1")).map((r) => r[3])).toEqual(["consent_revoked", "consent_revoked"]);
  });
});

describe("step-1 time: abandoned, eligible, holdout", () => {
  it("decides once, records it, and cancels reminders of checkouts that are not eligible or held out", async () => {
    const remind = tokenWhere(false, "r");
    const held = tokenWhere(true, "h");
    await consentFor(PHONE, "CONFIRMED", T0);
    await consentFor("+4915100000002", "REQUESTED", T0);
    await deliver("checkouts/create", checkoutPayload(remind));
    await deliver("checkouts/create", checkoutPayload(held));
    await deliver("checkouts/create", checkoutPayload("pending-consent", { phone: "+4915100000002" }));
    await deliver("checkouts/create", checkoutPayload("ordered"));
    await deliver("orders/create", germanOrder({ admin_graphql_api_id: "gid://shopify/Order/77", checkout_token: "ordered", created_at: iso(59 * MINUTE), updated_at: iso(59 * MINUTE) }));

    const harness = createCartHarness(clock);
    await harness.advance(HOUR + MINUTE);
    const rows = Object.fromEntries((await db.cartRecovery.findMany()).map((r) => [r.checkoutToken, [r.decision, r.consentState, r.holdout]]));
    expect(rows).toEqual({
      [remind]: ["remind", "CONFIRMED", false],
      [held]: ["holdout", "CONFIRMED", true],
      "pending-consent": ["no_consent", "REQUESTED", false],
      ordered: ["ordered", "CONFIRMED", false],
    });
    expect((await summary(held)).map((r) => r[1] + ":" + r[3])).toEqual(["CANCELLED:holdout", "CANCELLED:holdout"]);
    expect((await summary("pending-consent")).map((r) => r[1] + ":" + r[3])).toEqual(["CANCELLED:no_consent", "CANCELLED:no_consent"]);
    expect((await summary(remind)).map((r) => r[1])).toEqual(["READ", "SCHEDULED"]);
    expect(harness.sim.sent.map((m) => m.template).filter((t) => t.startsWith("momento_cart"))).toEqual(["momento_cart_recovery_1"]);
  });

  it("decides at step-1 time even when no reminder is due then (a checkout without a phone)", async () => {
    await deliver("checkouts/create", checkoutPayload("c1", { phone: null, customer: null, billing_address: null, shipping_address: null }));
    await createCartHarness(clock).advance(3 * HOUR);
    expect(await db.cartRecovery.findFirstOrThrow()).toMatchObject({ decidedAt: at(HOUR), contactable: false });
  });

  it("a consent confirmed after step-1 time does not make the checkout eligible (METRICS.md)", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"));
    const harness = createCartHarness(clock);
    await harness.advance(HOUR);
    await consentFor(PHONE, "CONFIRMED", clock.now());
    await harness.advance(24 * HOUR);
    expect(harness.sim.sent).toHaveLength(0);
    expect((await db.cartRecovery.findFirstOrThrow()).decision).toBe("no_consent");
  });
});

describe("the reminder as the shopper gets it", () => {
  it("sends step 1 and step 2; the button leads through /r/<id> to the checkout with UTM parameters", async () => {
    await consentFor(PHONE, "CONFIRMED", T0);
    const token = tokenWhere(false, "send");
    await deliver("checkouts/create", checkoutPayload(token));
    const harness = createCartHarness(clock);
    await harness.advance(HOUR);
    const [sent] = harness.sim.sent;
    expect(sent.text).toBe("Hallo John, in deinem Warenkorb liegt noch Sneaker Classic und 2 × Socken (insgesamt 89,90\u00a0€). Möchtest du deine Bestellung abschließen? Keine Nachrichten mehr? Antworte STOPP.");

    const url = harness.sim.click(PHONE)!;
    const id = url.slice(url.lastIndexOf("/") + 1);
    const response = await callRoute(new Request(url), { file: routeFile("r.$id.tsx"), params: { id } });
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get("Location")!);
    expect(`${target.origin}${target.pathname}`).toBe(`https://shop.example/checkouts/${token}/recover`);
    expect(Object.fromEntries(target.searchParams)).toEqual({ key: `secret-${token}`, utm_source: "whatsapp", utm_medium: "message", utm_campaign: "momento_cart_recovery", utm_content: "momento_cart_recovery_1" });
    expect((await db.message.findUniqueOrThrow({ where: { id } })).clickedAt).toEqual(clock.now());

    await harness.advance(23 * HOUR);
    expect(harness.sim.sent.map((m) => m.template)).toEqual(["momento_cart_recovery_1", "momento_cart_recovery_2"]);
  });

  it("an unknown, malformed or unsent id is a plain 404, never a redirect", async () => {
    await deliver("checkouts/create", checkoutPayload("c1"));
    const [scheduled] = await reminders("c1");
    for (const id of ["0".repeat(32), "not-an-id", "https:%2F%2Fevil.example", scheduled.id, `${scheduled.id}/../x`]) {
      const response = await callRoute(new Request(`http://localhost:3000/r/${encodeURIComponent(id)}`), { file: routeFile("r.$id.tsx"), params: { id } });
      expect(response.status, id).toBe(404);
      expect(response.headers.get("Location")).toBeNull();
    }
  });

  it("a message from the shopper after step 1 cancels step 2; a consent keyword does not", async () => {
    await consentFor(PHONE, "CONFIRMED", T0);
    const a = tokenWhere(false, "reply-a");
    await deliver("checkouts/create", checkoutPayload(a));
    const harness = createCartHarness(clock);
    await harness.advance(HOUR + MINUTE);

    // "JA" is a consent keyword (already confirmed: no change): step 2 stays.
    await postWhatsAppWebhook(textWebhook(PHONE, "JA", clock.now()).body);
    expect((await summary(a))[1][1]).toBe("SCHEDULED");
    await postWhatsAppWebhook(textWebhook(PHONE, "Gibt es die Sneaker auch in 43?", clock.now()).body);
    expect((await summary(a))[1].slice(1)).toEqual(["CANCELLED", iso(24 * HOUR), "shopper_replied"]);
    expect((await db.cartRecovery.findFirstOrThrow()).shopperRepliedAt).not.toBeNull();
    await harness.advance(24 * HOUR);
    // The question itself gets the automatic "we'll get back to you" (free-form text, no template).
    expect(harness.sim.sent.map((m) => m.template || "(text)")).toEqual(["momento_cart_recovery_1", "(text)"]);
  });
});
