// Consent test fixtures: Meta's real webhook samples with the sender, ids and answer swapped in, signed and
// posted through the real /webhooks/whatsapp route.
import type { VirtualClock } from "~/.server/clock";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { signWhatsAppBody } from "~/.server/whatsapp/signature";
import { getEnv } from "~/env.server";
import { db } from "~/shopify.server";
import { createCloudApiSimulator, type SimulatorTemplate } from "../../simulator/cloud-api";
import { callRoute } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";

type Value = Record<string, unknown> & { contacts?: Record<string, unknown>[]; messages?: Record<string, unknown>[]; statuses?: Record<string, unknown>[]; user_preferences?: Record<string, unknown>[] };
type Body = { entry: { changes: { value: Value }[] }[] };

const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));
const digits = (phone: string) => phone.replace(/\D/g, "");
let seq = 0;
export const newWamid = () => `wamid.consent-test-${process.pid}-${++seq}`;

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

/**
 * The app as the shopper meets it: the real outbox worker sending through the real WhatsApp client to the Cloud
 * API simulator, whose signed webhooks (statuses, replies, taps) go through the real route — all on one clock.
 */
export function createWhatsAppHarness(clock: VirtualClock, extraTemplates: SimulatorTemplate[] = [], options: { log?: (line: string) => void } = {}) {
  const env = getEnv();
  const sim = createCloudApiSimulator({
    clock,
    appSecret: env.WHATSAPP_APP_SECRET,
    accessToken: env.WHATSAPP_ACCESS_TOKEN,
    phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    templates: [...suggestedTemplates(env.SHOPIFY_APP_URL), ...extraTemplates],
    deliverWebhook: async (rawBody, signature) => {
      const response = await callRoute(
        new Request(new URL("/webhooks/whatsapp", env.SHOPIFY_APP_URL), { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body: rawBody }),
      );
      if (!response.ok) throw new Error(`the app answered ${response.status}`);
    },
  });
  const sender = createWhatsAppClient({
    baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    accessToken: env.WHATSAPP_ACCESS_TOKEN, fetch: sim.fetch,
  });
  const policy = defaultOutboxPolicy;
  const deps = { db, clock, sender, policy, workerId: "consent-test", bucket: createTokenBucket(policy), random: () => 0.5, log: options.log };
  return {
    sim,
    /** Worker rounds and webhook deliveries until nothing more is due at this instant. */
    async settle(): Promise<void> {
      for (let round = 0; round < 100; round++) {
        const dispatched = await dispatchDueMessages(deps);
        const delivered = await sim.flushDue();
        if (dispatched.claimed === 0 && delivered === 0) return;
      }
      throw new Error("the outbox did not settle");
    },
    /** Advances the clock step by step (every due message and webhook on its time) and settles at each step. */
    async advance(ms: number): Promise<void> {
      const target = clock.now().getTime() + ms;
      for (;;) {
        await this.settle();
        const next = await db.message.findFirst({ where: { status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
        const due = [next?.sendAfter?.getTime(), sim.nextDueAt()?.getTime()].filter((t): t is number => t !== undefined && t <= target);
        if (due.length === 0) break;
        clock.set(new Date(Math.max(Math.min(...due), clock.now().getTime() + 1)));
      }
      clock.set(new Date(target));
      await this.settle();
    },
  };
}
