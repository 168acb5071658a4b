// The cart-recovery part of the send-time gate, as a table: what a reminder's checkout looks like at send
// time → send, cancel (with which reason) or defer.
import { describe, expect, it } from "vitest";
import { decideAtSendTime, type CartRecoveryFacts, type GateDecision, type GateMessage, type SendFacts } from "~/.server/outbox/gate";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";

const now = new Date("2026-03-02T11:00:00.000Z");
const step1: GateMessage = { flow: "cart_recovery", to: "+4915112345678", waUserId: null, category: "MARKETING", orderId: null, checkoutToken: "c1", dedupeKey: "cart_recovery:c1:step1" };
const step2: GateMessage = { ...step1, dedupeKey: "cart_recovery:c1:step2" };
const open: CartRecoveryFacts = { ordered: false, deleted: false, decision: "remind", step1DueAt: now, shopperRepliedAt: null };
const facts = (cart: Partial<CartRecoveryFacts> | null, extra: Partial<SendFacts> = {}): SendFacts => ({
  consent: "CONFIRMED", orderCancelled: null, lastSentToRecipientAt: null, cartRecovery: cart === null ? null : { ...open, ...cart },
  settings: { flowEnabled: true, quietHours: { start: "21:00", end: "08:00" }, marketingCap: 2 }, recipientZone: { zone: "Europe/Berlin", basis: "phone" },
  marketingSentInWindow: 0, lastInboundAt: null, flowTemplate: null, ...extra,
});

const cases: [string, GateMessage, SendFacts, GateDecision["action"], string?][] = [
  ["an open checkout decided 'remind'", step1, facts({}), "send"],
  ["an order arrived for the checkout", step1, facts({ ordered: true }), "cancel", "order_placed"],
  ["an order arrived, step 2", step2, facts({ ordered: true }), "cancel", "order_placed"],
  ["the checkout was deleted", step1, facts({ deleted: true }), "cancel", "checkout_deleted"],
  ["holdout", step1, facts({ decision: "holdout" }), "cancel", "holdout"],
  ["no consent at step-1 time", step1, facts({ decision: "no_consent" }), "cancel", "not_eligible"],
  ["ordered before step-1 time", step1, facts({ decision: "ordered" }), "cancel", "not_eligible"],
  ["step-1 time not decided yet", step1, facts({ decision: null, step1DueAt: new Date(now.getTime() + 1000) }), "defer", "step1_pending"],
  ["the shopper wrote after a reminder: step 2 is cancelled", step2, facts({ shopperRepliedAt: now }), "cancel", "shopper_replied"],
  ["the shopper wrote: step 1 (moved, still pending) is not affected by the reply rule", step1, facts({ shopperRepliedAt: now }), "send"],
  ["no cart-recovery record (e.g. redacted shop)", step1, facts(null), "cancel", "not_tracked"],
  ["consent is checked first: revoked beats an order", step1, facts({ ordered: true }, { consent: "REVOKED" }), "skip", "consent_revoked"],
  ["marketing needs CONFIRMED now as well", step1, facts({}, { consent: "REQUESTED" }), "skip", "no_consent"],
  ["a cart-recovery message without a checkout is not judged here", { ...step1, checkoutToken: null }, facts(null), "send"],
  ["relevance before the pair limit: an ordered checkout is cancelled, not deferred", step1, facts({ ordered: true }, { lastSentToRecipientAt: now }), "cancel", "order_placed"],
];

describe("decideAtSendTime for cart reminders", () => {
  it.each(cases)("%s", (_name, message, f, action, reason) => {
    const decision = decideAtSendTime(message, f, now, defaultOutboxPolicy);
    expect(decision.action).toBe(action);
    if (reason) expect(decision).toMatchObject({ reason });
  });
});
