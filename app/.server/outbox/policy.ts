// The outbox's queue policy as data (like pg-boss's job options), so it can be tuned per deployment and
// read in one place. Durations are milliseconds.

export interface BackoffPolicy {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Each further failed attempt multiplies the delay by this. */
  factor: number;
  /** No retry is ever scheduled further out than this. */
  maxMs: number;
  /** Fraction of the delay randomised either way (0.2 = ±20 %), so retries of one burst spread out. */
  jitter: number;
}

export interface OutboxPolicy {
  /** Send attempts per message, the first one included. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Token bucket per business phone number (API-FACTS.md A3: 80 by default, up to 1,000). */
  ratePerSecond: number;
  burst: number;
  /** Minimum gap between two messages to the same recipient (Meta's pair rate limit, ~1 per 6 s). */
  pairIntervalMs: number;
  /** How long a claimed (SENDING) row belongs to the worker that claimed it. */
  leaseMs: number;
  /** Grace after an expired lease before a still-SENDING row is declared an unknown outcome. */
  reconcileAfterMs: number;
  /** Rows claimed per dispatch round. */
  batchSize: number;
  /**
   * Messages of one batch in flight at once (each still takes its own rate token). Messages to one recipient always
   * go one after another, so the pair limit and the frequency cap see the previous send. A worker killed mid-round
   * leaves at most this many messages in doubt.
   */
  sendConcurrency: number;
  /** Meta: after 131049 wait at least 24 h before sending marketing to that user again. */
  after131049Ms: number;
  /** The rolling window of the marketing frequency cap (the cap itself is a merchant setting). */
  marketingCapWindowMs: number;
  /** Meta's customer-service window: free-form messages only this long after the shopper's last message. */
  serviceWindowMs: number;
}

export const defaultOutboxPolicy: OutboxPolicy = {
  maxAttempts: 5,
  backoff: { baseMs: 30_000, factor: 2, maxMs: 3_600_000, jitter: 0.2 },
  ratePerSecond: 80,
  burst: 80,
  pairIntervalMs: 6_000,
  leaseMs: 60_000,
  reconcileAfterMs: 15 * 60_000,
  batchSize: 100,
  sendConcurrency: 16,
  after131049Ms: 24 * 60 * 60_000,
  marketingCapWindowMs: 7 * 24 * 60 * 60_000,
  serviceWindowMs: 24 * 60 * 60_000,
};

/**
 * Delay before the next try after `failedAttempts` failed attempts (1 = the first one failed):
 * base · factor^(failedAttempts−1), jittered by ±jitter, never above maxMs.
 * `random` returns a number in [0, 1) and is injected so tests are deterministic.
 */
export function backoffDelayMs(failedAttempts: number, backoff: BackoffPolicy, random: () => number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const raw = Math.min(backoff.maxMs, backoff.baseMs * backoff.factor ** exponent);
  const jittered = raw * (1 + backoff.jitter * (2 * random() - 1));
  return Math.round(Math.max(0, Math.min(backoff.maxMs, jittered)));
}

/**
 * Per flow, as data for the send-time gate (DESIGN.md §4): the template category it sends (which consent it
 * needs, whether it counts towards the marketing frequency cap) and whether quiet hours hold it back. Exempt
 * are the opt-in confirmation, order confirmation, shipping update and answers to the shopper's own messages.
 */
export interface FlowSendPolicy {
  category: "UTILITY" | "MARKETING";
  quietHoursExempt: boolean;
  /** Counts towards (and is held to) the marketing frequency cap. */
  frequencyCapped: boolean;
}

export const FLOW_SEND_POLICY: Readonly<Record<string, FlowSendPolicy>> = {
  opt_in_confirmation: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  opt_out_confirmation: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  order_confirmation: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  shipping_update: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  /** Answers to the shopper's own message ("where is my order?", "we'll get back to you"). */
  wismo: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  auto_reply: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
  cart_recovery: { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true },
  back_in_stock: { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true },
  feedback: { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true },
  win_back: { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true },
  loyalty: { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true },
  /** The merchant's test message to their own number, sent on request in Setup. */
  test_message: { category: "UTILITY", quietHoursExempt: true, frequencyCapped: false },
};

const UNKNOWN_FLOW: FlowSendPolicy = { category: "MARKETING", quietHoursExempt: false, frequencyCapped: true };

/** A flow missing from the table is treated as the strictest kind: marketing, held by quiet hours and the cap. */
export function flowSendPolicy(flow: string): FlowSendPolicy {
  return Object.hasOwn(FLOW_SEND_POLICY, flow) ? FLOW_SEND_POLICY[flow] : UNKNOWN_FLOW;
}

/** The flows whose sent messages the frequency cap counts. */
export const CAPPED_FLOWS: readonly string[] = Object.keys(FLOW_SEND_POLICY).filter((flow) => FLOW_SEND_POLICY[flow].frequencyCapped);

/**
 * Fan-outs (back in stock) spread their messages over time at this share of the business number's rate, so
 * the order confirmations planned meanwhile are not queued behind tens of thousands of alerts.
 */
export const FAN_OUT_RATE_SHARE = 0.5;

/** Milliseconds between two fan-out messages for a policy: 1000 / (rate · share). */
export function fanOutSpacingMs(policy: Pick<OutboxPolicy, "ratePerSecond">): number {
  return 1000 / (policy.ratePerSecond * FAN_OUT_RATE_SHARE);
}
