// A token bucket per business phone number (DESIGN.md §4: 80 msg/s by default, up to 1,000). It is driven
// by the `now` it is given, never by the wall clock, so it runs in virtual time. It lives in one process: the
// worker uses the database-shared send-rate.ts instead, so that several workers together keep to the rate.

export interface TokenBucketLimits {
  ratePerSecond: number;
  /** Bucket size: how many sends may go out back to back after a quiet period. */
  burst: number;
}

export interface TokenBucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  updatedAtMs: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAt: Date };

export interface TokenBucket {
  take(now: Date): TakeResult;
}

export function initialTokenBucketState(limits: TokenBucketLimits, now: Date): TokenBucketState {
  return { tokens: limits.burst, updatedAtMs: now.getTime() };
}

/** Pure: the state after trying to take one token at `now`, and whether it worked. */
export function takeToken(
  state: TokenBucketState,
  limits: TokenBucketLimits,
  now: Date,
): { state: TokenBucketState; result: TakeResult } {
  const nowMs = now.getTime();
  // A clock that steps backwards refills nothing rather than minting tokens.
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  const tokens = Math.min(limits.burst, state.tokens + (elapsedMs * limits.ratePerSecond) / 1000);
  const updatedAtMs = Math.max(nowMs, state.updatedAtMs);
  if (tokens >= 1) return { state: { tokens: tokens - 1, updatedAtMs }, result: { ok: true } };
  const waitMs = Math.ceil(((1 - tokens) * 1000) / limits.ratePerSecond);
  return { state: { tokens, updatedAtMs }, result: { ok: false, retryAt: new Date(updatedAtMs + waitMs) } };
}

/** A bucket that starts full at its first `take`. */
export function createTokenBucket(limits: TokenBucketLimits): TokenBucket {
  let state: TokenBucketState | undefined;
  return {
    take(now) {
      const next = takeToken(state ?? initialTokenBucketState(limits, now), limits, now);
      state = next.state;
      return next.result;
    },
  };
}
