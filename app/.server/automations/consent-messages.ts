// The messages that follow a consent change (DESIGN.md §3): the double opt-in request on REQUESTED and
// the opt-out confirmation on REVOKED. Pure planners; the lifecycle (consent/lifecycle.ts) decides when.
import { customerKey } from "../identity";
import { TEMPLATE_NAMES, templateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";
import { bodyText, type MessagePlan } from "./types";

/** The quick-reply payloads of the opt-in confirmation, by button position. */
export const CONSENT_BUTTON_PAYLOADS = { yes: "CONSENT_YES", no: "CONSENT_NO" } as const;

/** One double opt-in request per number per 30 days: no reminders (issue 3). */
export const CONFIRMATION_REQUEST_INTERVAL_MS = 30 * 24 * 3_600_000;

export interface ConsentRecipientRow {
  id: string;
  phone: string | null;
  waUserId: string | null;
  customerId: string | null;
}

export interface ConsentMessageContext {
  /** The name the shopper knows the shop by (body parameter {{1}}). */
  shopName: string;
  /** The locale the shopper consented in (checkout, signup form), else null. */
  locale: string | null;
  shopLocale: string | null;
}

function quickReply(index: number, payload: string): TemplateComponent {
  return { type: "button", sub_type: "quick_reply", index: String(index), parameters: [{ type: "payload", payload }] };
}

function recipientOf(consent: ConsentRecipientRow): Pick<MessagePlan, "to" | "waUserId" | "customerKey"> {
  return {
    to: consent.phone,
    waUserId: consent.waUserId,
    customerKey: customerKey({ shopifyCustomerId: consent.customerId, phone: consent.phone }),
  };
}

/**
 * Whether a REQUESTED consent gets a (new) double opt-in request. A request the shopper started on
 * WhatsApp itself (START, WhatsApp's "resume") is answered at once: it is not a reminder.
 */
export function shouldRequestConfirmation(input: { lastRequestedAt: Date | null; now: Date; shopperAskedOnWhatsApp: boolean }): boolean {
  if (input.shopperAskedOnWhatsApp || input.lastRequestedAt === null) return true;
  return input.now.getTime() - input.lastRequestedAt.getTime() >= CONFIRMATION_REQUEST_INTERVAL_MS;
}

/** REQUESTED → the opt-in confirmation with "yes"/"no" quick replies, at once. */
export function planOptInConfirmation(consent: ConsentRecipientRow, context: ConsentMessageContext, now: Date): MessagePlan {
  return {
    flow: "opt_in_confirmation",
    dedupeKey: `opt_in_confirmation:${consent.id}:${now.toISOString()}`,
    ...recipientOf(consent),
    category: "UTILITY",
    template: TEMPLATE_NAMES.optInConfirmation,
    language: templateLanguage(context.locale, context.shopLocale),
    components: [bodyText(context.shopName), quickReply(0, CONSENT_BUTTON_PAYLOADS.yes), quickReply(1, CONSENT_BUTTON_PAYLOADS.no)],
    sendAfter: now,
  };
}

/** REVOKED → the confirmation that nothing more will come, at once. `eventId` is the revocation's ConsentEvent. */
export function planOptOutConfirmation(consent: ConsentRecipientRow, context: ConsentMessageContext, eventId: number, now: Date): MessagePlan {
  return {
    flow: "opt_out_confirmation",
    dedupeKey: `opt_out_confirmation:${consent.id}:${eventId}`,
    ...recipientOf(consent),
    category: "UTILITY",
    template: TEMPLATE_NAMES.optOutConfirmation,
    language: templateLanguage(context.locale, context.shopLocale),
    components: [bodyText(context.shopName)],
    sendAfter: now,
  };
}

/** The shop's name from its settings, else the first label of its domain ("demo" for demo.myshopify.com). */
export function shopDisplayName(domain: string, settingsJson: string | null | undefined): string {
  try {
    const settings: unknown = JSON.parse(settingsJson ?? "{}");
    const name = (settings as { shopName?: unknown } | null)?.shopName;
    if (typeof name === "string" && name.trim() !== "") return name.trim().replace(/\s+/g, " ");
  } catch {
    // unreadable settings: fall back to the domain
  }
  return domain.split(".")[0];
}
