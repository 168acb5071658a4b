// Receive one verified, parsed WhatsApp webhook POST: statuses are applied to the outbox in bulk.
// Inbound messages and marketing preferences drive consent, which comes with the consent issue;
// until then they are counted and acknowledged (Meta retries anything that is not a 200 for 7 days).
import type { Clock } from "../clock";
import type { Db } from "../db";
import { applyStatusUpdates } from "../outbox/statuses";
import type { ParsedWebhook } from "../whatsapp/types";

export interface WhatsAppWebhookOutcome {
  statuses: { applied: number; unchanged: number; unknown: number };
  inbound: number;
  userPreferences: number;
}

export async function receiveWhatsAppWebhook(deps: { db: Db; clock: Clock }, webhook: ParsedWebhook): Promise<WhatsAppWebhookOutcome> {
  const statuses = await applyStatusUpdates(deps.db, deps.clock, webhook.statuses);
  if (webhook.errors.length > 0) console.warn(`[whatsapp] webhook carried ${webhook.errors.length} error(s): codes ${webhook.errors.map((e) => e.code).join(", ")}`);
  return { statuses, inbound: webhook.inbound.length, userPreferences: webhook.userPreferences.length };
}
