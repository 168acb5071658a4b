// Receive one verified, parsed WhatsApp webhook POST: statuses are applied to the outbox in bulk; inbound
// messages, marketing preferences and 131050 failures drive consent (consent/inbound.ts) in one transaction
// with the messages they plan; template status updates go to the shops connected to that WABA. Meta retries
// anything that is not a 200 for 7 days. Every signal only touches the shops of the number it reached
// (inbound/shop-scope.ts, decision 004 step 0): the signature vouches for that number's app, not for others.
import type { Clock } from "../clock";
import { isUniqueViolation, retryOnContention, type Db } from "../db";
import { noteShopperMessages } from "../cart-recovery/replies";
import { applyConsentInbounds, classifyMessage, consentInboundsFromWebhook, emptyInboundConsentCounts, type InboundConsentCounts } from "../consent/inbound";
import { receiverKey, resolveShopScopes, type ShopFilter } from "../inbound/shop-scope";
import { emptyShopperMessageCounts, handleShopperMessages, type ShopperMessageCounts } from "../inbound/shopper-messages";
import { applyStatusUpdates } from "../outbox/statuses";
import { applyTemplateStatusUpdates, type TemplateStatusCounts } from "../templates/whatsapp-templates";
import type { InboundMessage, ParsedWebhook, Receiver, StatusUpdate, UserPreferenceUpdate } from "../whatsapp/types";

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
  if (webhook.errors.length > 0) console.warn(`[whatsapp] webhook carried ${webhook.errors.length} error(s): codes ${webhook.errors.map((e) => e.code).join(", ")}`);
  const statuses = { applied: 0, unchanged: 0, unknown: 0 };
  const consent = emptyInboundConsentCounts();
  const shopperMessages = emptyShopperMessageCounts();
  const groups = byReceiver(webhook);
  const scopes = await resolveShopScopes(deps.db, [...groups.values()].map((g) => g.receivedBy));
  for (const [key, group] of groups) {
    const { shops } = scopes.get(key)!;
    addCounts(statuses, await applyStatusUpdates(deps.db, deps.clock, group.statuses, shops));
    addCounts(consent, await applyConsentSignals(deps, group, shops));
    addCounts(shopperMessages, await handleShopperSignals(deps, group.inbound, shops));
  }
  // Counts only: phone numbers and message texts stay out of logs.
  if (statuses.unknown > 0) console.info(`[whatsapp] ${statuses.unknown} status update(s) matched no message of the receiving number's shops`);
  if (consent.noAction + consent.noShop > 0) {
    console.info(`[whatsapp] ${consent.noAction} inbound signal(s) matched no consent action, ${consent.noShop} matched no shop`);
  }
  if (shopperMessages.unsupported + shopperMessages.unassigned > 0) {
    console.info(`[whatsapp] ${shopperMessages.unsupported} inbound message(s) of a type Momento does not read, ${shopperMessages.unassigned} matched no shop; recorded, not answered`);
  }
  const templates = await applyTemplateStatusUpdates(deps.db, webhook.templateStatuses, deps.clock.now());
  if (templates.unknownWaba > 0) console.info(`[whatsapp] ${templates.unknownWaba} template status update(s) for a WABA no shop has connected`);
  return { statuses, inbound: webhook.inbound.length, userPreferences: webhook.userPreferences.length, consent, templates, shopperMessages };
}

interface ReceiverGroup {
  receivedBy: Receiver;
  statuses: StatusUpdate[];
  inbound: InboundMessage[];
  userPreferences: UserPreferenceUpdate[];
}

/** The webhook's signals per receiving number, in their order (one POST may carry several numbers of one app). */
function byReceiver(webhook: ParsedWebhook): Map<string, ReceiverGroup> {
  const groups = new Map<string, ReceiverGroup>();
  const groupOf = (receivedBy: Receiver) => {
    const key = receiverKey(receivedBy);
    const group = groups.get(key) ?? { receivedBy, statuses: [], inbound: [], userPreferences: [] };
    groups.set(key, group);
    return group;
  };
  for (const status of webhook.statuses) groupOf(status.receivedBy).statuses.push(status);
  for (const message of webhook.inbound) groupOf(message.receivedBy).inbound.push(message);
  for (const preference of webhook.userPreferences) groupOf(preference.receivedBy).userPreferences.push(preference);
  return groups;
}

function addCounts<T extends object>(total: T, counts: T): void {
  for (const key of Object.keys(counts) as (keyof T)[]) (total[key] as number) += counts[key] as number;
}

async function applyConsentSignals(deps: { db: Db; clock: Clock }, group: ReceiverGroup, shops: ShopFilter): Promise<InboundConsentCounts> {
  const signals = consentInboundsFromWebhook(group);
  return signals.length === 0 ? emptyInboundConsentCounts() : await applyConsent(deps, signals, shops);
}

/**
 * Cart recovery first: a shopper who writes after a reminder (not a consent keyword) gets no second reminder.
 * Then every message is routed once (feedback answer → order question → fallback) and kept for the Inbox.
 */
async function handleShopperSignals(deps: { db: Db; clock: Clock }, inbound: InboundMessage[], shops: ShopFilter): Promise<ShopperMessageCounts> {
  if (inbound.length === 0) return emptyShopperMessageCounts();
  const written = inbound.filter((m) => classifyMessage(m).action === null);
  if (written.length > 0) {
    const phoneOf = (from: string) => (from.replace(/\D/g, "") ? `+${from.replace(/\D/g, "")}` : null);
    await noteShopperMessages(deps.db, written.map((m) => ({ phone: phoneOf(m.from), waUserId: m.userId ?? null, at: m.timestamp })), deps.clock.now(), shops);
  }
  return handleShopperMessages(deps, inbound, shops);
}

async function applyConsent(deps: { db: Db; clock: Clock }, signals: ReturnType<typeof consentInboundsFromWebhook>, shops: ShopFilter): Promise<InboundConsentCounts> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryOnContention(() =>
        deps.db.$transaction((tx) => applyConsentInbounds(tx, signals, deps.clock.now(), shops), { maxWait: 10_000, timeout: 30_000 }),
      );
    } catch (error) {
      // Two deliveries of the same shopper's messages racing on a unique key: the retry sees the winner's rows.
      if (attempt < MAX_TRIES && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}
