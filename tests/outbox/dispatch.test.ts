import type { Message } from "@prisma/client";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { dispatchDueMessages, type DispatchDeps } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy, type OutboxPolicy } from "~/.server/outbox/policy";
import { applyStatusUpdates } from "~/.server/outbox/statuses";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import type { WhatsAppSender } from "~/.server/whatsapp/types";
import {
  createFakeSender, createMessage, createOrder, eventsOf, perUserMarketingLimit, rateLimited, resetOutbox, SHOP, shopperWrote, T0,
  templateMissing, type FakeSender,
} from "./helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

let clock: VirtualClock;
beforeEach(async () => {
  await resetOutbox(db);
  clock = createVirtualClock(T0);
});

function deps(sender: WhatsAppSender, overrides: Partial<DispatchDeps> & { policy?: OutboxPolicy } = {}): DispatchDeps {
  const policy = overrides.policy ?? defaultOutboxPolicy;
  return { db, clock, sender, policy, workerId: "w1", bucket: createTokenBucket(policy), random: () => 0.5, ...overrides };
}

async function consentingMessage(overrides: Parameters<typeof createMessage>[1] = {}, consent = "CONFIRMED"): Promise<Message> {
  const message = await createMessage(db, overrides);
  if (message.to) await db.consent.upsert({
    where: { shop_phone: { shop: message.shop, phone: message.to } },
    create: { shop: message.shop, phone: message.to, state: consent, updatedAt: T0 },
    update: {},
  });
  return message;
}

const row = (id: string) => db.message.findUniqueOrThrow({ where: { id } });
const statuses = async (id: string) => (await eventsOf(db, id)).map((e) => e.status);

describe("free-form text messages", () => {
  it("go out through sendText; a sender without it fails them with a reason and never calls Meta", async () => {
    const message = await consentingMessage({ flow: "wismo", template: "", components: "[]", text: "Deine Bestellung #1001 ist unterwegs." });
    await shopperWrote(db, message.to!, new Date(T0.getTime() - 60_000));
    const texts: unknown[] = [];
    const sender: WhatsAppSender = {
      ...createFakeSender(),
      sendText: async (call) => (texts.push(call), { ok: true, waMessageId: "wamid.text-1" }),
    };
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ sent: 1 });
    expect(texts).toEqual([{ to: message.to, body: "Deine Bestellung #1001 ist unterwegs.", bizOpaqueCallbackData: message.id }]);

    const second = await consentingMessage({ flow: "wismo", dedupeKey: "wismo:2", template: "", components: "[]", text: "Hallo", to: "+4915100000077" });
    await shopperWrote(db, second.to!, new Date(T0.getTime() - 60_000));
    const templatesOnly = createFakeSender();
    expect(await dispatchDueMessages(deps(templatesOnly))).toMatchObject({ failed: 1 });
    expect(templatesOnly.calls).toEqual([]);
    expect(await row(second.id)).toMatchObject({ status: "FAILED", statusReason: "text_not_supported" });
  });

  it("are skipped once 24 h have passed since the shopper's last message (Meta's customer-service window)", async () => {
    const late = await consentingMessage({ flow: "auto_reply", template: "", components: "[]", text: "Wir melden uns." });
    await shopperWrote(db, late.to!, new Date(T0.getTime() - 24 * 3_600_000));
    const never = await consentingMessage({ flow: "auto_reply", template: "", components: "[]", text: "Wir melden uns." });
    const sender: WhatsAppSender = { ...createFakeSender(), sendText: async () => ({ ok: true, waMessageId: "wamid.never" }) };
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ skipped: 2, sent: 0 });
    for (const m of [late, never]) expect(await row(m.id)).toMatchObject({ status: "SKIPPED", statusReason: "outside_service_window" });
  });
});

describe("dispatchDueMessages", () => {
  it("sends a due message as SENDING → SENT, with our id as biz_opaque_callback_data", async () => {
    const message = await consentingMessage();
    const sender = createFakeSender();

    const counts = await dispatchDueMessages(deps(sender));

    expect(counts).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(sender.calls).toEqual([{
      to: message.to, template: message.template, language: "de", bizOpaqueCallbackData: message.id,
      components: [{ type: "body", parameters: [{ type: "text", text: "Anna" }] }],
    }]);
    expect(await row(message.id)).toMatchObject({
      status: "SENT", waMessageId: `wamid.fake-1-${message.id}`, sentAt: T0, attempts: 1, claimedBy: null, claimedUntil: null,
    });
    const events = await eventsOf(db, message.id);
    expect(events.map((e) => [e.status, e.source])).toEqual([["SENDING", "worker"], ["SENT", "worker"]]);
    expect(events[1].at).toEqual(T0);
  });

  it("sends to the WhatsApp user id when there is no phone", async () => {
    const message = await createMessage(db, { to: null, waUserId: "DE.user.1" });
    await db.consent.create({ data: { shop: message.shop, waUserId: "DE.user.1", state: "REQUESTED", updatedAt: T0 } });
    const sender = createFakeSender();
    await dispatchDueMessages(deps(sender));
    expect(sender.calls[0].to).toBe("DE.user.1");
    expect((await row(message.id)).status).toBe("SENT");
  });

  it("leaves messages that are not due yet alone", async () => {
    await consentingMessage({ sendAfter: new Date(T0.getTime() + 1) });
    const sender = createFakeSender();
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 0, sent: 0 });
    expect(sender.calls).toHaveLength(0);
  });

  it("retries a retryable error with backoff, then succeeds", async () => {
    const message = await consentingMessage();
    const sender = createFakeSender([rateLimited, { ok: true, waMessageId: "wamid.second" }]);

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 1, retried: 1 });
    expect(await row(message.id)).toMatchObject({
      status: "SCHEDULED", attempts: 1, errorCode: 130429, lastError: "Cloud API message throughput has been reached.",
      sendAfter: new Date(T0.getTime() + 30_000), claimedBy: null,
    });
    const retryEvent = (await eventsOf(db, message.id))[1];
    expect(retryEvent).toMatchObject({ status: "SCHEDULED", errorCode: 130429, source: "worker" });
    expect(retryEvent.reason).toMatch(/^retry_scheduled: Attempt 1 of 5 failed/);

    clock.advance(29_999);
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 0 });
    clock.advance(1);
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 1, sent: 1 });
    expect(await row(message.id)).toMatchObject({ status: "SENT", waMessageId: "wamid.second", attempts: 2, errorCode: null });
    expect(await statuses(message.id)).toEqual(["SENDING", "SCHEDULED", "SENDING", "SENT"]);
  });

  it("uses the injected random for jitter", async () => {
    const message = await consentingMessage();
    await dispatchDueMessages(deps(createFakeSender([rateLimited]), { random: () => 0 }));
    expect((await row(message.id)).sendAfter).toEqual(new Date(T0.getTime() + 24_000));
  });

  it("fails at once on an error Meta says not to retry, with its code and reason", async () => {
    const message = await consentingMessage();
    const sender = createFakeSender([templateMissing]);

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ failed: 1 });
    expect(await row(message.id)).toMatchObject({
      status: "FAILED", errorCode: 132001, statusReason: "Template name does not exist in the translation", failedAt: T0, attempts: 1,
    });
    const failed = (await eventsOf(db, message.id))[1];
    expect(failed).toMatchObject({ status: "FAILED", errorCode: 132001, reason: "Template name does not exist in the translation", at: T0 });
    clock.advance(24 * 3_600_000);
    await dispatchDueMessages(deps(sender));
    expect(sender.calls).toHaveLength(1);
  });

  it("gives up after maxAttempts", async () => {
    const message = await consentingMessage();
    const sender = createFakeSender([rateLimited]);
    const policy = { ...defaultOutboxPolicy, maxAttempts: 3 };

    for (let round = 0; round < 3; round += 1) {
      await dispatchDueMessages(deps(sender, { policy }));
      clock.advance(policy.backoff.maxMs);
    }

    expect(sender.calls).toHaveLength(3);
    expect(await row(message.id)).toMatchObject({ status: "FAILED", attempts: 3, errorCode: 130429, statusReason: "Cloud API message throughput has been reached." });
    const last = (await eventsOf(db, message.id)).at(-1)!;
    expect(last).toMatchObject({ status: "FAILED", errorCode: 130429 });
    expect(last.reason).toMatch(/^out_of_attempts: Gave up after 3 attempts/);
    await dispatchDueMessages(deps(sender, { policy }));
    expect(sender.calls).toHaveLength(3);
  });

  it("waits 24 hours after 131049 and holds back other marketing to that recipient meanwhile", async () => {
    const message = await consentingMessage({ category: "MARKETING", flow: "cart_recovery" });
    const sender = createFakeSender([perUserMarketingLimit, { ok: true, waMessageId: "wamid.after-pause" }]);
    const day = 24 * 3_600_000;

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ retried: 1 });
    expect(await row(message.id)).toMatchObject({ status: "SCHEDULED", errorCode: 131049, attempts: 1, sendAfter: new Date(T0.getTime() + day) });
    expect((await eventsOf(db, message.id))[1].reason).toMatch(/^retry_after_24h: /);

    clock.advance(60_000);
    // Back in stock is off until a merchant switches it on.
    await db.shop.upsert({ where: { domain: SHOP }, create: { domain: SHOP, settings: JSON.stringify({ flows: { back_in_stock: { enabled: true } } }) }, update: {} });
    const other = await createMessage(db, { to: message.to, category: "MARKETING", flow: "back_in_stock", sendAfter: clock.now(), createdAt: clock.now() });
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 1, deferred: 1 });
    expect(await row(other.id)).toMatchObject({ status: "SCHEDULED", sendAfter: new Date(T0.getTime() + day), attempts: 0 });
    expect((await eventsOf(db, other.id)).at(-1)!.reason).toMatch(/^marketing_paused: /);

    clock.set(new Date(T0.getTime() + day));
    await dispatchDueMessages(deps(sender));
    expect(await row(message.id)).toMatchObject({ status: "SENT", waMessageId: "wamid.after-pause", attempts: 2 });
    // The second one now waits for the pair limit behind the first, instead of both going out at once.
    expect(await row(other.id)).toMatchObject({ status: "SCHEDULED", sendAfter: new Date(T0.getTime() + day + 6_000) });
  });

  it("puts messages back when the number's token bucket is empty", async () => {
    const messages = [await consentingMessage(), await consentingMessage(), await consentingMessage()];
    const sender = createFakeSender();
    const bucket = createTokenBucket({ ratePerSecond: 1, burst: 2 });

    expect(await dispatchDueMessages(deps(sender, { bucket }))).toMatchObject({ claimed: 3, sent: 2, deferred: 1 });
    const third = await row(messages[2].id);
    expect(third).toMatchObject({ status: "SCHEDULED", sendAfter: new Date(T0.getTime() + 1_000), attempts: 0, claimedBy: null });
    expect((await eventsOf(db, third.id)).at(-1)!.reason).toMatch(/^rate_limited: /);

    clock.advance(1_000);
    expect(await dispatchDueMessages(deps(sender, { bucket }))).toMatchObject({ claimed: 1, sent: 1 });
    expect(sender.calls).toHaveLength(3);
  });

  it("keeps 6 s between two messages to the same recipient", async () => {
    const first = await consentingMessage({ createdAt: T0 });
    const second = await createMessage(db, { to: first.to, createdAt: new Date(T0.getTime() + 1) });
    const sender = createFakeSender();

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 2, sent: 1, deferred: 1 });
    expect(await row(second.id)).toMatchObject({ status: "SCHEDULED", sendAfter: new Date(T0.getTime() + 6_000), attempts: 0 });
    expect((await eventsOf(db, second.id)).at(-1)!.reason).toMatch(/^pair_limit: /);

    clock.advance(6_000);
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ sent: 1 });
    expect(await row(second.id)).toMatchObject({ status: "SENT", sentAt: new Date(T0.getTime() + 6_000) });
  });

  it("cancels a message about a cancelled order without sending it", async () => {
    const orderId = await createOrder(db, new Date(T0.getTime() - 60_000));
    const message = await consentingMessage({ orderId, flow: "shipping_update" });
    const sender = createFakeSender();

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ cancelled: 1 });
    expect(sender.calls).toHaveLength(0);
    expect(await row(message.id)).toMatchObject({ status: "CANCELLED", statusReason: "order_cancelled", claimedBy: null });
    const event = (await eventsOf(db, message.id)).at(-1)!;
    expect(event).toMatchObject({ status: "CANCELLED", source: "worker", at: T0 });
    expect(event.reason).toMatch(/^order_cancelled: The order was cancelled/);
  });

  it("sends a message about an order that is still open", async () => {
    const orderId = await createOrder(db, null);
    const message = await consentingMessage({ orderId });
    await dispatchDueMessages(deps(createFakeSender()));
    expect((await row(message.id)).status).toBe("SENT");
  });

  it("skips without consent, with revoked consent, and marketing with only a request", async () => {
    const none = await createMessage(db);
    const revoked = await consentingMessage({}, "REVOKED");
    const onlyRequested = await consentingMessage({ category: "MARKETING" }, "REQUESTED");
    const sender = createFakeSender();

    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ claimed: 3, skipped: 3, sent: 0 });
    expect(sender.calls).toHaveLength(0);
    expect(await row(none.id)).toMatchObject({ status: "SKIPPED", statusReason: "no_consent" });
    expect(await row(revoked.id)).toMatchObject({ status: "SKIPPED", statusReason: "consent_revoked" });
    expect(await row(onlyRequested.id)).toMatchObject({ status: "SKIPPED", statusReason: "no_consent" });
    expect((await eventsOf(db, none.id)).at(-1)!.reason).toMatch(/^no_consent: /);
  });

  it("honours a revocation recorded on the user id even when the phone row is confirmed", async () => {
    const message = await consentingMessage({ waUserId: "DE.user.2" });
    await db.consent.create({ data: { shop: message.shop, waUserId: "DE.user.2", state: "REVOKED", updatedAt: T0 } });
    await dispatchDueMessages(deps(createFakeSender()));
    expect(await row(message.id)).toMatchObject({ status: "SKIPPED", statusReason: "consent_revoked" });
  });

  it("skips a message without any recipient", async () => {
    const message = await createMessage(db, { to: null, waUserId: null });
    await dispatchDueMessages(deps(createFakeSender()));
    expect(await row(message.id)).toMatchObject({ status: "SKIPPED", statusReason: "not_contactable" });
  });

  it("fails a message whose stored components are not a JSON array, without calling Meta", async () => {
    const message = await consentingMessage({ components: "{broken" });
    const sender = createFakeSender();
    expect(await dispatchDueMessages(deps(sender))).toMatchObject({ failed: 1 });
    expect(sender.calls).toHaveLength(0);
    expect(await row(message.id)).toMatchObject({ status: "FAILED", statusReason: "invalid_components" });
  });

  it("leaves a message SENDING when the send call itself blows up (never resent blindly)", async () => {
    const message = await consentingMessage();
    const sender: FakeSender = createFakeSender([() => { throw new Error("socket hang up"); }]);
    const lines: string[] = [];

    expect(await dispatchDueMessages(deps(sender, { log: (l) => lines.push(l) }))).toMatchObject({ inDoubt: 1 });
    expect(await row(message.id)).toMatchObject({ status: "SENDING", claimedBy: "w1", attempts: 0 });
    clock.advance(60 * 60_000);
    await dispatchDueMessages(deps(sender));
    expect(sender.calls).toHaveLength(1);
    expect(lines.join("\n")).not.toContain(message.to!);
  });

  it("records a send whose status webhook was applied before the worker wrote the result", async () => {
    const message = await consentingMessage();
    const sender = createFakeSender([(call) => ({ ok: true, waMessageId: `wamid.fast-${call.bizOpaqueCallbackData}` })]);
    const fastSender: WhatsAppSender = {
      async sendTemplate(call) {
        const result = await sender.sendTemplate(call);
        if (result.ok) {
          await applyStatusUpdates(db, clock, [{
            receivedBy: { phoneNumberId: "100000000000001", wabaId: "100000000000002" }, waMessageId: result.waMessageId, status: "delivered", timestamp: T0, recipientId: "", bizOpaqueCallbackData: call.bizOpaqueCallbackData, errors: [],
          }]);
        }
        return result;
      },
    };

    expect(await dispatchDueMessages(deps(fastSender))).toMatchObject({ sent: 1 });
    expect(await row(message.id)).toMatchObject({
      status: "DELIVERED", waMessageId: `wamid.fast-${message.id}`, attempts: 1, claimedBy: null, sentAt: T0, deliveredAt: T0,
    });
    expect(await statuses(message.id)).toEqual(["SENDING", "DELIVERED"]);
  });

  it("puts claimed messages back when it is told to stop (the ones not yet in flight)", async () => {
    const messages = [await consentingMessage(), await consentingMessage()];
    const stop = new AbortController();
    const sender = createFakeSender([(call) => {
      stop.abort();
      return { ok: true, waMessageId: `wamid.${call.bizOpaqueCallbackData}` };
    }]);

    // One send at a time, so the second message has not started when the first one's call stops the worker.
    const policy = { ...defaultOutboxPolicy, sendConcurrency: 1 };
    expect(await dispatchDueMessages(deps(sender, { signal: stop.signal, policy }))).toMatchObject({ claimed: 2, sent: 1, deferred: 1 });
    expect(await row(messages[1].id)).toMatchObject({ status: "SCHEDULED", sendAfter: T0, claimedBy: null });
    expect((await eventsOf(db, messages[1].id)).at(-1)!.reason).toMatch(/^released: /);
  });

  it("sends to different recipients concurrently, up to policy.sendConcurrency, and one recipient's messages one after another", async () => {
    const policy = { ...defaultOutboxPolicy, sendConcurrency: 3, ratePerSecond: 1000, burst: 1000 };
    const shared = "+4915199999001";
    const others = [];
    for (let i = 0; i < 5; i += 1) others.push(await consentingMessage());
    const first = await consentingMessage({ to: shared, createdAt: new Date(T0.getTime() - 2) });
    const second = await consentingMessage({ to: shared, createdAt: new Date(T0.getTime() - 1), dedupeKey: "test:shared-2" });
    let inFlight = 0;
    let most = 0;
    const inFlightTo = new Set<string>();
    const sender: WhatsAppSender = {
      async sendTemplate(message) {
        expect(inFlightTo.has(message.to)).toBe(false);
        inFlightTo.add(message.to);
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        inFlightTo.delete(message.to);
        return { ok: true, waMessageId: `wamid.${message.bizOpaqueCallbackData}` };
      },
    };

    const counts = await dispatchDueMessages(deps(sender, { policy }));
    expect(counts).toMatchObject({ claimed: 7, sent: 6, deferred: 1 });
    expect(most).toBe(3);
    for (const message of [...others, first]) expect((await row(message.id)).status).toBe("SENT");
    // The second one saw the first one's send: Meta's pair limit holds it back.
    expect(await row(second.id)).toMatchObject({ status: "SCHEDULED" });
    expect((await eventsOf(db, second.id)).at(-1)!.reason).toMatch(/^pair_limit: /);
  });
});
