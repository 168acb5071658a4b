// Where a shopper's WhatsApp message goes, in one place and one order: a consent keyword first (JA, STOP, …;
// applied by consent/inbound.ts), then an answer to a pending feedback question, then an order question,
// else the polite fallback. Types Momento cannot read (stickers, locations, …) are recorded, not answered.
import type { InboundMessage } from "../whatsapp/types";
import { parseFeedbackAnswer, type FeedbackAnswer } from "./feedback";
import { detectOrderQuestion, type OrderQuestion } from "./wismo";

export type InboundRoute =
  | { kind: "consent"; matched: string }
  | { kind: "feedback"; answer: FeedbackAnswer }
  | { kind: "wismo"; question: OrderQuestion }
  | { kind: "fallback" }
  | { kind: "unsupported"; reason: string };

export interface InboundRouteContext {
  /** What consent/inbound.ts matched (e.g. "text:STOP"), or null when the message is no consent keyword. */
  consentMatched: string | null;
  /** A feedback request went to this sender recently and is not answered yet. */
  feedbackAwaited: boolean;
}

type RoutedMessage = Pick<InboundMessage, "type" | "text" | "buttonPayload" | "buttonText">;

export function routeInbound(message: RoutedMessage, context: InboundRouteContext): InboundRoute {
  if (context.consentMatched !== null) return { kind: "consent", matched: context.consentMatched };
  const readable = message.text !== undefined || message.buttonPayload !== undefined || message.buttonText !== undefined;
  if (!readable) {
    return { kind: "unsupported", reason: `a ${message.type} message, which Momento does not read; the merchant sees it in the Inbox` };
  }
  if (context.feedbackAwaited) {
    const answer = parseFeedbackAnswer(message);
    if (answer) return { kind: "feedback", answer };
  }
  if (message.text !== undefined) {
    const question = detectOrderQuestion(message.text);
    if (question) return { kind: "wismo", question };
  }
  return { kind: "fallback" };
}
