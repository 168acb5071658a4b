// One dispatch round: claim due messages, re-check each at send time, send, and record the outcome.
import type { Message, Prisma } from "@prisma/client";
import type { Clock } from "../clock";
import type { Db } from "../db";
import type { SendError, TemplateComponent, WhatsAppSender } from "../whatsapp/types";
import { groupCommit } from "../group-commit";
import { leaveSendingMany, markSendStartedMany, type LeaveSending } from "./batch-writes";
import { claimDueMessages } from "./claim";
import { eventReason, retryOnContention, transitionMessage, type StatusEvent } from "./events";
import { batchableForFacts, loadSendFacts, loadSendFactsForBatch } from "./facts";
import { decideAtSendTime, syncedParameterCount, templateVariablesCheck, type SendFacts } from "./gate";
import { backoffDelayMs, type OutboxPolicy } from "./policy";
import { emptyPurse, takeSharedToken, type SharedSendRates, type TokenPurse } from "./send-rate";
import type { SenderForShop } from "./shop-senders";
import type { TokenBucket } from "./token-bucket";

export interface DispatchDeps {
  db: Db;
  clock: Clock;
  sender: WhatsAppSender;
  policy: OutboxPolicy;
  workerId: string;
  /** This process's own token bucket for the app-wide number (single-worker setups and tests). */
  bucket?: TokenBucket;
  /** When given, each message goes out through its shop's own sender (and bucket) instead (outbox/shop-senders.ts). */
  senderFor?: SenderForShop;
  /** Each business number's send rate, shared by all workers through the database; used instead of the buckets. */
  sendRates?: SharedSendRates;
  /** In [0, 1); drives the backoff jitter. */
  random: () => number;
  log?: (line: string) => void;
  /** When aborted mid-round, the claimed but untouched rows go back to SCHEDULED. */
  signal?: AbortSignal;
  /** Last work on a message the gate let through, right before the call (cart recovery: discount code, final re-check). */
  prepareSend?: PrepareSend;
}

/** What prepareSend decides: send (possibly with other content), or not now, or not at all. */
export type PrepareResult =
  | {
      action: "send";
      template?: string;
      components?: TemplateComponent[];
      /** Another language for the swapped-in template (its own language fallback); comes with a `note`. */
      language?: string;
      /** The swapped-in template's body placeholders as synced, for the last values check; undefined = not known. */
      parameters?: number;
      /** Why the content differs from the plan, appended to the message's timeline before the call. */
      note?: { reason: string; detail: string };
      /** Run after the content is stored, as the very last database read before the call: a cancel result stops the send. */
      recheck?: () => Promise<PrepareResult | null>;
    }
  | { action: "defer"; until: Date; reason: string; detail: string }
  | { action: "cancel"; reason: string; detail: string };
/**
 * `message.language` is the language the gate chose (the planned one, or its language fallback); `facts` are what the
 * gate read for this message (the shop's settings, the template's approval), so prepareSend need not read them again.
 */
export type PrepareSend = (message: Message, components: TemplateComponent[], now: Date, facts: SendFacts) => Promise<PrepareResult>;

export interface DispatchCounts {
  claimed: number;
  sent: number;
  skipped: number;
  cancelled: number;
  /** Back to SCHEDULED without an attempt: gate deferral, empty token bucket, released on stop. */
  deferred: number;
  /** Back to SCHEDULED after a failed attempt. */
  retried: number;
  failed: number;
  /** The send call threw or its result could not be recorded: left SENDING for the status webhook or reconciliation. */
  inDoubt: number;
}

type Outcome = keyof Omit<DispatchCounts, "claimed">;

export function emptyDispatchCounts(): DispatchCounts {
  return { claimed: 0, sent: 0, skipped: 0, cancelled: 0, deferred: 0, retried: 0, failed: 0, inDoubt: 0 };
}

export async function dispatchDueMessages(deps: DispatchDeps): Promise<DispatchCounts> {
  const { db, clock, policy, workerId } = deps;
  const counts = emptyDispatchCounts();
  if (deps.signal?.aborted) return counts;
  const now = clock.now();
  // With one number for everything, a batch is never larger than the tokens its second still has. With per-shop
  // numbers (senderFor) the batch is claimed whole and each number's tokens are taken as its messages come up.
  const single = deps.sendRates && !deps.senderFor ? deps.sendRates.of(deps.sendRates.defaultKey) : null;
  const grant = single ? await single.take(now, policy.batchSize) : null;
  const claimed = await claimDueMessages(db, { now, workerId, limit: grant ? grant.granted : policy.batchSize, leaseMs: policy.leaseMs });
  counts.claimed = claimed.length;
  const round: Round = {
    purses: new Map(), takeToken: oneAtATime(takeTokenWithExpiry), notStarted: claimed.length, facts: new Map(),
    markSendStarted: groupCommit(async (ids: string[]) => {
      const marked = await markSendStartedMany(db, workerId, ids, clock.now());
      return ids.map((id) => marked.has(id));
    }),
    leaveSending: groupCommit((items: LeaveSending[]) => leaveSendingMany(db, workerId, items)),
  };
  if (single && grant) {
    round.purses.set(single.key, { rate: single, grant, left: claimed.length });
    await single.giveBack(grant, grant.granted - claimed.length);
  }
  const groups = groupByRecipient(claimed);
  round.facts = await loadFirstFacts(deps, groups, now);

  await forEachBounded(groups, policy.sendConcurrency, async (messages) => {
    for (const message of messages) {
      if (deps.signal?.aborted) {
        const released = await backToScheduled(deps, round, message, clock.now(), {}, "released", "The worker stopped before handling the message.");
        if (released) counts.deferred += 1;
        continue;
      }
      const stillToGo = round.notStarted;
      round.notStarted -= 1;
      counts[await dispatchOne(deps, message, round, stillToGo)] += 1;
    }
  });
  for (const purse of round.purses.values()) await purse.rate.giveBack(purse.grant, purse.left);
  return counts;
}

/** What the concurrent sends of one round share: each number's tokens, taken one caller at a time. */
interface Round {
  purses: Map<string, TokenPurse>;
  takeToken: typeof takeTokenWithExpiry;
  /** Claimed messages not yet started: how many tokens a refill asks for. */
  notStarted: number;
  /** The gate's facts of each recipient's first message, loaded for the whole round; the rest load their own. */
  facts: Map<string, SendFacts>;
  /** The round's concurrent sends share these writes (batch-writes.ts); each resolves once its own row is written. */
  markSendStarted: (id: string) => Promise<boolean>;
  leaveSending: (item: LeaveSending) => Promise<boolean>;
}

/**
 * The facts of the first message of every recipient group in a few set-based queries. A recipient's later messages
 * load theirs after the earlier one is settled (the pair limit and cap must see it); cart reminders and free-form
 * texts always load their own, right before the call.
 */
async function loadFirstFacts(deps: DispatchDeps, groups: Message[][], now: Date): Promise<Map<string, SendFacts>> {
  try {
    return await loadSendFactsForBatch(deps.db, groups.map((group) => group[0]).filter(batchableForFacts), deps.policy, now);
  } catch (error) {
    // Each message then loads its own facts (and handles its own errors).
    deps.log?.(`outbox: batch facts failed (${error instanceof Error ? error.name : "unknown"}); loading per message`);
    return new Map();
  }
}

/**
 * The claimed messages in groups that must go one after another: messages of one shop sharing a phone or a WhatsApp
 * user id (the gate's pair limit and cap read the previous send, so two to one person must never be in flight
 * together). Groups keep the claim order of their first message; messages keep their claim order within a group.
 */
function groupByRecipient<T extends Pick<Message, "shop" | "to" | "waUserId">>(messages: T[]): T[][] {
  const parent = messages.map((_, index) => index);
  const root = (index: number): number => {
    while (parent[index] !== index) index = parent[index] = parent[parent[index]];
    return index;
  };
  const firstWith = new Map<string, number>();
  messages.forEach((message, index) => {
    const keys = [message.to !== null ? `to:${message.shop}:${message.to}` : null, message.waUserId !== null ? `wa:${message.shop}:${message.waUserId}` : null];
    for (const key of keys) {
      if (key === null) continue;
      const first = firstWith.get(key);
      if (first === undefined) firstWith.set(key, index);
      else {
        const [a, b] = [root(first), root(index)];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, T[]>();
  messages.forEach((message, index) => {
    const key = root(index);
    const group = groups.get(key);
    if (group) group.push(message);
    else groups.set(key, [message]);
  });
  return [...groups.values()];
}

/** Runs `work` on every item with at most `limit` running at once. */
async function forEachBounded<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit) || 1, items.length)) }, lane));
}

/** A token and the end of the second it belongs to (the purse may be refilled for a later second meanwhile). */
async function takeTokenWithExpiry(purse: TokenPurse, now: Date, stillToGo: number): Promise<{ ok: true; validUntil: Date } | { ok: false; retryAt: Date }> {
  const token = await takeSharedToken(purse, now, stillToGo);
  return token.ok ? { ok: true, validUntil: purse.grant.validUntil } : token;
}

/** Calls of `fn` one after another, so concurrent sends never read and refill one purse at the same time. */
function oneAtATime<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const run = tail.then(() => fn(...args));
    tail = run.catch(() => undefined);
    return run;
  };
}

function pursesOf(rates: SharedSendRates, purses: Map<string, TokenPurse>, phoneNumberId: string): TokenPurse {
  let purse = purses.get(phoneNumberId);
  if (!purse) purses.set(phoneNumberId, (purse = emptyPurse(rates.of(phoneNumberId))));
  return purse;
}

/** The end of a token's second in which no call starts any more (a call takes a few ms to reach the other end). */
const SECOND_END_GUARD_MS = 100;

async function dispatchOne(deps: DispatchDeps, message: Message, round: Round, stillToGo: number): Promise<Outcome> {
  const { db, clock, policy } = deps;
  let called = false;
  try {
    // Marking sendStartedAt means: if we die from here on, the row is never sent again (the status webhook, matched
    // by biz_opaque_callback_data, or the lease reconciliation settles it); unmarked rows go back in the queue.
    // A message that loads its own facts is marked before anything else, so the gate's and prepareSend's reads stay
    // the last ones before the call. One whose facts came with the round's batch is marked right before the call, so
    // a worker killed mid-round leaves only the calls really under way in doubt, not every message of its lanes.
    const batchFacts = round.facts.get(message.id);
    if (!batchFacts && !(await round.markSendStarted(message.id))) return "deferred"; // No longer ours: nothing was sent.
    const now = clock.now();
    const facts = batchFacts ?? (await loadSendFacts(db, message, policy, now));
    const decision = decideAtSendTime(message, facts, now, policy);
    switch (decision.action) {
      case "skip":
      case "cancel": {
        const status = decision.action === "skip" ? "SKIPPED" : "CANCELLED";
        await leaveSending(round, message, { statusReason: decision.reason }, {
          status, reason: eventReason(decision.reason, decision.detail), source: "worker", at: now,
        });
        return decision.action === "skip" ? "skipped" : "cancelled";
      }
      case "defer":
        await backToScheduled(deps, round, message, decision.until, {}, decision.reason, decision.detail);
        return "deferred";
      case "send":
        break;
    }

    const components = parseComponents(message.components);
    if (components === null) {
      await leaveSending(round, message, { statusReason: "invalid_components", failedAt: now }, {
        status: "FAILED", reason: eventReason("invalid_components", "The stored template components are not a JSON array."), source: "worker", at: now,
      });
      return "failed";
    }

    const route = deps.senderFor ? await deps.senderFor(message.shop) : { sender: deps.sender, bucket: deps.bucket, phoneNumberId: deps.sendRates?.defaultKey ?? "" };
    if (message.text !== null && !route.sender.sendText) {
      await leaveSending(round, message, { statusReason: "text_not_supported", failedAt: now }, {
        status: "FAILED", reason: eventReason("text_not_supported", "This WhatsApp sender cannot send free-form text."), source: "worker", at: now,
      });
      return "failed";
    }

    const purse = deps.sendRates ? pursesOf(deps.sendRates, round.purses, route.phoneNumberId) : null;
    const token = purse ? await round.takeToken(purse, clock.now(), stillToGo) : route.bucket?.take(now) ?? { ok: true };
    const tokenValidUntil = token.ok && "validUntil" in token ? (token.validUntil as Date) : null;
    if (!token.ok) {
      await backToScheduled(deps, round, message, token.retryAt, {}, "rate_limited", "The business number's send rate is used up for this moment.");
      return "deferred";
    }

    let template = message.template;
    let content = components;
    // The template is approved in another language only (gate step 7): it goes out in that one.
    const gateLanguage = "language" in decision ? decision.language : message.language;
    let language = gateLanguage;
    let expected = syncedParameterCount(facts.template, "language" in decision);
    const notes: { reason: string; detail: string }[] = "language" in decision && decision.language !== message.language ? [{ reason: decision.reason, detail: decision.detail }] : [];
    if (deps.prepareSend) {
      const prepared = await deps.prepareSend({ ...message, language: gateLanguage }, components, clock.now(), facts);
      if (prepared.action === "defer") {
        await backToScheduled(deps, round, message, prepared.until, {}, prepared.reason, prepared.detail);
        return "deferred";
      }
      if (prepared.action === "cancel") {
        await leaveSending(round, message, { statusReason: prepared.reason }, {
          status: "CANCELLED", reason: eventReason(prepared.reason, prepared.detail), source: "worker", at: clock.now(),
        });
        return "cancelled";
      }
      if (prepared.template && prepared.template !== template) expected = prepared.parameters;
      language = prepared.language ?? language;
      if (prepared.note) notes.push(prepared.note);
      if (prepared.template || prepared.components) {
        template = prepared.template ?? template;
        content = prepared.components ?? content;
        // The row shows what is really sent; only while it is still ours.
        const { count } = await retryOnContention(() =>
          db.message.updateMany({ where: { id: message.id, status: "SENDING", claimedBy: deps.workerId }, data: { template, components: JSON.stringify(content) } }),
        );
        if (count !== 1) return "inDoubt";
      }
      const last = prepared.recheck ? await prepared.recheck() : null;
      if (last?.action === "cancel") {
        await leaveSending(round, message, { statusReason: last.reason }, {
          status: "CANCELLED", reason: eventReason(last.reason, last.detail), source: "worker", at: clock.now(),
        });
        return "cancelled";
      }
    }

    // The content really sent, against the template it goes out with (gate.ts templateVariablesCheck).
    const variables = message.text === null ? templateVariablesCheck({ template, language, components: content }, expected) : null;
    if (variables) {
      deps.log?.(`outbox: message ${message.id} skipped: ${variables.reason} (${variables.detail})`);
      await leaveSending(round, message, { statusReason: variables.reason }, {
        status: "SKIPPED", reason: eventReason(variables.reason, variables.detail), source: "worker", at: clock.now(),
      });
      return "skipped";
    }

    if (batchFacts && !(await round.markSendStarted(message.id))) return "deferred";

    // Another language or a change prepareSend made: the row and its timeline say so before the call.
    for (const note of notes) {
      const applied = await transitionMessage(
        db,
        { id: message.id, status: "SENDING", claimedBy: deps.workerId },
        language !== message.language ? { language } : {},
        { status: "SENDING", reason: eventReason(note.reason, note.detail), source: "worker", at: clock.now() },
      );
      if (!applied) return "deferred"; // No longer ours: nothing was sent.
    }

    // A shared token is for one second only: if that second passed meanwhile (prepareSend, the marks), the send needs
    // a new one. Its last moments count as passed: a call started then would reach Meta in the next second, on top of
    // that second's own tokens (seen: 1,004 received in one second at a rate of 1,000); it waits for the next second.
    if (purse && tokenValidUntil) {
      const left = tokenValidUntil.getTime() - clock.now().getTime();
      if (left > 0 && left <= SECOND_END_GUARD_MS) await new Promise((resolve) => setTimeout(resolve, left));
      if (clock.now() >= tokenValidUntil) {
        const fresh = await round.takeToken(purse, clock.now(), stillToGo);
        if (!fresh.ok) {
          await backToScheduled(deps, round, message, fresh.retryAt, {}, "rate_limited", "The business number's send rate is used up for this moment.");
          return "deferred";
        }
      }
    }

    const to = (message.to ?? message.waUserId)!;
    called = true;
    const result = message.text !== null
      ? await route.sender.sendText!({ to, body: message.text, bizOpaqueCallbackData: message.id })
      : await route.sender.sendTemplate({ to, template, language, components: content, bizOpaqueCallbackData: message.id });
    const doneAt = clock.now();
    if (result.ok) {
      await recordSent(deps, round, message, result.waMessageId, doneAt);
      return "sent";
    }
    return await recordSendError(deps, round, message, result, doneAt);
  } catch (error) {
    const name = error instanceof Error ? error.name : "unknown";
    if (called) {
      deps.log?.(`outbox: message ${message.id} in doubt after the send call (${name}); left SENDING for reconciliation`);
      return "inDoubt";
    }
    // Nothing was sent, so it is safe to try again later; attempts stay as they are.
    deps.log?.(`outbox: message ${message.id} released after an internal error (${name})`);
    const retryAt = new Date(clock.now().getTime() + backoffDelayMs(1, policy.backoff, deps.random));
    const released = await backToScheduled(deps, round, message, retryAt, { lastError: `internal: ${name}` }, "internal_error", "The worker hit an error before sending; it will try again.").catch(() => false);
    return released ? "deferred" : "inDoubt";
  }
}

function parseComponents(json: string): TemplateComponent[] | null {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as TemplateComponent[]) : null;
  } catch {
    return null;
  }
}

/** A write from SENDING (releasing the claim) that only applies while the row is still ours. */
function leaveSending(round: Round, message: Message, data: Prisma.MessageUpdateManyMutationInput, event: StatusEvent): Promise<boolean> {
  return round.leaveSending({ message, data, event });
}

function backToScheduled(
  deps: DispatchDeps,
  round: Round,
  message: Message,
  sendAfter: Date,
  data: Prisma.MessageUpdateManyMutationInput,
  code: string,
  sentence: string,
): Promise<boolean> {
  return leaveSending(round, message, { ...data, sendAfter }, {
    status: "SCHEDULED", reason: eventReason(code, `${sentence} Next try at ${sendAfter.toISOString()}.`), source: "worker", at: deps.clock.now(),
  });
}

async function recordSent(deps: DispatchDeps, round: Round, message: Message, waMessageId: string, at: Date): Promise<void> {
  const applied = await round.leaveSending({ message, sent: { waMessageId }, event: { status: "SENT", reason: null, source: "worker", at } });
  if (!applied) {
    // A status webhook was faster than us and already moved the row on (matched by our id); only count the attempt.
    await retryOnContention(() => deps.db.message.updateMany({ where: { id: message.id }, data: { attempts: { increment: 1 }, claimedBy: null, claimedUntil: null } }));
  }
}

async function recordSendError(deps: DispatchDeps, round: Round, message: Message, error: SendError, at: Date): Promise<Outcome> {
  const { policy } = deps;
  const attempts = message.attempts + 1;
  const common = { attempts, lastError: error.reason, errorCode: error.code };
  const outOfAttempts = attempts >= policy.maxAttempts;

  if (error.retry !== "never" && !outOfAttempts) {
    const delayMs = error.retry === "retry_after_24h" ? policy.after131049Ms : backoffDelayMs(attempts, policy.backoff, deps.random);
    const sendAfter = new Date(at.getTime() + delayMs);
    const code = error.retry === "retry_after_24h" ? "retry_after_24h" : "retry_scheduled";
    await leaveSending(round, message, { ...common, sendAfter }, {
      status: "SCHEDULED",
      reason: eventReason(code, `Attempt ${attempts} of ${policy.maxAttempts} failed (${error.reason}); next try at ${sendAfter.toISOString()}.`),
      errorCode: error.code,
      source: "worker",
      at,
    });
    return "retried";
  }

  const reason = outOfAttempts && error.retry !== "never"
    ? eventReason("out_of_attempts", `Gave up after ${attempts} attempts; last error: ${error.reason}`)
    : error.reason;
  await leaveSending(round, message, { ...common, statusReason: error.reason, failedAt: at }, {
    status: "FAILED", reason, errorCode: error.code, source: "worker", at,
  });
  return "failed";
}
