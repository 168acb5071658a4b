import type { TemplateComponent } from "../whatsapp/types";
import type { TemplateCategory, TemplateLanguage } from "../templates/catalogue";
import type { HeaderMedia } from "../templates/media-header";

export type Flow =
  | "opt_in_confirmation"
  | "opt_out_confirmation"
  | "order_confirmation"
  | "shipping_update"
  | "cart_recovery"
  | "back_in_stock"
  | "feedback"
  | "win_back"
  /** The answer to a shopper asking where their order is. */
  | "wismo"
  /** "We'll get back to you" for any other message, at most once a day per recipient. */
  | "auto_reply"

  | "loyalty";

/** What a planner decides: one message to exist in the outbox. Planners are pure; enqueue writes plans. */
export interface MessagePlan {
  flow: Flow;
  /** Unique per shop: the same event planned twice yields one message. */
  dedupeKey: string;
  to: string | null;
  /** The business-scoped user id, for a recipient WhatsApp knows by username only (or as well). */
  waUserId?: string | null;
  customerKey: string | null;
  category: TemplateCategory;
  template: string;
  language: TemplateLanguage;
  /** A free-form text instead of a template (answers inside the 24-hour window); template is "" then. */
  text?: string;
  /** Header/body parameters; the URL button is added by enqueue (it carries the message id). */
  components: TemplateComponent[];
  /** What the message can show in a media header; the header itself is built for the template it goes out with (settings/flows.ts). */
  media?: HeaderMedia;
  /** Added to the "planned" event's reason (e.g. why another template was chosen). */
  planNote?: string;
  /** Where the URL button leads (through /r/<message id>), if the template has one. */
  linkUrl?: string;
  orderId?: string;
  checkoutToken?: string;
  sendAfter: Date;
  /** A reason known at planning time (e.g. no usable phone): the message is recorded as SKIPPED. */
  skipReason?: string;
}

export function bodyText(...values: string[]): TemplateComponent {
  return { type: "body", parameters: values.map((text) => ({ type: "text" as const, text })) };
}
