// loadSendFactsForBatch must give every message exactly the facts loadSendFacts gives it on its own: consent on
// either identifier and only in its shop, last send, 131049 pauses, the marketing count, order/checkout zones,
// settings and template approval. One real database, one mixed batch, compared message by message.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { batchableForFacts, loadSendFacts, loadSendFactsForBatch } from "~/.server/outbox/facts";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createMessage, createOrder, giveConsent, resetOutbox, SHOP, T0 } from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const DAY = 86_400_000;
const daysBefore = (d: number) => new Date(T0.getTime() - d * DAY);
const OTHER_SHOP = "other-shop.myshopify.com";

beforeEach(async () => {
  await resetOutbox(db);
  await db.checkout.deleteMany();
  await db.shop.deleteMany();
  await db.whatsAppTemplate.deleteMany();
  await db.whatsAppConnection.deleteMany();
});

describe("loadSendFactsForBatch", () => {
  it("gives each message of a mixed batch the same facts as loadSendFacts", async () => {
    await db.shop.create({
      data: { domain: SHOP, timezone: "America/Chicago", settings: JSON.stringify({ flows: { feedback: { enabled: false } }, quietHours: { start: "22:00", end: "07:30" }, marketingCapPer7Days: 3 }) },
    });
    await db.whatsAppConnection.create({
      data: { shop: SHOP, phoneNumberId: "1", wabaId: "2", accessTokenEnc: "x", appSecretEnc: "x", verifyToken: "v", updatedAt: T0, templatesSyncedAt: T0 },
    });
    await db.whatsAppTemplate.create({ data: { shop: SHOP, name: "momento_order_confirmation", language: "de", category: "UTILITY", status: "APPROVED", components: "[]", updatedAt: T0 } });
    await db.whatsAppTemplate.create({ data: { shop: SHOP, name: "momento_feedback", language: "de", category: "MARKETING", status: "REJECTED", rejectedReason: "INVALID_FORMAT", components: "[]", updatedAt: T0 } });
    await db.checkout.create({ data: { shop: SHOP, token: "tok-us", addressCountry: "US", createdAt: T0, sourceUpdatedAt: T0 } });
    const orderId = await createOrder(db, daysBefore(1));

    const [a, b, c, d] = ["+4915199990001", "+4915199990002", "+4915199990003", "+4915199990004"];
    await giveConsent(db, a, "CONFIRMED");
    // The same person on two rows (phone, WhatsApp user id): the revocation wins.
    await giveConsent(db, b, "CONFIRMED");
    await db.consent.create({ data: { shop: SHOP, phone: null, waUserId: "DE.user-b", state: "REVOKED", updatedAt: T0 } });
    await db.consent.create({ data: { shop: OTHER_SHOP, phone: c, state: "CONFIRMED", updatedAt: T0 } });
    await giveConsent(db, d, "REQUESTED");

    // History: sends, marketing within and outside the window, 131049 pauses, another shop's sends.
    await createMessage(db, { to: a, flow: "cart_recovery", category: "MARKETING", status: "READ", sentAt: daysBefore(1) });
    await createMessage(db, { to: a, flow: "win_back", category: "MARKETING", status: "DELIVERED", sentAt: daysBefore(6.9) });
    await createMessage(db, { to: a, flow: "order_confirmation", status: "READ", sentAt: new Date(T0.getTime() - 2_000) });
    await createMessage(db, { to: b, flow: "feedback", category: "MARKETING", status: "FAILED", errorCode: 131049, failedAt: daysBefore(0.5) });
    await createMessage(db, { to: b, flow: "feedback", category: "MARKETING", status: "SCHEDULED", errorCode: 131049, sendAfter: new Date(T0.getTime() + DAY) });
    await createMessage(db, { to: c, shop: OTHER_SHOP, flow: "cart_recovery", category: "MARKETING", status: "READ", sentAt: daysBefore(1) });
    await createMessage(db, { to: null, waUserId: "DE.user-x", flow: "loyalty", category: "MARKETING", status: "READ", sentAt: daysBefore(2) });
    await createMessage(db, { to: null, waUserId: "DE.user-x", flow: "loyalty", category: "MARKETING", status: "READ", sentAt: daysBefore(8) });

    const batch = [
      await createMessage(db, { to: a, flow: "back_in_stock", category: "MARKETING", status: "SENDING" }),
      await createMessage(db, { to: b, waUserId: "DE.user-b", flow: "feedback", category: "MARKETING", template: "momento_feedback", status: "SENDING" }),
      await createMessage(db, { to: c, flow: "order_confirmation", orderId, status: "SENDING" }),
      await createMessage(db, { to: d, flow: "shipping_update", checkoutToken: "tok-us", template: "momento_unknown", status: "SENDING" }),
      await createMessage(db, { to: null, waUserId: "DE.user-x", flow: "loyalty", category: "MARKETING", status: "SENDING" }),
      await createMessage(db, { to: "+4915199990005", flow: "order_confirmation", shop: OTHER_SHOP, status: "SENDING" }),
    ];
    expect(batch.every(batchableForFacts)).toBe(true);

    const together = await loadSendFactsForBatch(db, batch, defaultOutboxPolicy, T0);
    expect(together.size).toBe(batch.length);
    for (const message of batch) {
      expect(together.get(message.id), message.dedupeKey).toEqual(await loadSendFacts(db, message, defaultOutboxPolicy, T0));
    }
    // The comparison is not vacuous: the facts differ between the messages in the ways set up above.
    const factsOf = (index: number) => together.get(batch[index].id)!;
    expect(factsOf(0)).toMatchObject({ consent: "CONFIRMED", marketingSentInWindow: 2, lastSentToRecipientAt: new Date(T0.getTime() - 2_000) });
    expect(factsOf(1)).toMatchObject({ consent: "REVOKED", marketingBlockedUntil: new Date(T0.getTime() + DAY), template: { state: "not_approved", status: "REJECTED" } });
    expect(factsOf(1).settings.flowEnabled).toBe(false);
    expect(factsOf(2)).toMatchObject({ consent: null, orderCancelled: true });
    expect(factsOf(3)).toMatchObject({ consent: "REQUESTED", recipientZone: { basis: "address", zone: "America/New_York" } });
    expect(factsOf(4)).toMatchObject({ marketingSentInWindow: 1 });
  });

  it("leaves cart reminders and free-form texts to loadSendFacts", () => {
    const base = { id: "m", shop: SHOP, to: "+4915199990001", waUserId: null, orderId: null };
    expect(batchableForFacts({ ...base, flow: "cart_recovery", checkoutToken: "tok" })).toBe(false);
    expect(batchableForFacts({ ...base, flow: "auto_reply", text: "Hallo" })).toBe(false);
    expect(batchableForFacts({ ...base, flow: "order_confirmation", text: null })).toBe(true);
  });
});
