// Receive one verified, parsed WhatsApp webhook POST: statuses are applied to the outbox in bulk; inbound
// messages, marketing preferences and 131050 failures drive consent (consent/inbound.ts) in one transaction
// with the messages they plan; template status updates go to the shops connected to that WABA. Meta retries
// anything that is not a 200 for 7 days.
import type { Clock } from "../clock";
import { retryOnContention, type Db } from "../db";
import { noteShopperMessages } from "../cart-recovery/replies";
import { applyConsentInbounds, classifyMessage, consentInboundsFromWebhook, emptyInboundConsentCounts, type InboundConsentCounts } from "../consent/inbound";
import { emptyShopperMessageCounts, handleShopperMessages, type ShopperMessageCounts } from "../inbound/shopper-messages";
import { applyStatusUpdates } from "../outbox/statuses";
import { applyTemplateStatusUpdates, type TemplateStatusCounts } from "../templates/whatsapp-templates";
import type { ParsedWebhook } from "../whatsapp/types";

export interface WhatsAppWebhookOutcome {
  statuses: { applied: number; unchanged: number; unknown: number };
  inbound: number;
  userPreferences: number;
  consent: InboundConsentCounts;
  templates: TemplateStatusCounts;
  /** What became of each shopper message after consent: feedback, order question, fallback, … */
  shopperMessages: ShopperMessageCounts;
}

const MAX_TRIES = 3;

export async function receiveWhatsAppWebhook(deps: { db: Db; clock: Clock }, webhook: ParsedWebhook): Promise<WhatsAppWebhookOutcome> {
  const statuses = await applyStatusUpdates(deps.db, deps.clock, webhook.statuses);
  if (webhook.errors.length > 0) console.warn(`[whatsapp] webhook carried ${webhook.errors.length} error(s): codes ${webhook.errors.map((e) => e.code).join(", ")}`);

  const signals = consentInboundsFromWebhook(webhook);
  const consent = signals.length === 0 ? emptyInboundConsentCounts() : await applyConsent(deps, signals);
  if (consent.noAction + consent.noShop > 0) {
    // Counts only: phone numbers and message texts stay out of logs.
    console.info(`[whatsapp] ${consent.noAction} inbound signal(s) matched no consent action, ${consent.noShop} matched no shop`);
  }
  // Cart recovery: a shopper who writes after a reminder (not a consent keyword) gets no second reminder.
  const written = webhook.inbound.filter((m) => classifyMessage(m).action === null);
  if (written.length > 0) {
    await noteShopperMessages(deps.db, written.map((m) => ({ phone: m.from.replace(/\D/g, "") ? `+${m.from.replace(/\D/g, "")}` : null, waUserId: m.userId ?? null, at: m.timestamp })), deps.clock.now());
  }
  const templates = await applyTemplateStatusUpdates(deps.db, webhook.templateStatuses, deps.clock.now());
  if (templates.unknownWaba > 0) console.info(`[whatsapp] ${templates.unknownWaba} template status update(s) for a WABA no shop has connected`);
  // Then every message is routed once (feedback answer → order question → fallback) and kept for the Inbox.
  const shopperMessages = webhook.inbound.length === 0 ? emptyShopperMessageCounts() : await handleShopperMessages(deps, webhook.inbound);
  if (shopperMessages.unsupported + shopperMessages.unassigned > 0) {
    console.info(`[whatsapp] ${shopperMessages.unsupported} inbound message(s) of a type Momento does not read, ${shopperMessages.unassigned} from senders no shop knows; recorded, not answered`);
  }
  return { statuses, inbound: webhook.inbound.length, userPreferences: webhook.userPreferences.length, consent, templates, shopperMessages };
}

async function applyConsent(deps: { db: Db; clock: Clock }, signals: ReturnType<typeof consentInboundsFromWebhook>): Promise<InboundConsentCounts> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryOnContention(() =>
        deps.db.$transaction((tx) => applyConsentInbounds(tx, signals, deps.clock.now()), { maxWait: 10_000, timeout: 30_000 }),
      );
    } catch (error) {
      // Two deliveries of the same shopper's messages racing on a unique key: the retry sees the winner's rows.
      if (attempt < MAX_TRIES && (error as { code?: unknown } | null)?.code === "P2002") continue;
      throw error;
    }
  }
}
