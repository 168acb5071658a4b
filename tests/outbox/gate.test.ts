import { describe, expect, it } from "vitest";
import { decideAtSendTime, type GateDecision, type GateMessage, type SendFacts } from "~/.server/outbox/gate";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";

const now = new Date("2026-03-02T10:00:00.000Z");
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

const utility: GateMessage = { flow: "order_confirmation", to: "+491510000001", waUserId: null, category: "UTILITY", orderId: null };
const marketing: GateMessage = { ...utility, category: "MARKETING" };
const optOut: GateMessage = { ...utility, flow: "opt_out_confirmation" };
// 10:00 UTC is 11:00 in Berlin: outside the default quiet hours.
const berlin = { zone: "Europe/Berlin", basis: "phone" } as const;
const defaults = { flowEnabled: true, quietHours: { start: "21:00", end: "08:00" }, marketingCap: 2 };
const confirmed: SendFacts = {
  consent: "CONFIRMED", orderCancelled: null, lastSentToRecipientAt: null, settings: defaults, recipientZone: berlin, marketingSentInWindow: 0, lastInboundAt: null, flowTemplate: null,
};

type Expected = GateDecision["action"] | [GateDecision["action"], string] | [GateDecision["action"], string, Date];

const cases: [string, GateMessage, SendFacts, Expected][] = [
  ["utility with confirmed consent", utility, confirmed, "send"],
  ["utility with requested consent", utility, { ...confirmed, consent: "REQUESTED" }, "send"],
  ["username-only recipient", { ...utility, to: null, waUserId: "DE.123" }, confirmed, "send"],
  ["no phone and no user id", { ...utility, to: null }, confirmed, ["skip", "not_contactable"]],
  ["revoked consent", utility, { ...confirmed, consent: "REVOKED" }, ["skip", "consent_revoked"]],
  ["redacted consent", marketing, { ...confirmed, consent: "REDACTED" }, ["skip", "consent_revoked"]],
  ["utility without a consent record", utility, { ...confirmed, consent: null }, ["skip", "no_consent"]],
  ["utility with consent NONE", utility, { ...confirmed, consent: "NONE" }, ["skip", "no_consent"]],
  ["marketing with confirmed consent", marketing, confirmed, "send"],
  ["opt-out confirmation to a revoked recipient", optOut, { ...confirmed, consent: "REVOKED" }, "send"],
  ["opt-out confirmation still waits for the pair limit", optOut, { ...confirmed, consent: "REVOKED", lastSentToRecipientAt: secondsAgo(2) }, ["defer", "pair_limit"]],
  ["opt-out confirmation to a redacted recipient", optOut, { ...confirmed, consent: "REDACTED" }, ["skip", "consent_revoked"]],
  ["opt-out confirmation sent as marketing is not the exception", { ...optOut, category: "MARKETING" }, { ...confirmed, consent: "REVOKED" }, ["skip", "consent_revoked"]],
  ["another utility flow to a revoked recipient", { ...utility, flow: "opt_in_confirmation" }, { ...confirmed, consent: "REVOKED" }, ["skip", "consent_revoked"]],
  ["marketing with only requested consent", marketing, { ...confirmed, consent: "REQUESTED" }, ["skip", "no_consent"]],
  ["unknown category is as strict as marketing", { ...utility, category: "PROMO" }, { ...confirmed, consent: "REQUESTED" }, ["skip", "no_consent"]],
  ["revocation beats a cancelled order", { ...utility, orderId: "o1" }, { ...confirmed, consent: "REVOKED", orderCancelled: true }, ["skip", "consent_revoked"]],
  ["order cancelled", { ...utility, orderId: "o1" }, { ...confirmed, orderCancelled: true }, ["cancel", "order_cancelled"]],
  ["order still open", { ...utility, orderId: "o1" }, { ...confirmed, orderCancelled: false }, "send"],
  ["cancelled flag ignored without an order id", utility, { ...confirmed, orderCancelled: true }, "send"],
  ["sent to the same recipient 2 s ago", utility, { ...confirmed, lastSentToRecipientAt: secondsAgo(2) }, ["defer", "pair_limit", secondsAgo(-4)]],
  ["sent to the same recipient exactly 6 s ago", utility, { ...confirmed, lastSentToRecipientAt: secondsAgo(6) }, "send"],
  ["sent to the same recipient an hour ago", utility, { ...confirmed, lastSentToRecipientAt: secondsAgo(3600) }, "send"],
  ["marketing after a 131049", marketing, { ...confirmed, marketingBlockedUntil: secondsAgo(-3600) }, ["defer", "marketing_paused", secondsAgo(-3600)]],
  ["utility is not held back by a 131049", utility, { ...confirmed, marketingBlockedUntil: secondsAgo(-3600) }, "send"],
  ["marketing once the 131049 pause is over", marketing, { ...confirmed, marketingBlockedUntil: secondsAgo(1) }, "send"],
  ["cancelled order is cancelled, not deferred", { ...utility, orderId: "o1" }, { ...confirmed, orderCancelled: true, lastSentToRecipientAt: secondsAgo(1) }, ["cancel", "order_cancelled"]],
];

describe("decideAtSendTime", () => {
  it.each(cases)("%s", (_name, message, facts, expected) => {
    const decision = decideAtSendTime(message, facts, now, defaultOutboxPolicy);
    const [action, reason, until] = Array.isArray(expected) ? expected : [expected];
    expect(decision.action).toBe(action);
    if (reason !== undefined) expect(decision).toMatchObject({ reason });
    if (until !== undefined) expect(decision).toMatchObject({ until });
    if (decision.action !== "send") {
      expect(decision.reason).toMatch(/^[a-z0-9_]+$/);
      expect(decision.detail.length).toBeGreaterThan(10);
    }
  });

  it("never mentions the recipient in its readable detail", () => {
    const decision = decideAtSendTime(marketing, { ...confirmed, consent: "NONE" }, now, defaultOutboxPolicy);
    expect(JSON.stringify(decision)).not.toContain(marketing.to!);
  });
});
