import { describe, expect, it } from "vitest";
import { backoffDelayMs, defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createTokenBucket, initialTokenBucketState, takeToken } from "~/.server/outbox/token-bucket";

const t0 = new Date("2026-03-02T10:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("token bucket", () => {
  it("lets a full burst through, then asks to wait for the next token", () => {
    const bucket = createTokenBucket({ ratePerSecond: 80, burst: 80 });
    for (let i = 0; i < 80; i += 1) expect(bucket.take(t0)).toEqual({ ok: true });
    expect(bucket.take(t0)).toEqual({ ok: false, retryAt: at(13) }); // 1000 ms / 80 = 12.5 ms
    expect(bucket.take(at(12))).toMatchObject({ ok: false });
    expect(bucket.take(at(13))).toEqual({ ok: true });
  });

  it("refills at the configured rate and never above the burst", () => {
    const bucket = createTokenBucket({ ratePerSecond: 1000, burst: 5 });
    for (let i = 0; i < 5; i += 1) bucket.take(t0);
    expect(bucket.take(t0).ok).toBe(false);
    let ok = 0;
    for (let i = 0; i < 20; i += 1) if (bucket.take(at(60_000)).ok) ok += 1;
    expect(ok).toBe(5);
  });

  it("is pure underneath: the same state and time give the same answer, and time going back mints nothing", () => {
    const limits = { ratePerSecond: 2, burst: 1 };
    const empty = takeToken(initialTokenBucketState(limits, t0), limits, t0).state;
    expect(takeToken(empty, limits, at(100))).toEqual(takeToken(empty, limits, at(100)));
    expect(takeToken(empty, limits, at(-10_000)).result).toEqual({ ok: false, retryAt: at(500) });
    expect(takeToken(empty, limits, at(500)).result).toEqual({ ok: true });
  });
});

describe("backoff", () => {
  const { backoff } = defaultOutboxPolicy;

  it("doubles from 30 s without jitter at random() = 0.5", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, backoff, () => 0.5))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
  });

  it("spreads by ±20 % and stays within maxMs", () => {
    expect(backoffDelayMs(1, backoff, () => 0)).toBe(24_000);
    expect(backoffDelayMs(1, backoff, () => 0.999_999)).toBe(36_000);
    expect(backoffDelayMs(20, backoff, () => 0.999_999)).toBe(3_600_000);
    expect(backoffDelayMs(20, backoff, () => 0)).toBe(2_880_000);
  });
});
