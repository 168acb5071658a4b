// Replay (REPLAY.md): a store's life, fed through the real routes in virtual time, with the worker and
// the Cloud API simulator advancing on the same clock. The environment (DATABASE_URL, secrets) must be
// set before this module is imported: the app's composition root reads it on import.
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { getEnv } from "../app/env.server";
import { db, getClock, useVirtualClock } from "../app/shopify.server";
import { createVirtualClock } from "../app/.server/clock";
import { encryptionKey } from "../app/.server/crypto";
import { computeStats, type Stats } from "../app/.server/analytics/stats";
import { cartRecoveryPrepareSend } from "../app/.server/cart-recovery/prepare-send";
import { nextStep1DueAt, runCartRecoveryScheduler } from "../app/.server/cart-recovery/step1";
import { requestConsent } from "../app/.server/consent/lifecycle";
import { enqueuePlans } from "../app/.server/ingest/enqueue";
import { normalizePhone } from "../app/.server/identity";
import { dispatchDueMessages } from "../app/.server/outbox/dispatch";
import { defaultOutboxPolicy } from "../app/.server/outbox/policy";
import { createTokenBucket } from "../app/.server/outbox/token-bucket";
import { createAdminGraphql } from "../app/.server/shopify-admin/client";
import { offlineSessionId } from "../app/.server/shopify-admin/offline-session";
import { sealToken } from "../app/.server/shopify-admin/session-tokens";
import { suggestedTemplates } from "../app/.server/templates/catalogue";
import { createWhatsAppClient } from "../app/.server/whatsapp/client";
import { createCloudApiSimulator } from "./cloud-api";
import { callRoute, routeFile } from "./in-process-app";
import { createShopifyAdminSimulator } from "./shopify-admin";
import { shopifyWebhookRequest } from "./shopify-webhooks";

const at = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const configLine = z.object({
  config: z
    .object({
      shop: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a *.myshopify.com domain"),
      country: z.string().length(2).default("DE"),
      timezone: z.string().default("Europe/Berlin"),
      currency: z.string().length(3).default("EUR"),
      locale: z.string().default("de"),
      attributionWindowDays: z.number().positive().default(5),
    })
    .passthrough(),
});
const eventLine = z.union([
  z.object({ at, shopify: z.object({ topic: z.string(), webhookId: z.string(), payload: z.unknown() }) }),
  z.object({
    at,
    // wording/wordingVersion: the checkbox text the shopper ticked, as the extension submits it (optional here).
    optIn: z.object({ checkoutToken: z.string().nullish(), phone: z.string(), locale: z.string().nullish(), wording: z.string().nullish(), wordingVersion: z.string().nullish() }),
  }),
  z.object({ at, reply: z.union([z.object({ from: z.string(), text: z.string() }), z.object({ from: z.string(), button: z.number().int().min(0) })]) }),
  z.object({ at, click: z.object({ from: z.string() }) }),
  z.object({ at, recipient: z.object({ phone: z.string(), reads: z.boolean().optional(), failWith: z.number().int().nullish() }) }),
]);
type EventLine = z.output<typeof eventLine>;
export type ReplayConfig = z.output<typeof configLine>["config"];

export interface ReplayScript {
  config: ReplayConfig;
  events: EventLine[];
}

/** Parses a replay file; errors name the line, never echo its content. */
export function parseReplay(text: string): ReplayScript {
  const lines = text.split("\n").map((l, i) => ({ no: i + 1, text: l.trim() })).filter((l) => l.text && !l.text.startsWith("//"));
  const parseLine = <T>(schema: z.ZodType<T>, line: { no: number; text: string }): T => {
    let json: unknown;
    try {
      json = JSON.parse(line.text);
    } catch {
      throw new Error(`line ${line.no}: not valid JSON`);
    }
    const result = schema.safeParse(json);
    if (!result.success) throw new Error(`line ${line.no}: ${result.error.issues.map((i) => `${i.path.join(".") || "(line)"}: ${i.message}`).join("; ")}`);
    return result.data;
  };
  if (lines.length === 0) throw new Error("the replay file is empty");
  const config = parseLine(configLine, lines[0]).config;
  const events = lines.slice(1).map((l) => parseLine(eventLine, l));
  for (let i = 1; i < events.length; i++) {
    if (events[i].at < events[i - 1].at) throw new Error(`events must be in time order (event ${i + 1} is earlier than the one before)`);
  }
  if (events.length === 0) throw new Error("the replay file has a config line but no events");
  return { config, events };
}

export interface ReplayResult {
  stats: Stats;
  messages: Record<string, unknown>[];
  warnings: string[];
}

/** A small deterministic PRNG so backoff jitter (and so the whole replay) is repeatable. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runReplay(script: ReplayScript): Promise<ReplayResult> {
  const env = getEnv();
  const { config, events } = script;
  const clock = createVirtualClock(events[0].at);
  useVirtualClock(clock);
  const warnings: string[] = [];
  const { shop } = config;
  const { shop: _s, country, timezone, currency, locale, ...settings } = config;
  await db.shop.upsert({
    where: { domain: shop },
    create: { domain: shop, country, timezone, currency, locale, settings: JSON.stringify(settings), installedAt: clock.now() },
    update: { country, timezone, currency, locale, settings: JSON.stringify(settings) },
  });

  const simulator = createCloudApiSimulator({
    clock,
    appSecret: env.WHATSAPP_APP_SECRET,
    accessToken: env.WHATSAPP_ACCESS_TOKEN,
    phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    templates: suggestedTemplates(env.SHOPIFY_APP_URL),
    deliverWebhook: async (rawBody, signature) => {
      const response = await callRoute(
        new Request(new URL("/webhooks/whatsapp", env.SHOPIFY_APP_URL), { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body: rawBody }),
      );
      if (!response.ok) throw new Error(`the app answered ${response.status} to a WhatsApp webhook`);
    },
  });
  const sender = createWhatsAppClient({
    baseUrl: env.WHATSAPP_API_BASE_URL,
    apiVersion: env.WHATSAPP_API_VERSION,
    phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    accessToken: env.WHATSAPP_ACCESS_TOKEN,
    fetch: simulator.fetch,
  });
  // The store's Admin API (discount codes of the second cart reminder): the local stand-in, with an offline session.
  const admin = createShopifyAdminSimulator();
  const secretsKey = encryptionKey(env.TOKEN_ENCRYPTION_KEY);
  await db.session.upsert({
    where: { id: offlineSessionId(shop) },
    create: { id: offlineSessionId(shop), shop, state: "replay", isOnline: false, scope: env.SCOPES, accessToken: sealToken("replay-offline-token", secretsKey) },
    update: {},
  });
  const policy = defaultOutboxPolicy;
  const dispatchDeps = {
    db,
    clock: getClock(),
    sender,
    policy,
    workerId: "replay",
    bucket: createTokenBucket({ ratePerSecond: policy.ratePerSecond, burst: policy.burst }),
    random: seededRandom(42),
    prepareSend: cartRecoveryPrepareSend({ db, adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey }),
  };

  // The instant at which all due work was last done with no event applied since: advancing to it again is a no-op.
  let settledAt: number | null = null;
  async function runDueWork() {
    for (let round = 0; round < 10_000; round++) {
      // Webhooks first: a shopper's reply (e.g. STOP) at this instant is known before anything is sent at it.
      await simulator.flushDue();
      // Step-1 time of abandoned checkouts (cart recovery) before anything due at this instant is sent.
      await runCartRecoveryScheduler(db, clock);
      const dispatched = await dispatchDueMessages(dispatchDeps);
      // Done when this round claimed everything due (less than a batch) and no webhook is due yet: sends only
      // schedule webhooks for later instants, so one more round would find nothing.
      const webhookDue = (simulator.nextDueAt()?.getTime() ?? Infinity) <= clock.now().getTime();
      if (!webhookDue && dispatched.claimed < policy.batchSize) {
        settledAt = clock.now().getTime();
        return;
      }
    }
    throw new Error("replay: work did not settle at one instant (a loop in the outbox?)");
  }

  async function advanceTo(target: Date) {
    if (settledAt === target.getTime() && settledAt === clock.now().getTime()) return;
    for (;;) {
      await runDueWork();
      const nextMessage = await db.message.findFirst({ where: { shop, status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
      const candidates = [nextMessage?.sendAfter, simulator.nextDueAt(), await nextStep1DueAt(db, shop)].filter((d): d is Date => d != null);
      const next = candidates.length ? new Date(Math.max(Math.min(...candidates.map((d) => d.getTime())), clock.now().getTime() + 1)) : null;
      if (!next || next > target) break;
      clock.set(next);
    }
    if (target > clock.now()) clock.set(target);
  }

  for (const [index, event] of events.entries()) {
    await advanceTo(event.at);
    settledAt = null;
    const where = `event ${index + 1}`;
    if ("shopify" in event) {
      const request = shopifyWebhookRequest(env.SHOPIFY_APP_URL, env.SHOPIFY_API_SECRET, { shop, ...event.shopify, triggeredAt: event.at });
      const response = await callRoute(request);
      if (!response.ok) warnings.push(`${where}: ${event.shopify.topic} answered ${response.status}: ${await response.text()}`);
    } else if ("optIn" in event) {
      const phone = normalizePhone(event.optIn.phone, country);
      if (!phone) warnings.push(`${where}: opt-in phone is not a valid number; ignored`);
      else {
        // What the checkout extension's call to the app does (api.checkout.opt-in).
        const now = clock.now();
        await db.$transaction(async (tx) => {
          const { checkoutToken, locale, wording, wordingVersion } = event.optIn;
          const plans = await requestConsent(
            tx,
            { shop, phone, checkoutToken: checkoutToken ?? null, locale: locale ?? null, wording: wording ?? null, wordingVersion: wordingVersion ?? null, source: "checkout" },
            now,
          );
          await enqueuePlans(tx, shop, plans, now);
        });
      }
    } else if ("reply" in event) {
      if ("text" in event.reply) simulator.reply(event.reply.from, event.reply.text);
      else if (!simulator.tapButton(event.reply.from, event.reply.button)) warnings.push(`${where}: no message with quick-reply buttons to tap`);
    } else if ("click" in event) {
      const url = simulator.click(event.click.from);
      const id = url?.startsWith(`${env.SHOPIFY_APP_URL.replace(/\/$/, "")}/r/`) ? url.slice(url.lastIndexOf("/") + 1) : null;
      if (!id) warnings.push(`${where}: no message with a link to click`);
      else await callRoute(new Request(url!), { file: routeFile("r.$id.tsx"), params: { id } });
    } else {
      simulator.setRecipient(event.recipient.phone, { reads: event.recipient.reads, failWith: event.recipient.failWith ?? null });
    }
    await runDueWork();
  }

  const lastAt = events[events.length - 1].at;
  const to = new Date(lastAt.getTime() + config.attributionWindowDays * 86_400_000);
  await advanceTo(to);

  const stats = await computeStats(db, { shop, from: events[0].at, to });
  const rows = await db.message.findMany({ where: { shop }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const messages = rows.map((m) => ({
    flow: m.flow,
    to: m.to,
    template: m.template,
    language: m.language,
    plannedAt: m.plannedFor.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
    status: m.status.toLowerCase(),
    reason: m.statusReason,
    errorCode: m.errorCode,
  }));
  return { stats, messages, warnings };
}

export function writeMessagesFile(file: string, messages: Record<string, unknown>[]): void {
  writeFileSync(file, messages.map((m) => JSON.stringify(m)).join("\n") + (messages.length ? "\n" : ""));
}

export function readReplayFile(file: string): ReplayScript {
  return parseReplay(readFileSync(file, "utf8"));
}
