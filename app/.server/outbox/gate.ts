// The send-time policy gate (DESIGN.md §4): a pure function of the message, facts loaded just before
// sending, and `now`. Everything decided at planning time is checked again here, because consent,
// relevance and throughput can all have changed since the message was scheduled.
import type { QuietHours } from "../settings/schema";
import type { TemplateApproval } from "../templates/whatsapp-templates";
import type { TemplateComponent } from "../whatsapp/types";
import { flowSendPolicy, type OutboxPolicy } from "./policy";
import { quietHoursEnd, wallClock, type RecipientZone } from "./recipient-time";

export type ConsentState = "NONE" | "REQUESTED" | "CONFIRMED" | "REVOKED" | "REDACTED";

export type MessageCategory = "UTILITY" | "MARKETING";

/** The fields of a Message row the gate looks at. */
export interface GateMessage {
  /** The flow that planned it (opt_in_confirmation, order_confirmation, …). */
  flow: string;
  to: string | null;
  waUserId: string | null;
  /** UTILITY | MARKETING; anything else is treated as MARKETING (the stricter one). */
  category: string;
  orderId: string | null;
  /** Cart recovery: the checkout the reminder is about, and its dedupeKey (which names the step). */
  checkoutToken?: string | null;
  dedupeKey?: string;
  /** A free-form text instead of a template: allowed only inside the customer-service window. */
  text?: string | null;
  /** The template's language as planned (the recipient's). */
  language?: string;
}

/** What the cart-recovery relevance check needs (loaded by cart-recovery/send-facts.ts). */
export interface CartRecoveryFacts {
  /** An order for the checkout is known, or the checkout completed. */
  ordered: boolean;
  /** checkouts/delete arrived. */
  deleted: boolean;
  /** The step-1 decision (cart-recovery/step1.ts); null while step-1 time has not come. */
  decision: string | null;
  step1DueAt: Date;
  /** The shopper wrote to us (not a consent keyword) after a reminder. */
  shopperRepliedAt: Date | null;
}

export interface SendFacts {
  /** The recipient's consent state, or null when there is no consent record. */
  consent: ConsentState | null;
  /** null when the message is not about an order, or the order is unknown. */
  orderCancelled: boolean | null;
  lastSentToRecipientAt: Date | null;
  /** Set after a 131049 for this recipient: no marketing before then. */
  marketingBlockedUntil?: Date | null;
  /** Cart-recovery messages only: null when the checkout is not tracked (any more). */
  cartRecovery?: CartRecoveryFacts | null;
  /** Meta's approval of the message's template in its language; absent or not_synced pauses nothing. */
  template?: TemplateApproval;
  /** The merchant's settings as they are now, not as they were when the message was planned. */
  settings: SendSettings;
  recipientZone: RecipientZone;
  /** Marketing messages sent to this recipient within the cap's rolling window before now (this one not counted). */
  marketingSentInWindow: number;
  /** The shopper's last message to the shop, which opens Meta's customer-service window (loaded for free-form messages). */
  lastInboundAt: Date | null;
  /**
   * Not the gate's: the synced template the merchant chose for the message's flow instead of the suggested one (the
   * same settings), null = none. Handed to prepareSend, whose header-image step needs it (settings/header-image.ts).
   */
  flowTemplate: string | null;
}

export interface SendSettings {
  /** The message's flow is switched on in Automations (flows the settings do not list are always on). */
  flowEnabled: boolean;
  quietHours: QuietHours | null;
  /** Marketing messages per recipient per rolling window; null = no cap. */
  marketingCap: number | null;
}

export type SkipReason =
  | "not_contactable" | "consent_revoked" | "no_consent" | "flow_disabled" | "outside_service_window" | "frequency_cap" | "template_not_approved"
  | "template_variable_missing";
export type CancelReason = "order_cancelled" | "order_placed" | "checkout_deleted" | "holdout" | "not_eligible" | "shopper_replied" | "not_tracked";
export type DeferReason = "quiet_hours" | "marketing_paused" | "pair_limit" | "step1_pending";

export type GateDecision =
  | { action: "send" }
  /** The template is not approved in the message's language but is in `language`: sent in that one instead. */
  | { action: "send"; language: string; reason: "language_fallback"; detail: string }
  | { action: "skip"; reason: SkipReason; detail: string }
  | { action: "cancel"; reason: CancelReason; detail: string }
  | { action: "defer"; until: Date; reason: DeferReason; detail: string };

type GatePolicy = Pick<OutboxPolicy, "pairIntervalMs" | "marketingCapWindowMs" | "serviceWindowMs">;

const MINIMUM_CONSENT: Record<MessageCategory, readonly ConsentState[]> = {
  UTILITY: ["REQUESTED", "CONFIRMED"],
  MARKETING: ["CONFIRMED"],
};

/** The one message a REVOKED recipient still gets: the confirmation of their own opt-out. */
export const OPT_OUT_CONFIRMATION_FLOW = "opt_out_confirmation";

export function messageCategory(category: string): MessageCategory {
  return category === "UTILITY" ? "UTILITY" : "MARKETING";
}

export const CART_RECOVERY_FLOW = "cart_recovery";

/** A cart reminder goes out only for an open checkout that was decided "remind" at step-1 time (METRICS.md). */
function cartRecoveryRelevance(message: GateMessage, facts: CartRecoveryFacts | null): GateDecision | null {
  if (facts === null) {
    return { action: "cancel", reason: "not_tracked", detail: "Momento holds no cart-recovery record for this checkout (any more)." };
  }
  if (facts.ordered) return { action: "cancel", reason: "order_placed", detail: "An order was placed for the checkout; a reminder now would be wrong." };
  if (facts.deleted) return { action: "cancel", reason: "checkout_deleted", detail: "Shopify deleted the checkout." };
  if (facts.decision === null) {
    return { action: "defer", until: facts.step1DueAt, reason: "step1_pending", detail: "Abandonment, eligibility and holdout are decided at step-1 time first." };
  }
  if (facts.decision === "holdout") {
    return { action: "cancel", reason: "holdout", detail: "The checkout is in the holdout group: it gets no reminder, so the lift can be measured." };
  }
  if (facts.decision !== "remind") {
    return { action: "cancel", reason: "not_eligible", detail: `The checkout was not eligible for a reminder at step-1 time (${facts.decision}).` };
  }
  if (facts.shopperRepliedAt !== null && message.dedupeKey?.endsWith(":step2")) {
    return { action: "cancel", reason: "shopper_replied", detail: "The shopper wrote to the shop after a reminder: they want a person, not another reminder." };
  }
  return null;
}

const ZONE_BASIS: Record<RecipientZone["basis"], string> = {
  address: "from the order's or checkout's address",
  phone: "from the phone number's country",
  shop: "the shop's time zone, as nothing else was known",
};

const hhmm = (at: Date, zone: string) => {
  const w = wallClock(at, zone);
  return `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
};

export function decideAtSendTime(message: GateMessage, facts: SendFacts, now: Date, policy: GatePolicy): GateDecision {
  // 1. Who: a recipient we can address at all.
  if (message.to === null && message.waUserId === null) {
    return { action: "skip", reason: "not_contactable", detail: "The message has neither a phone number nor a WhatsApp user id." };
  }

  // 2. Consent: no consent, no message — ever (DESIGN.md §3). The only exception is the utility message
  //    that confirms a revocation to the person who just revoked.
  const category = messageCategory(message.category);
  const confirmsOptOut = facts.consent === "REVOKED" && message.flow === OPT_OUT_CONFIRMATION_FLOW && category === "UTILITY";
  if (!confirmsOptOut) {
    if (facts.consent === "REVOKED" || facts.consent === "REDACTED") {
      return { action: "skip", reason: "consent_revoked", detail: `The recipient's consent is ${facts.consent}; they are never messaged.` };
    }
    const accepted = MINIMUM_CONSENT[category];
    if (facts.consent === null || !accepted.includes(facts.consent)) {
      return {
        action: "skip",
        reason: "no_consent",
        detail: `A ${category} message needs consent ${accepted.join(" or ")}; the recipient's is ${facts.consent ?? "missing"}.`,
      };
    }
  }

  // 3. Relevance: is the message still about something that holds?
  if (message.orderId !== null && facts.orderCancelled === true) {
    return { action: "cancel", reason: "order_cancelled", detail: "The order was cancelled after the message was scheduled." };
  }
  if (message.flow === CART_RECOVERY_FLOW && message.checkoutToken) {
    const relevance = cartRecoveryRelevance(message, facts.cartRecovery ?? null);
    if (relevance) return relevance;
  }

  // 4. The merchant's say and Meta's rules for the kind of message.
  if (!facts.settings.flowEnabled) {
    return { action: "skip", reason: "flow_disabled", detail: "The merchant switched this flow off in Automations after the message was planned." };
  }
  const flow = flowSendPolicy(message.flow);
  if (message.text != null) {
    const windowOpen = facts.lastInboundAt !== null && now.getTime() - facts.lastInboundAt.getTime() < policy.serviceWindowMs;
    if (!windowOpen) {
      return {
        action: "skip",
        reason: "outside_service_window",
        detail: `A free-form message may only go out within ${policy.serviceWindowMs / 3_600_000} hours of the shopper's last message (Meta's customer-service window).`,
      };
    }
  }

  // 5. The recipient's time and attention. Deferrals first, so the cap is counted at the real send time.
  const quiet = flow.quietHoursExempt ? null : facts.settings.quietHours;
  const quietEnd = quiet ? quietHoursEnd(now, facts.recipientZone.zone, quiet) : null;
  if (quietEnd) {
    const { zone, basis } = facts.recipientZone;
    return {
      action: "defer",
      until: quietEnd,
      reason: "quiet_hours",
      detail: `Quiet hours until ${hhmm(quietEnd, zone)} ${zone} (the recipient's time zone, ${ZONE_BASIS[basis]}).`,
    };
  }
  const marketing = category === "MARKETING" || flow.category === "MARKETING";
  if (marketing && facts.marketingBlockedUntil && facts.marketingBlockedUntil > now) {
    return {
      action: "defer",
      until: facts.marketingBlockedUntil,
      reason: "marketing_paused",
      detail: "Meta limited marketing to this recipient (131049); marketing waits 24 hours.",
    };
  }
  const cap = facts.settings.marketingCap;
  if (flow.frequencyCapped && cap !== null && facts.marketingSentInWindow >= cap) {
    return {
      action: "skip",
      reason: "frequency_cap",
      detail: `The recipient already got ${facts.marketingSentInWindow} marketing messages in the last ${policy.marketingCapWindowMs / 86_400_000} days; the cap is ${cap}.`,
    };
  }

  // 6. Throughput towards this recipient (Meta's pair rate limit).
  if (facts.lastSentToRecipientAt !== null) {
    const allowedAt = new Date(facts.lastSentToRecipientAt.getTime() + policy.pairIntervalMs);
    if (allowedAt > now) {
      return {
        action: "defer",
        until: allowedAt,
        reason: "pair_limit",
        detail: `Another message went to this recipient less than ${policy.pairIntervalMs / 1000} s ago (Meta's pair rate limit).`,
      };
    }
  }

  // 7. The template: Meta refuses a template that is not approved (132001), so the message is not sent at all.
  //    Its values are checked by templateVariablesCheck on the content really sent (dispatch, after prepareSend).
  const template = templateCheck(facts.template, message.language);
  if (template) return template;

  return { action: "send" };
}

/**
 * The body placeholders of the template in the language it goes out in (`fellBack`: the gate's language_fallback),
 * as synced from the WABA; undefined when not known (no sync, or a row without its body).
 */
export function syncedParameterCount(approval: TemplateApproval | undefined, fellBack: boolean): number | undefined {
  if (approval?.state === "approved") return approval.parameters;
  if (approval?.state === "not_approved" && fellBack) return approval.fallback?.parameters;
  return undefined;
}

/**
 * The last template check, on the content really sent (prepareSend fills some values after the gate, e.g. a
 * win-back's code): a body with fewer values than the synced template has placeholders (`expected`; undefined =
 * not known, then only empty values are caught), or with an empty text value, is refused by Meta (132000, 131008),
 * so it is not sent. The detail names template, language and counts, never the values (they hold names).
 */
export function templateVariablesCheck(
  send: { template: string; language: string; components: readonly TemplateComponent[] },
  expected: number | undefined,
): Extract<GateDecision, { action: "skip" }> | null {
  const values = send.components.find((c) => c.type === "body")?.parameters ?? [];
  const name = `${send.template} in ${send.language}`;
  if (expected !== undefined && values.length < expected) {
    return {
      action: "skip",
      reason: "template_variable_missing",
      detail: `${name} needs ${expected} values, the flow gives ${values.length}; Meta would refuse the send (132000). The template in WhatsApp has more placeholders than the flow fills.`,
    };
  }
  const empty = values.findIndex((v) => v.type === "text" && (typeof v.text !== "string" || v.text.trim() === ""));
  if (empty >= 0) {
    return {
      action: "skip",
      reason: "template_variable_missing",
      detail: `${name}: value {{${empty + 1}}} is empty; Meta refuses empty text values (131008).`,
    };
  }
  return null;
}

/**
 * Only a synced template that is not APPROVED (or missing after a sync) stops a message; no sync, no pause. Where
 * the same template is approved and fits in the shop's language or English, the message goes out in that one.
 */
export function templateCheck(approval: TemplateApproval | undefined, language?: string): GateDecision | null {
  if (approval?.state !== "not_approved") return null;
  if (approval.fallback) {
    const to = approval.fallback.language;
    return {
      action: "send",
      language: to,
      reason: "language_fallback",
      detail: `The template is ${approval.status} in ${language ?? "the recipient's language"}; sent in ${to} instead, approved there with the same placeholders and buttons, with the same parameters.`,
    };
  }
  const status = approval.status === "MISSING" ? "is not in the shop's WhatsApp account (last sync)" : `is ${approval.status}`;
  return {
    action: "skip",
    reason: "template_not_approved",
    detail: `The template ${status} in this language; Meta sends only approved templates. The flow is paused until it is approved (Automations shows its status).`,
  };
}
