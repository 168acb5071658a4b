// Consent test fixtures: Meta's real webhook samples with the sender, ids and answer swapped in, signed and
// posted through the real /webhooks/whatsapp route.
import type { VirtualClock } from "~/.server/clock";
import { signWhatsAppBody } from "~/.server/whatsapp/signature";
import { db } from "~/shopify.server";
import type { SimulatorTemplate } from "../../simulator/cloud-api";
import { callRoute } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";
import { createVirtualWorker } from "../helpers/virtual-worker";

type Value = Record<string, unknown> & { contacts?: Record<string, unknown>[]; messages?: Record<string, unknown>[]; statuses?: Record<string, unknown>[]; user_preferences?: Record<string, unknown>[] };
type Body = { entry: { changes: { value: Value }[] }[] };

const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));
const digits = (phone: string) => phone.replace(/\D/g, "");
let seq = 0;
export const newWamid = () => `wamid.consent-test-${process.pid}-${++seq}`;

/** Empties the outbox and the consent log (with the Shopify syncs that consent changes queue), children first. */
export async function resetMessagesAndConsent(): Promise<void> {
  await db.messageEvent.deleteMany();
  await db.message.deleteMany();
  await db.consentEvent.deleteMany();
  await db.consent.deleteMany();
  await db.shopifySync.deleteMany();
}

/** A shopper's text message (the real pywa text sample). */
export function textWebhook(from: string, text: string, at: Date, wamid = newWamid()): { body: Body; wamid: string } {
  const body = fixture<Body>("whatsapp/webhook_inbound_text_pywa.json");
  const value = body.entry[0].changes[0].value;
  value.contacts = [{ profile: { name: "Shopper" }, wa_id: digits(from) }];
  Object.assign(value.messages![0], { from: digits(from), id: wamid, timestamp: unix(at), text: { body: text } });
  return { body, wamid };
}

/** A tap on a template quick-reply button (the recorded sample). */
export function buttonWebhook(from: string, payload: string, text: string, contextWamid: string, at: Date, wamid = newWamid()): { body: Body; wamid: string } {
  const body = fixture<Body>("whatsapp/webhook_inbound_button_quick_reply_recorded.json");
  const value = body.entry[0].changes[0].value;
  value.contacts = [{ profile: { name: "Shopper" }, wa_id: digits(from) }];
  Object.assign(value.messages![0], { from: digits(from), id: wamid, timestamp: unix(at), button: { payload, text }, context: { from: "16505550123", id: contextWamid } });
  return { body, wamid };
}

/** WhatsApp's own "stop/resume marketing" control (the pywa user_preferences sample). */
export function userPreferenceWebhook(from: string, value: "stop" | "resume", at: Date): Body {
  const body = fixture<Body>("whatsapp/webhook_user_preferences_resume_pywa.json");
  const change = body.entry[0].changes[0].value;
  change.contacts = [{ profile: { name: "Shopper" }, wa_id: digits(from) }];
  Object.assign(change.user_preferences![0], { wa_id: digits(from), value, timestamp: Math.floor(at.getTime() / 1000) });
  return body;
}

/** A `failed` status with Meta's error code (the 131049 sample with the code swapped). */
export function failedStatusWebhook(waMessageId: string, to: string, code: number, at: Date): Body {
  const body = fixture<Body>("whatsapp/webhook_status_failed_131049_meta_docs.json");
  const status = body.entry[0].changes[0].value.statuses![0];
  Object.assign(status, { id: waMessageId, recipient_id: digits(to), timestamp: unix(at) });
  (status.errors as Record<string, unknown>[])[0].code = code;
  return body;
}

/** Signs the body with the app secret and posts it through the real route. */
export function postWhatsAppWebhook(body: unknown): Promise<Response> {
  const raw = JSON.stringify(body);
  const url = new URL("/webhooks/whatsapp", process.env.SHOPIFY_APP_URL).toString();
  return callRoute(
    new Request(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signWhatsAppBody(raw, process.env.WHATSAPP_APP_SECRET!) }, body: raw }),
  );
}

/** The app as the shopper meets it: the worker with no scheduler (tests/helpers/virtual-worker.ts). */
export function createWhatsAppHarness(clock: VirtualClock, extraTemplates: SimulatorTemplate[] = [], options: { log?: (line: string) => void } = {}) {
  return createVirtualWorker(clock, { workerId: "consent-test", extraTemplates, log: options.log });
}
