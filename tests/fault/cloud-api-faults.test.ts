// The Cloud API misbehaving: HTTP 5xx, answers lost to a timeout after Meta accepted the message, and bursts of
// 130429 (throughput reached). In virtual time, the real dispatch and WhatsApp client against the simulator, its
// webhooks through the real route: every message reaches the shopper exactly once, after backoff.
import { describe, expect, it } from "vitest";
import { bodyText } from "~/.server/automations/types";
import { createVirtualClock } from "~/.server/clock";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import { TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { getEnv } from "~/env.server";
import { db } from "~/shopify.server";
import { createAppCloudApiSimulator } from "../helpers/virtual-worker";
import { SHOP, T0 } from "../outbox/helpers";

const MESSAGES = 300;
const env = getEnv();

describe("the Cloud API answering 5xx, timing out and bursting 130429", () => {
  it(`${MESSAGES} messages: each sent exactly once after backoff, none lost`, { timeout: 120_000 }, async () => {
    const clock = createVirtualClock(T0);
    const sim = createAppCloudApiSimulator(clock);

    let seed = 0xc0ffee;
    const random = () => ((seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
    const injected = { serverError: 0, timeoutAfterAccept: 0, throughput: 0 };
    // Every fifth minute begins with 20 s in which Meta answers 130429 to everything.
    const inBurst = () => clock.now().getTime() % 300_000 < 20_000;
    const faultyFetch: typeof fetch = async (input, init) => {
      if (inBurst()) {
        injected.throughput += 1;
        return Response.json({ error: { message: "(#130429) Rate limit hit", type: "OAuthException", code: 130429, error_data: { details: "Cloud API message throughput has been reached." }, fbtrace_id: "Fault" } }, { status: 400 });
      }
      const roll = random();
      if (roll < 0.1) {
        injected.serverError += 1;
        return new Response("Service Unavailable", { status: 503 });
      }
      const answer = await sim.fetch(input, init);
      if (roll < 0.2 && answer.ok) {
        // Meta took the message, but its answer never reached us.
        injected.timeoutAfterAccept += 1;
        throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
      }
      return answer;
    };

    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      const phone = `+49152${String(8_000_000 + i)}`;
      const sendAfter = new Date(T0.getTime() + i * 400);
      await db.message.create({
        data: {
          id: `fault-${i}`, shop: SHOP, flow: "order_confirmation", dedupeKey: `fault:${i}`, to: phone, category: "UTILITY",
          template: TEMPLATE_NAMES.orderConfirmation, language: "de", status: "SCHEDULED", sendAfter, createdAt: sendAfter,
          components: JSON.stringify([bodyText("Anna", `#${2000 + i}`, "49,90 €"), { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: `fault-${i}` }] }]),
        },
      });
      await db.consent.create({ data: { shop: SHOP, phone, state: "CONFIRMED", updatedAt: T0 } });
      ids.push(`fault-${i}`);
    }

    const policy = defaultOutboxPolicy;
    const sender = createWhatsAppClient({
      baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, accessToken: env.WHATSAPP_ACCESS_TOKEN, fetch: faultyFetch,
    });
    const deps = { db, clock, sender, policy, workerId: "fault", bucket: createTokenBucket(policy), random };
    // Step through virtual time: each due message and each due webhook on its time, up to six hours.
    const end = T0.getTime() + 6 * 3_600_000;
    for (;;) {
      let dispatched;
      do {
        dispatched = await dispatchDueMessages(deps);
        await sim.flushDue();
      } while (dispatched.claimed > 0);
      const next = await db.message.findFirst({ where: { status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
      const due = [next?.sendAfter.getTime(), sim.nextDueAt()?.getTime()].filter((t): t is number => t !== undefined && t <= end);
      if (!next || due.length === 0) break;
      clock.set(new Date(Math.max(Math.min(...due), clock.now().getTime() + 1)));
    }
    clock.set(new Date(clock.now().getTime() + 10_000));
    await sim.flushDue();

    const received = new Map<string, number>();
    for (const m of sim.sent) received.set(m.bizOpaqueCallbackData!, (received.get(m.bizOpaqueCallbackData!) ?? 0) + 1);
    const rows = await db.message.findMany({ select: { id: true, status: true, attempts: true } });
    const byStatus = Object.fromEntries(["SENT", "DELIVERED", "READ", "SCHEDULED", "SENDING", "FAILED"].map((s) => [s, rows.filter((r) => r.status === s).length]));
    const retries = await db.messageEvent.count({ where: { status: "SCHEDULED", reason: { startsWith: "retry_scheduled" } } });
    console.log(`[cloud api faults] injected ${JSON.stringify(injected)}; retries scheduled ${retries}; final ${JSON.stringify(byStatus)}`);

    expect(injected.serverError).toBeGreaterThan(10);
    expect(injected.timeoutAfterAccept).toBeGreaterThan(10);
    expect(injected.throughput).toBeGreaterThan(10);
    expect(retries).toBeGreaterThanOrEqual(injected.serverError + injected.throughput);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(received.keys())).toEqual(new Set(ids));
    expect(rows.every((r) => ["SENT", "DELIVERED", "READ"].includes(r.status))).toBe(true);
    // Every 130429 answer is on record with its code, on the message it hit.
    const errorEvents = await db.messageEvent.count({ where: { errorCode: 130429 } });
    expect(errorEvents).toBe(injected.throughput);
  });
});
