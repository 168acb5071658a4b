// The contract between Momento and the WhatsApp Cloud API (API-FACTS.md Part A). The client sends
// and also parses Meta's callbacks, so everything Meta-shaped lives behind these types.

export type TemplateParameter =
  | { type: "text"; text: string; parameter_name?: string }
  | { type: "payload"; payload: string }
  /** A media header's content, as a public https URL Meta fetches (and caches for 10 minutes). */
  | { type: "image"; image: { link: string } }
  | { type: "video"; video: { link: string } };

export type TemplateComponent =
  | { type: "header" | "body"; parameters: TemplateParameter[] }
  | { type: "button"; sub_type: "url" | "quick_reply"; index: string; parameters: TemplateParameter[] };

export interface TemplateSend {
  /** E.164 with a leading "+", or a business-scoped user id. */
  to: string;
  template: string;
  language: string;
  components: TemplateComponent[];
  /** Our Message id; Meta echoes it in status webhooks, which lets a crash be reconciled. */
  bizOpaqueCallbackData?: string;
}

/** A free-form text message; Meta accepts it only inside the 24-hour customer service window (else 131047). */
export interface TextSend {
  to: string;
  body: string;
  bizOpaqueCallbackData?: string;
}

/** What to do after a failed send, from Meta's error-code table (API-FACTS.md A2). */
export type RetryAdvice = "retry" | "retry_after_24h" | "never";

export interface SendError {
  /** Meta's error code (e.g. 131056), or null for network errors and unparseable bodies. */
  code: number | null;
  /** A readable reason for the message log (no phone numbers, no bodies). */
  reason: string;
  retry: RetryAdvice;
  httpStatus: number | null;
  fbtraceId?: string;
}

export type SendResult =
  | { ok: true; waMessageId: string; waId?: string; messageStatus?: string }
  | ({ ok: false } & SendError);

export interface WhatsAppSender {
  sendTemplate(message: TemplateSend): Promise<SendResult>;
  /** Free-form text (answers to a shopper's own message); a sender without it cannot send those. */
  sendText?(message: TextSend): Promise<SendResult>;
}

export type DeliveryStatus = "sent" | "delivered" | "read" | "failed";

/**
 * The business number a signal reached (decision 004, step 0): the change's metadata.phone_number_id, else the
 * entry's id (the WABA). The webhook route chose the app secret by the same ids, so they say whose app vouched for it.
 */
export interface Receiver {
  phoneNumberId: string | null;
  wabaId: string;
}

export interface StatusUpdate {
  receivedBy: Receiver;
  waMessageId: string;
  status: DeliveryStatus;
  timestamp: Date;
  /** The recipient's phone as Meta reports it; may be "" for username users. */
  recipientId: string;
  userId?: string;
  bizOpaqueCallbackData?: string;
  errors: { code: number; title: string; details?: string }[];
  pricingCategory?: string;
}

export interface InboundMessage {
  receivedBy: Receiver;
  waMessageId: string;
  /** The sender's phone (digits, no "+") as Meta reports it; may be "" for username users. */
  from: string;
  userId?: string;
  timestamp: Date;
  /** text | button | interactive | … (other types are kept with their type only) */
  type: string;
  text?: string;
  /** Quick-reply payload (template button) or interactive button_reply id. */
  buttonPayload?: string;
  buttonText?: string;
  /** The wamid of the message this one answers (template quick-reply taps carry it). */
  contextWaMessageId?: string;
}

export interface UserPreferenceUpdate {
  receivedBy: Receiver;
  waId: string;
  userId?: string;
  category: string;
  /** "stop" | "resume" | … */
  value: string;
  timestamp: Date;
}

/** A message_template_status_update change: WABA-level, so it names the WABA (entry.id), not a phone number. */
export interface TemplateStatusUpdate {
  wabaId: string;
  /** APPROVED | REJECTED | PAUSED | DISABLED | FLAGGED | REINSTATED | … */
  event: string;
  name: string;
  language: string;
  category: string | null;
  /** Meta's reason code ("NONE", "INCORRECT_CATEGORY", …). */
  reason: string | null;
  metaId: string | null;
}

export interface ParsedWebhook {
  statuses: StatusUpdate[];
  inbound: InboundMessage[];
  userPreferences: UserPreferenceUpdate[];
  templateStatuses: TemplateStatusUpdate[];
  /** value.errors[] outside statuses (Meta sends some errors only there). */
  errors: { code: number; title: string; details?: string }[];
}
