// Shared fixtures for the outbox tests: rows in the real database and a scripted WhatsApp sender.
import type { Message, Prisma } from "@prisma/client";
import type { Db } from "~/.server/db";
import type { SendResult, TemplateSend, WhatsAppSender } from "~/.server/whatsapp/types";

export const SHOP = "outbox-test.myshopify.com";
export const T0 = new Date("2026-03-02T10:00:00.000Z");

let seq = 0;

export async function resetOutbox(db: Db): Promise<void> {
  await db.messageEvent.deleteMany();
  await db.message.deleteMany();
  await db.consent.deleteMany();
  await db.order.deleteMany();
  await db.inboundMessage.deleteMany();
}

let inboundSeq = 0;

/** The shopper wrote to the shop at `at` (as the Inbox records it): opens the 24 h customer-service window. */
export async function shopperWrote(db: Db, phone: string, at: Date): Promise<void> {
  inboundSeq += 1;
  await db.inboundMessage.create({
    data: { shop: SHOP, waMessageId: `wamid.in-${process.pid}-${inboundSeq}`, phone, type: "text", text: "Wo ist meine Bestellung?", handledAs: "wismo", reason: "test", at, receivedAt: at },
  });
}

export async function createMessage(db: Db, overrides: Partial<Prisma.MessageUncheckedCreateInput> = {}): Promise<Message> {
  seq += 1;
  return db.message.create({
    data: {
      shop: SHOP,
      flow: "order_confirmation",
      dedupeKey: `test:${seq}`,
      to: `+4915100000${String(seq).padStart(3, "0")}`,
      category: "UTILITY",
      template: "momento_order_confirmation",
      language: "de",
      components: JSON.stringify([{ type: "body", parameters: [{ type: "text", text: "Anna" }] }]),
      status: "SCHEDULED",
      sendAfter: T0,
      createdAt: T0,
      ...overrides,
    },
  });
}

export async function giveConsent(db: Db, phone: string, state: string, waUserId: string | null = null): Promise<void> {
  await db.consent.create({ data: { shop: SHOP, phone, waUserId, state, updatedAt: T0 } });
}

export async function createOrder(db: Db, cancelledAt: Date | null = null): Promise<string> {
  seq += 1;
  const order = await db.order.create({
    data: {
      shop: SHOP, shopifyOrderId: `${seq}`, name: `#${1000 + seq}`, totalPrice: "49.90", currency: "EUR",
      cancelledAt, createdAt: T0, sourceUpdatedAt: T0,
    },
  });
  return order.id;
}

export function eventsOf(db: Db, messageId: string) {
  return db.messageEvent.findMany({ where: { messageId }, orderBy: { id: "asc" } });
}

export interface FakeSender extends WhatsAppSender {
  calls: TemplateSend[];
}

/** Answers from the script in order (the last answer repeats); by default every send succeeds. */
export function createFakeSender(script: (SendResult | ((call: TemplateSend) => SendResult))[] = []): FakeSender {
  const calls: TemplateSend[] = [];
  return {
    calls,
    async sendTemplate(message) {
      calls.push(message);
      const next = script.length === 0 ? null : script[Math.min(calls.length, script.length) - 1];
      if (next === null) return { ok: true, waMessageId: `wamid.fake-${calls.length}-${message.bizOpaqueCallbackData}` };
      return typeof next === "function" ? next(message) : next;
    },
  };
}

export const rateLimited: SendResult = {
  ok: false, code: 130429, reason: "Cloud API message throughput has been reached.", retry: "retry", httpStatus: 400,
};
export const templateMissing: SendResult = {
  ok: false, code: 132001, reason: "Template name does not exist in the translation", retry: "never", httpStatus: 404,
};
export const perUserMarketingLimit: SendResult = {
  ok: false, code: 131049, reason: "This message was not delivered to maintain healthy ecosystem engagement.", retry: "retry_after_24h", httpStatus: 400,
};
