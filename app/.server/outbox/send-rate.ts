// The send rate of one business phone number, shared by every worker through the RateLimit table.
// Each whole second holds `ratePerSecond` tokens and nothing carries over, so the tokens granted in any second never
// exceed the rate, however many workers ask (a continuously refilled bucket with a burst cannot promise that: a full
// bucket emptied at the end of one second plus the refill makes up to twice the rate in the next one).
// A worker takes the tokens for a whole batch in one conditional write, before it claims the rows, and sends each
// message only while its token's second lasts (dispatch.ts); tokens left unused are given back.
import { isUniqueViolation, retryOnContention, type Db } from "../db";

export interface SendRateGrant {
  granted: number;
  /** The granted tokens are valid until here (exclusive); with none granted, when to ask again. */
  validUntil: Date;
  windowStart: Date;
}

export interface SharedSendRate {
  readonly key: string;
  readonly ratePerSecond: number;
  /** Takes up to `want` tokens of the second `now` falls in. */
  take(now: Date, want: number): Promise<SendRateGrant>;
  /** Gives back tokens that a claim did not use (only while their second is still the current one). */
  giveBack(grant: SendRateGrant, unused: number): Promise<void>;
  /** When the last `take` found the second's tokens used up: the end of that second, while it lasts. */
  usedUpUntil(now: Date): Date | null;
}

const WINDOW_MS = 1_000;
const MAX_ROUNDS = 50;

export function createSharedSendRate(db: Db, key: string, ratePerSecond: number): SharedSendRate {
  const rate = Math.max(0, Math.floor(ratePerSecond));
  let usedUpUntil: Date | null = null;
  const result = (grant: SendRateGrant, wanted: number): SendRateGrant => {
    usedUpUntil = grant.granted < wanted ? grant.validUntil : null;
    return grant;
  };
  return {
    key,
    ratePerSecond: rate,
    usedUpUntil: (now) => (usedUpUntil && now < usedUpUntil ? usedUpUntil : null),
    async take(now, want) {
      const windowStartMs = Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS;
      const windowStart = new Date(windowStartMs);
      const validUntil = new Date(windowStartMs + WINDOW_MS);
      const wanted = Math.max(0, Math.min(Math.floor(want), rate));
      if (wanted === 0) return { granted: 0, validUntil, windowStart };
      // Compare-and-set on (windowStart, used): of two workers reading the same count, one write applies and the
      // other reads again. On PostgreSQL the UPDATE re-checks its WHERE after waiting for the row lock.
      for (let round = 0; round < MAX_ROUNDS; round += 1) {
        const row = await retryOnContention(() => db.rateLimit.findUnique({ where: { key } }));
        if (!row) {
          try {
            await retryOnContention(() => db.rateLimit.create({ data: { key, windowStart, used: wanted } }));
            return result({ granted: wanted, validUntil, windowStart }, wanted);
          } catch (error) {
            if (isUniqueViolation(error)) continue;
            throw error;
          }
        }
        const rowStartMs = row.windowStart.getTime();
        // Another worker's clock is ahead: its second is not over yet for us to start ours.
        if (rowStartMs > windowStartMs) return result({ granted: 0, validUntil: new Date(rowStartMs + WINDOW_MS), windowStart }, wanted);
        const sameSecond = rowStartMs === windowStartMs;
        const granted = sameSecond ? Math.min(wanted, rate - row.used) : wanted;
        if (granted <= 0) return result({ granted: 0, validUntil, windowStart }, wanted);
        const { count } = await retryOnContention(() =>
          db.rateLimit.updateMany({
            where: { key, windowStart: row.windowStart, used: row.used },
            data: { windowStart, used: sameSecond ? row.used + granted : granted },
          }),
        );
        if (count === 1) return result({ granted, validUntil, windowStart }, wanted);
      }
      // Heavily contended: take nothing this round rather than spin.
      return result({ granted: 0, validUntil: new Date(now.getTime() + 5), windowStart }, wanted);
    },
    async giveBack(grant, unused) {
      if (unused <= 0) return;
      await retryOnContention(() =>
        db.rateLimit.updateMany({ where: { key, windowStart: grant.windowStart, used: { gte: unused } }, data: { used: { decrement: unused } } }),
      );
    },
  };
}

/** The shared rates of every business number a worker sends from (the app-wide one and shops' own), one per number. */
export interface SharedSendRates {
  /** The app-wide number, for messages without a route of their own. */
  readonly defaultKey: string;
  of(phoneNumberId: string): SharedSendRate;
}

export function createSharedSendRates(db: Db, ratePerSecond: number, defaultKey: string): SharedSendRates {
  const rates = new Map<string, SharedSendRate>();
  return {
    defaultKey,
    of(phoneNumberId) {
      let rate = rates.get(phoneNumberId);
      if (!rate) rates.set(phoneNumberId, (rate = createSharedSendRate(db, phoneNumberId, ratePerSecond)));
      return rate;
    },
  };
}

/** The tokens a batch holds for one number: valid within one second only, taken afresh when that second has passed. */
export interface TokenPurse {
  rate: SharedSendRate;
  grant: SendRateGrant;
  left: number;
}

export function emptyPurse(rate: SharedSendRate): TokenPurse {
  return { rate, grant: { granted: 0, validUntil: new Date(0), windowStart: new Date(0) }, left: 0 };
}

/** One token from the purse, refilled from the shared rate (up to `stillToGo`) when empty or out of date. */
export async function takeSharedToken(purse: TokenPurse, now: Date, stillToGo: number): Promise<{ ok: true } | { ok: false; retryAt: Date }> {
  if (now >= purse.grant.validUntil || purse.left === 0) {
    purse.grant = await purse.rate.take(now, stillToGo);
    purse.left = purse.grant.granted;
  }
  if (purse.left === 0) return { ok: false, retryAt: purse.grant.validUntil };
  purse.left -= 1;
  return { ok: true };
}
