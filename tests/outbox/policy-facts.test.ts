// What loadSendFacts reads for the message policy, from a real database: the marketing count per recipient
// (scoped by shop, rolling window, marketing flows only, username-only recipients too), the merchant's
// settings, the recipient's zone from the order's or checkout's address, the 131049 pause, and the last
// inbound message as recorded by the real WhatsApp webhook route (for free-form texts).
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { loadSendFacts } from "~/.server/outbox/facts";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { postWhatsAppWebhook, textWebhook } from "../consent/helpers";
import { createMessage, giveConsent, resetOutbox, SHOP, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const DAY = 86_400_000;
const daysBefore = (d: number) => new Date(T0.getTime() - d * DAY);
const facts = (message: Parameters<typeof loadSendFacts>[1], now = T0) => loadSendFacts(db, message, defaultOutboxPolicy, now);

beforeEach(async () => {
  await resetOutbox(db);
  await db.checkout.deleteMany();
  await db.shop.deleteMany();
});

describe("loadSendFacts for the message policy", () => {
  it("counts marketing sent to this recipient by this shop in the last 7 days, and nothing else", async () => {
    const to = "+4915199990001";
    const message = await createMessage(db, { to, flow: "cart_recovery", category: "MARKETING" });
    await createMessage(db, { to, flow: "cart_recovery", category: "MARKETING", status: "READ", sentAt: daysBefore(1) });
    await createMessage(db, { to, flow: "win_back", category: "MARKETING", status: "DELIVERED", sentAt: daysBefore(6.9) });
    await createMessage(db, { to, flow: "back_in_stock", category: "MARKETING", status: "SENT", sentAt: daysBefore(7) }); // just outside
    await createMessage(db, { to, flow: "order_confirmation", category: "UTILITY", status: "READ", sentAt: daysBefore(1) }); // not marketing
    await createMessage(db, { to, flow: "cart_recovery", category: "MARKETING", status: "SKIPPED" }); // never sent
    await createMessage(db, { to, shop: "other-shop.myshopify.com", flow: "cart_recovery", category: "MARKETING", status: "READ", sentAt: daysBefore(1) });
    await createMessage(db, { to: "+4915199990002", flow: "cart_recovery", category: "MARKETING", status: "READ", sentAt: daysBefore(1) });
    expect((await facts(message)).marketingSentInWindow).toBe(2);
  });

  it("counts a username-only recipient by their user id", async () => {
    const message = await createMessage(db, { to: null, waUserId: "DE.user-1", flow: "cart_recovery", category: "MARKETING" });
    await createMessage(db, { to: null, waUserId: "DE.user-1", flow: "feedback", category: "MARKETING", status: "READ", sentAt: daysBefore(2) });
    await createMessage(db, { to: null, waUserId: "DE.user-2", flow: "feedback", category: "MARKETING", status: "READ", sentAt: daysBefore(2) });
    expect((await facts(message)).marketingSentInWindow).toBe(1);
  });

  it("reads the merchant's settings as they are now; defaults without a shop row", async () => {
    const message = await createMessage(db, { flow: "cart_recovery", category: "MARKETING" });
    expect((await facts(message)).settings).toEqual({ flowEnabled: true, quietHours: { start: "21:00", end: "08:00" }, marketingCap: 2 });
    await db.shop.create({
      data: { domain: SHOP, timezone: "America/Chicago", settings: JSON.stringify({ flows: { cart_recovery: { enabled: false } }, quietHours: { start: "22:00", end: "07:30" }, marketingCapPer7Days: null }) },
    });
    expect((await facts(message)).settings).toEqual({ flowEnabled: false, quietHours: { start: "22:00", end: "07:30" }, marketingCap: null });
    // A flow the settings do not list is never "switched off".
    expect((await facts(await createMessage(db, { flow: "opt_out_confirmation" }))).settings.flowEnabled).toBe(true);
  });

  it("takes the recipient's zone from the order's address, then the checkout's, then the phone, then the shop", async () => {
    await db.shop.create({ data: { domain: SHOP, timezone: "America/Chicago" } });
    const order = await db.order.create({
      data: { shop: SHOP, shopifyOrderId: "9001", name: "#9001", totalPrice: "1.00", currency: "EUR", addressCountry: "JP", createdAt: T0, sourceUpdatedAt: T0 },
    });
    await db.checkout.create({ data: { shop: SHOP, token: "tok-us", addressCountry: "US", createdAt: T0, sourceUpdatedAt: T0 } });
    await db.checkout.create({ data: { shop: SHOP, token: "tok-none", createdAt: T0, sourceUpdatedAt: T0 } });
    const zone = async (data: Parameters<typeof createMessage>[1]) => (await facts(await createMessage(db, data))).recipientZone;
    expect(await zone({ orderId: order.id })).toEqual({ zone: "Asia/Tokyo", basis: "address" });
    expect(await zone({ checkoutToken: "tok-us", flow: "cart_recovery", category: "MARKETING" })).toEqual({ zone: "America/New_York", basis: "address" });
    expect(await zone({ checkoutToken: "tok-none", to: "+819012345678" })).toEqual({ zone: "Asia/Tokyo", basis: "phone" });
    expect(await zone({ to: null, waUserId: "JP.user" })).toEqual({ zone: "America/Chicago", basis: "shop" });
  });

  it("keeps the 131049 pause whatever became of the failed message", async () => {
    const to = "+4915199990003";
    const message = await createMessage(db, { to, flow: "cart_recovery", category: "MARKETING" });
    const failedAt = new Date(T0.getTime() - 3_600_000);
    await createMessage(db, { to, flow: "win_back", category: "MARKETING", status: "FAILED", errorCode: 131049, sentAt: failedAt, failedAt });
    expect((await facts(message)).marketingBlockedUntil).toEqual(new Date(failedAt.getTime() + DAY));
    // A message retried 24 h after a synchronous 131049, then cancelled as no longer relevant, still holds its pause.
    const retryAt = new Date(T0.getTime() + 2 * 3_600_000 + DAY);
    await createMessage(db, { to, flow: "cart_recovery", category: "MARKETING", status: "CANCELLED", errorCode: 131049, sendAfter: retryAt });
    expect((await facts(message)).marketingBlockedUntil).toEqual(retryAt);
  });

  it("knows the shopper's last message (the Inbox's record) for a free-form text, and a late older one does not move it back", async () => {
    const to = "+4915199990004";
    await giveConsent(db, to, "CONFIRMED");
    const message = await createMessage(db, { to, flow: "auto_reply", text: "Danke, wir melden uns." });
    expect((await facts(message)).lastInboundAt).toBeNull();

    const wrote = new Date(T0.getTime() - 2 * 3_600_000);
    expect((await postWhatsAppWebhook(textWebhook(to, "Habt ihr das in Blau?", wrote).body)).status).toBe(200);
    expect((await facts(message)).lastInboundAt).toEqual(wrote);
    expect((await postWhatsAppWebhook(textWebhook(to, "Hallo?", new Date(wrote.getTime() - 3_600_000)).body)).status).toBe(200);
    expect((await facts(message)).lastInboundAt).toEqual(wrote);
  });

  it("counts through the (shop, to, sentAt) index on SQLite", async () => {
    if (!process.env.DATABASE_URL!.startsWith("file:")) return;
    const plan = await db.$queryRawUnsafe<{ detail: string }[]>(
      `EXPLAIN QUERY PLAN SELECT COUNT(*) FROM "Message" WHERE "shop" = ? AND "to" = ? AND "id" <> ? AND "sentAt" > ? AND "sentAt" <= ? AND "flow" IN ('cart_recovery', 'win_back')`,
      SHOP, "+4915199990001", "x", T0.getTime() - 7 * DAY, T0.getTime(),
    );
    expect(plan.map((p) => p.detail).join(" | ")).toMatch(/USING INDEX Message_shop_to_sentAt_idx/);
  });
});
