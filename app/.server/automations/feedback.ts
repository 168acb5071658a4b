// Feedback / NPS (DESIGN.md §5): N days after the order was delivered (or else fulfilled), a marketing template
// asks for a 0–10 score; the answer is a quick-reply tap or a typed number. One request per order.
import { FEEDBACK_QUICK_SCORES, TEMPLATE_NAMES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";
import { bodyText, type MessagePlan } from "./types";

export const DAY_MS = 86_400_000;

export interface FeedbackOrder {
  id: string;
  name: string;
  phone: string | null;
  locale: string | null;
  customerKey: string | null;
  firstName: string | null;
  cancelled: boolean;
  refunded: boolean;
}

export interface FeedbackEvent {
  order: FeedbackOrder;
  /** When the first fulfillment of the order succeeded; null while none has. */
  fulfilledAt: Date | null;
  /** When the carrier first reported the order delivered; null while not known. */
  deliveredAt: Date | null;
  shopName: string;
  delayDays: number;
}

const GREETING_FALLBACK: Record<TemplateLanguage, string> = { de: "zusammen", en: "there" };

export const feedbackDedupeKey = (orderId: string) => `feedback:${orderId}`;

const SCORE_PAYLOAD_PREFIX = "FEEDBACK_SCORE_";
export const feedbackScorePayload = (score: number) => `${SCORE_PAYLOAD_PREFIX}${score}`;

/** When the request is due: N days after delivery, else after fulfilment; null while the order has neither. */
export function feedbackDueAt(event: Pick<FeedbackEvent, "fulfilledAt" | "deliveredAt" | "delayDays">): Date | null {
  const basis = event.deliveredAt ?? event.fulfilledAt;
  return basis === null ? null : new Date(basis.getTime() + event.delayDays * DAY_MS);
}

/** Body {{1}}–{{3}}: name, order number, shop. */
export function feedbackParameters(order: Pick<FeedbackOrder, "firstName" | "name">, shopName: string, language: TemplateLanguage): string[] {
  return [order.firstName?.trim() || GREETING_FALLBACK[language], order.name, shopName];
}

export function planFeedback(event: FeedbackEvent, shop: { locale: string }, now: Date): MessagePlan[] {
  const { order } = event;
  const due = feedbackDueAt(event);
  if (due === null || order.cancelled || order.refunded) return [];
  const language = templateLanguage(order.locale, shop.locale);
  const quickReplies: TemplateComponent[] = FEEDBACK_QUICK_SCORES.map((score, index) => ({
    type: "button",
    sub_type: "quick_reply",
    index: String(index),
    parameters: [{ type: "payload", payload: feedbackScorePayload(score) }],
  }));
  return [
    {
      flow: "feedback",
      dedupeKey: feedbackDedupeKey(order.id),
      to: order.phone,
      customerKey: order.customerKey,
      category: "MARKETING",
      template: TEMPLATE_NAMES.feedback,
      language,
      components: [bodyText(...feedbackParameters(order, event.shopName, language)), ...quickReplies],
      orderId: order.id,
      // A delivery reported late (after its due time) asks at once rather than in the past.
      sendAfter: due > now ? due : now,
      skipReason: order.phone ? undefined : "no_phone",
    },
  ];
}

export interface FeedbackAnswer {
  score: number;
  /** Whatever the shopper wrote after the number; null for a tap or a bare number. */
  comment: string | null;
}

const MAX_COMMENT = 1000;
// "9", "9/10", "9 von 10", "10 of 10", "8 – schnelle Lieferung"; not "1001" or "#1001".
const TYPED_SCORE = /^(10|\d)(?!\d)\s*(?:(?:\/|von|of|out of)\s*10(?!\d))?\s*[.!,:;)\-–—]*\s*([\s\S]*)$/i;

/** The score in a shopper's message: our quick-reply payload, its button title, or a typed number 0–10. */
export function parseFeedbackAnswer(message: { buttonPayload?: string; buttonText?: string; text?: string }): FeedbackAnswer | null {
  if (message.buttonPayload?.startsWith(SCORE_PAYLOAD_PREFIX)) {
    const score = Number(message.buttonPayload.slice(SCORE_PAYLOAD_PREFIX.length));
    return Number.isInteger(score) && score >= 0 && score <= 10 ? { score, comment: null } : null;
  }
  const typed = message.text ?? message.buttonText;
  if (typed === undefined) return null;
  const match = TYPED_SCORE.exec(typed.trim());
  if (!match) return null;
  const comment = match[2].trim();
  return { score: Number(match[1]), comment: comment === "" ? null : comment.slice(0, MAX_COMMENT) };
}
