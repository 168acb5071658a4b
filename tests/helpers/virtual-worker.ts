// The app's worker on one virtual clock: the real outbox worker sending through the real WhatsApp client to the
// Cloud API simulator, whose signed webhooks (statuses, replies, taps) go through the real /webhooks/whatsapp
// route. What differs between areas is a parameter: the steps that run before dispatch (schedulers), the work
// after it that keeps the worker busy (Shopify syncs), and the due times besides the messages' and webhooks'.
import type { Clock, VirtualClock } from "~/.server/clock";
import { dispatchDueMessages, type DispatchDeps } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { getEnv } from "~/env.server";
import { db } from "~/shopify.server";
import { createCloudApiSimulator, type CloudApiSimulator, type SimulatorTemplate } from "../../simulator/cloud-api";
import { callRoute } from "../../simulator/in-process-app";

export interface VirtualWorkerOptions {
  workerId: string;
  /** Templates the simulator knows besides the suggested ones. */
  extraTemplates?: SimulatorTemplate[];
  prepareSend?: DispatchDeps["prepareSend"];
  log?: DispatchDeps["log"];
  /** Run at the start of every round, before dispatch: what they make due now is sent in the same round. */
  beforeDispatch?: (() => Promise<unknown>)[];
  /** Run after dispatch; each returns how much it did, and the worker goes on while anything did something. */
  afterDispatch?: (() => Promise<number>)[];
  /** Due times besides the next scheduled message and the next simulator webhook. */
  dueAt?: (() => Promise<Date | null | undefined>)[];
  maxRounds?: number;
}

/** The Cloud API simulator for the app's own credentials, its signed webhooks posted through the real route. */
export function createAppCloudApiSimulator(clock: Clock, extraTemplates: SimulatorTemplate[] = []): CloudApiSimulator {
  const env = getEnv();
  return createCloudApiSimulator({
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
}

export function createVirtualWorker(clock: VirtualClock, options: VirtualWorkerOptions) {
  const env = getEnv();
  const sim = createAppCloudApiSimulator(clock, options.extraTemplates);
  const sender = createWhatsAppClient({
    baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    accessToken: env.WHATSAPP_ACCESS_TOKEN, fetch: sim.fetch,
  });
  const policy = defaultOutboxPolicy;
  const deps: DispatchDeps = {
    db, clock, sender, policy, workerId: options.workerId, bucket: createTokenBucket(policy), random: () => 0.5,
    prepareSend: options.prepareSend, log: options.log,
  };
  const maxRounds = options.maxRounds ?? 100;

  /** Worker rounds and webhook deliveries until nothing more is due at this instant. */
  async function settle(): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      for (const step of options.beforeDispatch ?? []) await step();
      let busy = (await dispatchDueMessages(deps)).claimed;
      for (const step of options.afterDispatch ?? []) busy += await step();
      busy += await sim.flushDue();
      if (busy === 0) return;
    }
    throw new Error("the outbox did not settle");
  }

  /** Runs the worker through virtual time up to now + ms, settling at every due instant on the way. */
  async function advance(ms: number): Promise<void> {
    const target = clock.now().getTime() + ms;
    for (;;) {
      await settle();
      const next = await db.message.findFirst({ where: { status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
      const candidates = [next?.sendAfter, sim.nextDueAt()];
      for (const source of options.dueAt ?? []) candidates.push(await source());
      const due = candidates.map((d) => d?.getTime()).filter((t): t is number => t !== undefined && t <= target);
      if (due.length === 0) break;
      clock.set(new Date(Math.max(Math.min(...due), clock.now().getTime() + 1)));
    }
    clock.set(new Date(target));
    await settle();
  }

  return { sim, deps, settle, advance };
}
