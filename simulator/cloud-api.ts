// A local stand-in for Meta's WhatsApp Cloud API (API-FACTS.md Part A), because Meta is unreachable from
// our machines. It validates template sends the way Meta does, answers with Meta's bodies and emits the
// status and inbound webhooks Meta would, signed with the app secret, in the injected clock's time.
// Shapes follow tests/fixtures/whatsapp; time rules follow REPLAY.md.
import { randomBytes } from "node:crypto";
import type { Clock } from "../app/.server/clock";
import { placeholderCount } from "../app/.server/templates/catalogue";
import { signWhatsAppBody } from "../app/.server/whatsapp/signature";

export type TemplateStatus = "APPROVED" | "PENDING" | "REJECTED" | "PAUSED" | "DISABLED" | "PENDING_DELETION" | "IN_APPEAL";

/** A template in Meta's template-management format; `TemplateDefinition` from the catalogue fits. */
export interface SimulatorTemplate {
  name: string;
  language: string;
  category: string;
  parameter_format?: "POSITIONAL" | "NAMED";
  components: {
    type: string;
    format?: string;
    text?: string;
    example?: unknown;
    buttons?: { type: string; text: string; url?: string; phone_number?: string; example?: string[] }[];
  }[];
  /** APPROVED unless given. */
  status?: TemplateStatus;
}

export interface CloudApiSimulatorOptions {
  clock: Clock;
  appSecret: string;
  accessToken: string;
  phoneNumberId: string;
  wabaId?: string;
  /** The Meta app the token belongs to: the Resumable Upload API opens sessions under /{app-id}/uploads. */
  appId?: string;
  /** Digits only, as Meta puts it in webhook metadata. */
  displayPhoneNumber?: string;
  templates: SimulatorTemplate[];
  /** Posts one webhook body to the app; a rejection makes the simulator retry later, like Meta. */
  deliverWebhook: (rawBody: string, signature: string) => Promise<void>;
  /**
   * Meta's review of a created template: with this set, POST message_templates answers PENDING and the template
   * is APPROVED this long after (virtual time), announced by a message_template_status_update webhook. Unset:
   * approved at once, no webhook.
   */
  templateReviewMs?: number;
  /** Pair-rate emulation: a second accepted message to one recipient within this window gets 131056. Off if unset. */
  pairLimitMs?: number;
  /** Told about every send and failed webhook delivery, e.g. for a log line; never given tokens. */
  onActivity?: (activity: SimulatorActivity) => void;
}

export type SimulatorActivity =
  | { kind: "accepted"; wamid: string; template: string; language: string; asyncFailure: number | null }
  | { kind: "rejected"; code: number; template: string | null; language: string | null }
  | { kind: "webhook_failed"; events: number; attempt: number; error: string; dropped: boolean };

export interface RecipientBehaviour {
  /** Sends read receipts (default true). */
  reads?: boolean;
  /** A Meta error code for every further message to this recipient, or null for none. */
  failWith?: number | null;
  /** Profile name in inbound webhooks. */
  name?: string;
}

export interface SentButton {
  index: number;
  type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER" | string;
  text: string;
  /** URL buttons: the template URL with the sent suffix filled in. */
  url?: string;
  /** Quick-reply buttons: the payload sent for this button, if any. */
  payload?: string;
}

export interface SentMessage {
  wamid: string;
  /** `to` exactly as the request had it. */
  to: string;
  /** Digits of the recipient's phone, or "" when `to` was a business-scoped user id. */
  waId: string;
  userId?: string;
  template: string;
  language: string;
  category: string;
  /** Body parameters in order. */
  parameters: string[];
  /** Text header parameters, or a media header's link (or media id). */
  headerParameters: string[];
  buttons: SentButton[];
  /** The body text as the shopper sees it. */
  text: string;
  bizOpaqueCallbackData?: string;
  sentAt: Date;
  /** The error code of the `failed` status this message will get, or null when it is delivered. */
  asyncFailure: number | null;
}

export interface RejectedSend {
  at: Date;
  httpStatus: number;
  code: number;
  reason: string;
  to: string | null;
  template: string | null;
  language: string | null;
}

export interface InboundRecord {
  wamid: string;
  from: string;
  type: "text" | "button";
  text: string;
  payload?: string;
  contextWamid?: string;
  at: Date;
}

export interface WebhookDeliveryFailure {
  at: Date;
  events: number;
  attempt: number;
  error: string;
  dropped: boolean;
}

export interface CloudApiSimulator {
  fetch: typeof fetch;
  /** Delivers every event due at or before clock.now(), oldest first, batched; returns how many were delivered. */
  flushDue(): Promise<number>;
  nextDueAt(): Date | null;
  setRecipient(phone: string, behaviour: RecipientBehaviour): void;
  setTemplateStatus(name: string, language: string, status: TemplateStatus): void;
  /**
   * Meta decides on a template now: its status follows `event` (APPROVED, REJECTED, PAUSED, DISABLED, …) and
   * the message_template_status_update webhook is due at once. Ends a pending review.
   */
  reviewTemplate(name: string, language: string, event: TemplateStatus, reason?: string): void;
  /** The shopper writes `text`; the inbound webhook is due now. Returns its wamid. */
  reply(from: string, text: string): string;
  /** The shopper taps quick-reply button `index` (Meta's button position) of their latest message with quick replies. */
  tapButton(from: string, index: number): boolean;
  /** The URL the shopper opens from the URL button of their latest message with one, or null. */
  click(from: string): string | null;
  readonly sent: readonly SentMessage[];
  readonly rejected: readonly RejectedSend[];
  readonly inbound: readonly InboundRecord[];
  readonly deliveryFailures: readonly WebhookDeliveryFailure[];
  /** Forgets messages, scheduled events, recipients and pair-rate state; templates return to their initial status. */
  reset(): void;
}

// Codes Meta reports in a `failed` status webhook after accepting the send (API-FACTS.md A2); every
// other injected code is answered synchronously.
export const ASYNC_FAILURE_CODES: ReadonlySet<number> = new Set([131047, 131026, 131049, 131050, 130472]);

export const MAX_STATUSES_PER_WEBHOOK = 1000;
const SENT_AFTER_MS = 1_000;
const DELIVERED_AFTER_MS = 5_000;
const READ_AFTER_MS = 60_000;
const FAILED_AFTER_MS = 1_000;
// Meta retries failed webhook POSTs "immediately then with decreasing frequency" for up to 7 days.
const WEBHOOK_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 6 * 3_600_000, 12 * 3_600_000];
const WEBHOOK_RETRY_FOR_MS = 7 * 24 * 3_600_000;
const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3_600_000;

const DEFAULT_WABA_ID = "100000000000002";
export const DEFAULT_APP_ID = "100000000000003";
const INVALID_TOKEN = "Invalid OAuth access token - Cannot parse access token";
const DEFAULT_DISPLAY_PHONE_NUMBER = "15550000001";
const TEMPLATE_LIST_DEFAULT_LIMIT = 25;

// Meta's wording per code: the title after "(#code)" and error_data.details (error-codes page, fixtures).
const META_ERRORS: Record<number, { title: string; details: string }> = {
  1: { title: "API Unknown", details: "Invalid request or possible server error." },
  2: { title: "API Service", details: "Temporary due to downtime or due to being overloaded." },
  4: { title: "Application request limit reached", details: "The app has reached its API call rate limit." },
  100: { title: "Invalid parameter", details: "The request included one or more unsupported or misspelled parameters." },
  368: { title: "Temporarily blocked for policies violations", details: "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy." },
  80007: { title: "Rate limit issues", details: "The WhatsApp Business Account has reached its rate limit." },
  130429: { title: "Rate limit hit", details: "Cloud API message throughput has been reached." },
  130472: { title: "User's number is part of an experiment", details: "Failed to send message because this user's phone number is part of an experiment" },
  131000: { title: "Something went wrong", details: "Message failed to send due to an unknown error." },
  131008: { title: "Required parameter is missing", details: "The request is missing a required parameter." },
  131009: { title: "Parameter value is not valid", details: "One or more parameter values are invalid." },
  131016: { title: "Service unavailable", details: "A service is temporarily unavailable." },
  131026: { title: "Message undeliverable", details: "Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; the recipient has not accepted our new Terms of Service and Privacy Policy; the recipient is using an old WhatsApp version." },
  131031: { title: "Business Account locked", details: "The WhatsApp Business Account has been restricted or disabled." },
  131042: { title: "Business eligibility payment issue", details: "There was an error related to your payment method." },
  131047: { title: "Re-engagement message", details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
  131048: { title: "Spam rate limit hit", details: "Message failed to send because there are restrictions on how many messages can be sent from this phone number." },
  131049: { title: "This message was not delivered to maintain healthy ecosystem engagement.", details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered." },
  131050: { title: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", details: "The recipient has stopped marketing messages from this business." },
  131056: { title: "(Business Account, Consumer Account) pair rate limit hit", details: "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time." },
  131057: { title: "Account in maintenance mode", details: "Business Account is in maintenance mode" },
  132000: { title: "Number of parameters does not match the expected number of params", details: "The number of parameters does not match the template." },
  // Title as Meta words it (field report: shridarpatil/frappe_whatsapp#147, a media header sent with the wrong parameter).
  132012: { title: "Parameter format does not match format in the created template", details: "The parameter format does not match the format in the created template." },
  132001: { title: "Template name does not exist in the translation", details: "The template does not exist in the specified language or has not been approved." },
  132015: { title: "Template is Paused", details: "Template is paused due to low quality so it cannot be sent in a template message." },
  132016: { title: "Template is Disabled", details: "Template has been paused too many times due to low quality and is now permanently disabled." },
  132018: { title: "There was an issue with the parameters in your template.", details: "The template parameters are invalid." },
  133004: { title: "Server temporarily unavailable", details: "Server is temporarily unavailable." },
  133010: { title: "Account not registered", details: "The phone number is not registered on the WhatsApp Business Platform." },
};

class MetaError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly httpStatus = 400,
  ) {
    super(`(#${code}) ${META_ERRORS[code]?.title ?? "Error"}`);
  }
}

interface StatusEvent {
  kind: "status";
  status: Record<string, unknown>;
}
interface InboundEvent {
  kind: "inbound";
  contact: Record<string, unknown>;
  message: Record<string, unknown>;
}
/** A template review: applied to the template when it is due, then sent as its webhook. */
interface TemplateEvent {
  kind: "template";
  name: string;
  language: string;
  event: TemplateStatus;
  reason: string;
}
type ScheduledEvent = (StatusEvent | InboundEvent | TemplateEvent) & { dueAt: number; seq: number; attempt: number; firstTriedAt?: number };

const PHONE = /^\+?\d{6,15}$/;
// Business-scoped user ids look like "US.13491208655302741918" or "user.9373…" (API-FACTS.md A1).
const BUSINESS_SCOPED_USER_ID = /^[A-Za-z]{2,}\.[A-Za-z0-9.]+$/;
const MEDIA_HEADER_FORMATS = new Set(["IMAGE", "VIDEO", "DOCUMENT", "LOCATION"]);
// The file types the Resumable Upload API takes (Meta's "Upload a file" guide), and which media header each example fits.
const UPLOAD_FILE_TYPES: Record<string, "IMAGE" | "VIDEO" | "DOCUMENT"> = {
  "image/jpeg": "IMAGE",
  "image/jpg": "IMAGE",
  "image/png": "IMAGE",
  "video/mp4": "VIDEO",
  "application/pdf": "DOCUMENT",
};

function digitsOf(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** The key a recipient is known by: the phone's digits, or the business-scoped user id as is. */
function recipientKey(to: string): string {
  return PHONE.test(to.trim()) ? digitsOf(to) : to.trim();
}

function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}

function fbtraceId(): string {
  return `A${randomBytes(17).toString("base64url").slice(0, 22)}`;
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=UTF-8", ...headers },
  });
}

function metaErrorBody(error: MetaError): unknown {
  return {
    error: {
      message: error.message,
      type: "OAuthException",
      code: error.code,
      error_data: { messaging_product: "whatsapp", details: error.details },
      fbtrace_id: fbtraceId(),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface TemplateState {
  template: SimulatorTemplate;
  id: string;
  status: TemplateStatus;
  initialStatus: TemplateStatus;
}

interface ParsedSend {
  to: string;
  templateName: string;
  language: string;
  headerParameters: unknown[] | null;
  bodyParameters: unknown[] | null;
  buttonComponents: Map<number, { subType: string; parameters: unknown[] }>;
  bizOpaqueCallbackData?: string;
}

export function createCloudApiSimulator(options: CloudApiSimulatorOptions): CloudApiSimulator {
  const { clock, appSecret, accessToken, phoneNumberId } = options;
  const wabaId = options.wabaId ?? DEFAULT_WABA_ID;
  const appId = options.appId ?? DEFAULT_APP_ID;
  const displayPhoneNumber = digitsOf(options.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER);
  const templateKey = (name: string, language: string) => `${name}\u0000${language}`;

  const templates = new Map<string, TemplateState>();
  let nextTemplateId = 1_100_000_000_000_001;
  function addTemplate(template: SimulatorTemplate): TemplateState {
    const status = template.status ?? "APPROVED";
    const state = { template, id: String(nextTemplateId++), status, initialStatus: status };
    templates.set(templateKey(template.name, template.language), state);
    return state;
  }
  options.templates.forEach(addTemplate);

  let sent: SentMessage[] = [];
  let rejected: RejectedSend[] = [];
  let inbound: InboundRecord[] = [];
  let deliveryFailures: WebhookDeliveryFailure[] = [];
  let queue: ScheduledEvent[] = [];
  let recipients = new Map<string, RecipientBehaviour>();
  let lastAcceptedAt = new Map<string, number>();
  let lastInboundAt = new Map<string, number>();
  let eventSeq = 0;
  const issuedWamids = new Set<string>();

  function newWamid(): string {
    for (;;) {
      const wamid = `wamid.HBgL${randomBytes(30).toString("base64")}`;
      if (!issuedWamids.has(wamid)) {
        issuedWamids.add(wamid);
        return wamid;
      }
    }
  }

  function schedule(event: StatusEvent | InboundEvent | TemplateEvent, dueAt: number): void {
    queue.push({ ...event, dueAt, seq: eventSeq++, attempt: 0 });
  }

  function behaviourOf(key: string): Required<Pick<RecipientBehaviour, "reads">> & RecipientBehaviour {
    return { reads: true, failWith: null, ...recipients.get(key) };
  }

  // ---------------------------------------------------------------- send: parsing and validation

  /** The checks every send shares: the envelope and the recipient. */
  function parseRecipient(body: unknown): string {
    if (!isRecord(body)) throw new MetaError(100, "Request body must be a JSON object.");
    if (body.messaging_product === undefined) throw new MetaError(100, "The parameter messaging_product is required.");
    if (body.messaging_product !== "whatsapp") throw new MetaError(100, "Param messaging_product must be 'whatsapp'.");
    if (body.recipient_type !== undefined && body.recipient_type !== "individual") {
      throw new MetaError(100, "Param recipient_type must be 'individual'.");
    }
    if (typeof body.to !== "string" || body.to.trim() === "") throw new MetaError(100, "The parameter to is required.");
    const to = body.to.trim();
    if (!PHONE.test(to) && !BUSINESS_SCOPED_USER_ID.test(to)) throw new MetaError(131009, "Param to is not a valid phone number or user id.");
    return to;
  }

  function parseSend(body: unknown): ParsedSend {
    const to = parseRecipient(body);
    if (!isRecord(body)) throw new MetaError(100, "Request body must be a JSON object.");
    if (body.type !== "template") throw new MetaError(100, "Message must be a template message.");
    const template = body.template;
    if (!isRecord(template)) throw new MetaError(100, "The parameter template is required.");
    if (typeof template.name !== "string" || template.name === "") throw new MetaError(100, "The parameter template['name'] is required.");
    const language = isRecord(template.language) ? template.language.code : undefined;
    if (typeof language !== "string" || language === "") throw new MetaError(100, "The parameter template['language']['code'] is required.");
    if (body.biz_opaque_callback_data !== undefined && typeof body.biz_opaque_callback_data !== "string") {
      throw new MetaError(100, "Param biz_opaque_callback_data must be a string.");
    }

    const parsed: ParsedSend = {
      to,
      templateName: template.name,
      language,
      headerParameters: null,
      bodyParameters: null,
      buttonComponents: new Map(),
      bizOpaqueCallbackData: body.biz_opaque_callback_data as string | undefined,
    };
    const components = template.components ?? [];
    if (!Array.isArray(components)) throw new MetaError(100, "Param template['components'] must be an array.");
    for (const component of components) {
      if (!isRecord(component)) throw new MetaError(100, "Each template component must be an object.");
      const parameters = component.parameters ?? [];
      if (!Array.isArray(parameters)) throw new MetaError(100, `${String(component.type)}: parameters must be an array.`);
      if (component.type === "header" || component.type === "body") {
        const slot = component.type === "header" ? "headerParameters" : "bodyParameters";
        if (parsed[slot]) throw new MetaError(100, `${component.type}: the component is given twice.`);
        parsed[slot] = parameters;
      } else if (component.type === "button") {
        const index = Number(component.index);
        if (!Number.isInteger(index) || index < 0) throw new MetaError(100, "buttons: Param index must be a button position like \"0\".");
        if (parsed.buttonComponents.has(index)) throw new MetaError(100, `buttons: Button at index ${index} is given twice.`);
        parsed.buttonComponents.set(index, { subType: String(component.sub_type), parameters });
      } else {
        throw new MetaError(100, `Invalid component type: ${String(component.type)}.`);
      }
    }
    return parsed;
  }

  function findTemplate(parsed: ParsedSend): TemplateState {
    const doesNotExist = new MetaError(132001, `template name (${parsed.templateName}) does not exist in ${parsed.language}`);
    const state = templates.get(templateKey(parsed.templateName, parsed.language));
    if (!state) throw doesNotExist;
    if (state.status === "PAUSED") throw new MetaError(132015, META_ERRORS[132015].details);
    if (state.status === "DISABLED") throw new MetaError(132016, META_ERRORS[132016].details);
    if (state.status !== "APPROVED") throw doesNotExist;
    return state;
  }

  function textValues(where: string, parameters: unknown[]): string[] {
    return parameters.map((parameter) => {
      if (!isRecord(parameter) || typeof parameter.type !== "string") throw new MetaError(100, `${where}: Parameter must have a type.`);
      if (parameter.type !== "text") return `[${parameter.type}]`;
      if (typeof parameter.text !== "string" || parameter.text === "") {
        throw new MetaError(131008, "Parameter of type text is missing text value");
      }
      return parameter.text;
    });
  }

  /** A media header's parameter: {type: "image", image: {link | id}} for an IMAGE header (likewise video, document). */
  function mediaLink(format: string, parameter: unknown): string {
    const type = format.toLowerCase();
    if (!isRecord(parameter) || parameter.type !== type) {
      throw new MetaError(132012, `header: Format mismatch, expected ${format}, received ${isRecord(parameter) ? String(parameter.type).toUpperCase() : "UNKNOWN"}`);
    }
    const media = parameter[type];
    const link = isRecord(media) ? (typeof media.link === "string" ? media.link : typeof media.id === "string" ? media.id : null) : null;
    if (!link) throw new MetaError(131008, `header: Parameter of type ${type} is missing ${type}['link'] or ${type}['id']`);
    if (isRecord(media) && typeof media.link === "string" && !/^https?:\/\/[^\s/]+/.test(media.link)) throw new MetaError(131009, `header: ${type}['link'] is not a valid URL`);
    return link;
  }

  function countMismatch(where: string, given: number, expected: number): MetaError {
    return new MetaError(132000, `${where}: number of localizable_params (${given}) does not match the expected number of params (${expected})`);
  }

  function validateAgainstTemplate(parsed: ParsedSend, state: TemplateState): Omit<SentMessage, "wamid" | "waId" | "userId" | "sentAt" | "asyncFailure"> {
    const { template } = state;
    const header = template.components.find((c) => c.type === "HEADER");
    const body = template.components.find((c) => c.type === "BODY");
    const templateButtons = template.components.find((c) => c.type === "BUTTONS")?.buttons ?? [];

    const headerGiven = parsed.headerParameters ?? [];
    const mediaFormat = header && MEDIA_HEADER_FORMATS.has(header.format ?? "") ? header.format! : null;
    const headerExpected = !header ? 0 : mediaFormat ? 1 : placeholderCount(header.text ?? "");
    if (headerGiven.length !== headerExpected) throw countMismatch("header", headerGiven.length, headerExpected);
    const headerParameters = mediaFormat ? headerGiven.map((p) => mediaLink(mediaFormat, p)) : textValues("header", headerGiven);

    const bodyGiven = parsed.bodyParameters ?? [];
    const bodyExpected = placeholderCount(body?.text ?? "");
    if (bodyGiven.length !== bodyExpected) throw countMismatch("body", bodyGiven.length, bodyExpected);
    const parameters = textValues("body", bodyGiven);
    // Meta refuses body parameters that would break the template's layout.
    if (parameters.some((p) => /[\n\t]| {5,}/.test(p))) {
      throw new MetaError(132018, "Param text cannot have new-line/tab characters or more than 4 consecutive spaces");
    }

    for (const [index, component] of parsed.buttonComponents) {
      const button = templateButtons[index];
      const expectedSubType = button?.type === "URL" ? "url" : button?.type === "QUICK_REPLY" ? "quick_reply" : null;
      if (!button || expectedSubType !== component.subType) {
        throw new MetaError(100, `buttons: Button at index ${index} of type ${component.subType} does not exist in the template.`);
      }
    }

    const buttons: SentButton[] = templateButtons.map((button, index) => {
      const component = parsed.buttonComponents.get(index);
      const given = component?.parameters ?? [];
      if (button.type === "URL") {
        const expected = placeholderCount(button.url ?? "");
        if (expected > 0 && given.length === 0) {
          throw new MetaError(132000, `buttons: Button at index ${index} of type Url requires a parameter`);
        }
        if (given.length !== expected) throw countMismatch(`buttons: Button at index ${index} of type Url`, given.length, expected);
        const [suffix] = textValues(`buttons: Button at index ${index}`, given);
        const url = suffix === undefined ? button.url : button.url?.replace(/\{\{\s*1\s*\}\}/, suffix);
        return { index, type: button.type, text: button.text, url };
      }
      if (button.type === "QUICK_REPLY") {
        if (given.length > 1) throw countMismatch(`buttons: Button at index ${index} of type QuickReply`, given.length, 1);
        const [parameter] = given;
        if (parameter !== undefined && (!isRecord(parameter) || parameter.type !== "payload" || typeof parameter.payload !== "string")) {
          throw new MetaError(100, `buttons: Button at index ${index} of type QuickReply takes one parameter of type payload.`);
        }
        return { index, type: button.type, text: button.text, payload: parameter?.payload as string | undefined };
      }
      return { index, type: button.type, text: button.text };
    });

    const text = (body?.text ?? "").replace(/\{\{\s*(\d+)\s*\}\}/g, (placeholder, n: string) => parameters[Number(n) - 1] ?? placeholder);
    return {
      to: parsed.to,
      template: template.name,
      language: template.language,
      category: template.category,
      parameters,
      headerParameters,
      buttons,
      text,
      bizOpaqueCallbackData: parsed.bizOpaqueCallbackData,
    };
  }

  // ---------------------------------------------------------------- send: acceptance and status schedule

  function scheduleStatuses(message: SentMessage, reads: boolean): void {
    const sentAt = message.sentAt.getTime();
    const base = (status: string, at: number): Record<string, unknown> => ({
      id: message.wamid,
      status,
      timestamp: unixSeconds(at),
      recipient_id: message.waId,
      ...(message.userId ? { recipient_user_id: message.userId } : {}),
      ...(message.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
    });
    // PMP since July 2025: pricing rides on `sent` and on one of delivered/read (status reference).
    const pricing = { billable: true, pricing_model: "PMP", type: "regular", category: message.category.toLowerCase() };

    if (message.asyncFailure !== null) {
      const at = sentAt + FAILED_AFTER_MS;
      const meta = META_ERRORS[message.asyncFailure];
      const title = meta?.title ?? "Error";
      schedule(
        {
          kind: "status",
          status: {
            ...base("failed", at),
            errors: [
              {
                code: message.asyncFailure,
                title,
                message: title,
                error_data: { details: meta?.details ?? "Injected by the simulator." },
                href: "/documentation/business-messaging/whatsapp/support/error-codes",
              },
            ],
          },
        },
        at,
      );
      return;
    }
    schedule({ kind: "status", status: { ...base("sent", sentAt + SENT_AFTER_MS), pricing } }, sentAt + SENT_AFTER_MS);
    schedule({ kind: "status", status: { ...base("delivered", sentAt + DELIVERED_AFTER_MS), pricing } }, sentAt + DELIVERED_AFTER_MS);
    if (reads) schedule({ kind: "status", status: base("read", sentAt + READ_AFTER_MS) }, sentAt + READ_AFTER_MS);
  }

  function reject(error: MetaError, parsed: Partial<ParsedSend>): Response {
    rejected.push({
      at: clock.now(),
      httpStatus: error.httpStatus,
      code: error.code,
      reason: error.details,
      to: parsed.to ?? null,
      template: parsed.templateName ?? null,
      language: parsed.language ?? null,
    });
    options.onActivity?.({ kind: "rejected", code: error.code, template: parsed.templateName ?? null, language: parsed.language ?? null });
    return jsonResponse(error.httpStatus, metaErrorBody(error));
  }

  function sendMessage(rawBody: string): Response {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return reject(new MetaError(100, "Request body is not valid JSON."), {});
    }
    if (isRecord(body) && body.type === "text") return sendText(body);
    let parsed: ParsedSend | undefined;
    try {
      parsed = parseSend(body);
      const content = validateAgainstTemplate(parsed, findTemplate(parsed));

      const key = recipientKey(parsed.to);
      const behaviour = behaviourOf(key);
      const now = clock.now().getTime();
      const injected = behaviour.failWith ?? null;
      if (injected !== null && !ASYNC_FAILURE_CODES.has(injected)) {
        throw new MetaError(injected, META_ERRORS[injected]?.details ?? "Injected by the simulator.");
      }
      const previous = lastAcceptedAt.get(key);
      if (options.pairLimitMs !== undefined && previous !== undefined && now - previous < options.pairLimitMs) {
        throw new MetaError(131056, META_ERRORS[131056].details);
      }

      lastAcceptedAt.set(key, now);
      const isPhone = PHONE.test(parsed.to);
      const message: SentMessage = {
        wamid: newWamid(),
        waId: isPhone ? digitsOf(parsed.to) : "",
        ...(isPhone ? {} : { userId: parsed.to }),
        ...content,
        sentAt: new Date(now),
        asyncFailure: injected,
      };
      sent.push(message);
      scheduleStatuses(message, behaviour.reads);
      options.onActivity?.({ kind: "accepted", wamid: message.wamid, template: message.template, language: message.language, asyncFailure: injected });
      return jsonResponse(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: parsed.to, wa_id: message.waId, ...(message.userId ? { user_id: message.userId } : {}) }],
        messages: [{ id: message.wamid, message_status: "accepted" }],
      });
    } catch (error) {
      if (error instanceof MetaError) return reject(error, parsed ?? partialSend(body));
      throw error;
    }
  }

  // Free-form text is accepted inside the 24-hour customer service window that the recipient's last message
  // opened (API-FACTS.md A3); outside it Meta accepts the call and then fails the message with 131047.
  function sendText(body: Record<string, unknown>): Response {
    const given = typeof body.to === "string" ? body.to : undefined;
    try {
      const to = parseRecipient(body);
      const text = isRecord(body.text) ? body.text.body : undefined;
      if (typeof text !== "string" || text.trim() === "") throw new MetaError(100, "The parameter text['body'] is required.");
      if (text.length > 4096) throw new MetaError(100, "Param text['body'] must be at most 4096 characters long.");
      if (body.biz_opaque_callback_data !== undefined && typeof body.biz_opaque_callback_data !== "string") {
        throw new MetaError(100, "Param biz_opaque_callback_data must be a string.");
      }
      const key = recipientKey(to);
      const behaviour = behaviourOf(key);
      const now = clock.now().getTime();
      const injected = behaviour.failWith ?? null;
      if (injected !== null && !ASYNC_FAILURE_CODES.has(injected)) throw new MetaError(injected, META_ERRORS[injected]?.details ?? "Injected by the simulator.");
      const previous = lastAcceptedAt.get(key);
      if (options.pairLimitMs !== undefined && previous !== undefined && now - previous < options.pairLimitMs) throw new MetaError(131056, META_ERRORS[131056].details);
      const lastInbound = lastInboundAt.get(key);
      const windowOpen = lastInbound !== undefined && now - lastInbound < CUSTOMER_SERVICE_WINDOW_MS;
      lastAcceptedAt.set(key, now);
      const isPhone = PHONE.test(to);
      const message: SentMessage = {
        wamid: newWamid(),
        to,
        waId: isPhone ? digitsOf(to) : "",
        ...(isPhone ? {} : { userId: to }),
        template: "",
        language: "",
        category: "SERVICE",
        parameters: [],
        headerParameters: [],
        buttons: [],
        text,
        ...(typeof body.biz_opaque_callback_data === "string" ? { bizOpaqueCallbackData: body.biz_opaque_callback_data } : {}),
        sentAt: new Date(now),
        asyncFailure: injected ?? (windowOpen ? null : 131047),
      };
      sent.push(message);
      scheduleStatuses(message, behaviour.reads);
      options.onActivity?.({ kind: "accepted", wamid: message.wamid, template: "", language: "", asyncFailure: message.asyncFailure });
      return jsonResponse(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: to, wa_id: message.waId, ...(message.userId ? { user_id: message.userId } : {}) }],
        messages: [{ id: message.wamid }],
      });
    } catch (error) {
      if (error instanceof MetaError) return reject(error, { to: given });
      throw error;
    }
  }

  function partialSend(body: unknown): Partial<ParsedSend> {
    if (!isRecord(body)) return {};
    const template = isRecord(body.template) ? body.template : {};
    const language = isRecord(template.language) ? template.language.code : undefined;
    return {
      to: typeof body.to === "string" ? body.to : undefined,
      templateName: typeof template.name === "string" ? template.name : undefined,
      language: typeof language === "string" ? language : undefined,
    };
  }

  // ---------------------------------------------------------------- templates endpoint

  function templateJson(state: TemplateState): Record<string, unknown> {
    const { template } = state;
    return {
      name: template.name,
      parameter_format: template.parameter_format ?? "POSITIONAL",
      components: template.components,
      language: template.language,
      status: state.status,
      category: template.category,
      id: state.id,
    };
  }

  function listTemplates(url: URL): Response {
    const query = url.searchParams;
    const status = query.get("status")?.toUpperCase();
    const name = query.get("name");
    const language = query.get("language");
    const category = query.get("category")?.toUpperCase();
    const fields = query.get("fields")?.split(",").map((f) => f.trim()).filter(Boolean);
    const limit = Math.max(1, Number(query.get("limit")) || TEMPLATE_LIST_DEFAULT_LIMIT);
    const after = query.get("after");
    const start = after ? Number(Buffer.from(after, "base64url").toString("utf8")) + 1 : 0;

    const matching = [...templates.values()].filter(
      (state) =>
        (!status || state.status === status) &&
        (!name || state.template.name.includes(name)) &&
        (!language || state.template.language === language) &&
        (!category || state.template.category === category),
    );
    const page = matching.slice(start, start + limit);
    const data = page.map((state) => {
      const full = templateJson(state);
      // Graph always includes the id, whatever `fields` asks for.
      return fields ? Object.fromEntries(Object.entries(full).filter(([key]) => key === "id" || fields.includes(key))) : full;
    });
    if (page.length === 0) return jsonResponse(200, { data });
    const cursor = (index: number) => Buffer.from(String(index), "utf8").toString("base64url");
    const afterCursor = cursor(start + page.length - 1);
    const hasMore = start + page.length < matching.length;
    const next = new URL(url);
    next.searchParams.set("after", afterCursor);
    return jsonResponse(200, {
      data,
      paging: { cursors: { before: cursor(start), after: afterCursor }, ...(hasMore ? { next: next.toString() } : {}) },
    });
  }

  // The simulator approves new templates at once; Meta would answer PENDING and approve later.
  function createTemplate(rawBody: string): Response {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return jsonResponse(400, metaErrorBody(new MetaError(100, "Request body is not valid JSON.")));
    }
    const invalid = (details: string) => jsonResponse(400, metaErrorBody(new MetaError(100, details)));
    if (!isRecord(body)) return invalid("Request body must be a JSON object.");
    const { name, language, category, components } = body;
    if (typeof name !== "string" || !/^[a-z0-9_]{1,512}$/.test(name)) return invalid("Param name must match ^[a-z0-9_]+$.");
    if (typeof language !== "string" || language === "") return invalid("The parameter language is required.");
    if (category !== "MARKETING" && category !== "UTILITY" && category !== "AUTHENTICATION") return invalid("Param category is not valid.");
    if (!Array.isArray(components) || !components.some((c) => isRecord(c) && c.type === "BODY")) return invalid("Param components must include a BODY.");
    const badExample = components.find((c) => isRecord(c) && c.type === "HEADER" && typeof c.format === "string" && c.format !== "LOCATION" && MEDIA_HEADER_FORMATS.has(c.format) && !isUploadedExample(c.format, c.example));
    if (badExample) {
      // A media header's example must be a handle from the Resumable Upload API; a URL (or any other string) is
      // refused. Subcode 2494102 and the title are what field reports show for such a request; they disagree on the
      // top-level code (100 or 131009), and Meta documents none, so this answers with the generic invalid-parameter 100.
      return jsonResponse(400, {
        error: {
          message: "Invalid parameter",
          type: "OAuthException",
          code: 100,
          error_subcode: 2494102,
          is_transient: false,
          error_user_title: "Uploaded Media Handle Is Invalid",
          error_user_msg: "The media handle in the header example is not valid. Upload the example with the Resumable Upload API and use the handle it returns.",
          fbtrace_id: fbtraceId(),
        },
      });
    }
    if (templates.has(templateKey(name, language))) {
      return jsonResponse(400, {
        error: {
          message: "Invalid parameter",
          type: "OAuthException",
          code: 100,
          error_subcode: 2388024,
          is_transient: false,
          error_user_title: "Content in This Language Already Exists",
          error_user_msg: `There is already ${language} content for this template. You can create a new template and try again.`,
          fbtrace_id: fbtraceId(),
        },
      });
    }
    const review = options.templateReviewMs;
    const state = addTemplate({
      name,
      language,
      category,
      parameter_format: body.parameter_format === "NAMED" ? "NAMED" : "POSITIONAL",
      components: components as SimulatorTemplate["components"],
      status: review === undefined ? "APPROVED" : "PENDING",
    });
    if (review !== undefined) schedule({ kind: "template", name, language, event: "APPROVED", reason: "NONE" }, clock.now().getTime() + review);
    return jsonResponse(200, { id: state.id, status: state.status, category });
  }

  // ---------------------------------------------------------------- Resumable Upload API

  /** An open upload session: what POST /{app-id}/uploads described, and the bytes received so far. */
  interface UploadSession {
    signature: string;
    fileType: string;
    fileLength: number;
    received: Buffer[];
    receivedLength: number;
    handle: string | null;
  }
  const uploadSessions = new Map<string, UploadSession>();
  /** Handles this simulator issued, with their file type: only these are accepted as a media header's example. */
  const uploadedHandles = new Map<string, string>();

  function isUploadedExample(format: string, example: unknown): boolean {
    const handles = isRecord(example) ? example.header_handle : undefined;
    if (!Array.isArray(handles) || handles.length !== 1 || typeof handles[0] !== "string") return false;
    const fileType = uploadedHandles.get(handles[0]);
    return fileType !== undefined && UPLOAD_FILE_TYPES[fileType] === format;
  }

  function startUpload(url: URL, objectId: string): Response {
    if (objectId !== appId) return graphMethodError("POST", objectId);
    const query = url.searchParams;
    const fileName = query.get("file_name") ?? "";
    const fileLength = query.get("file_length") ?? "";
    const fileType = query.get("file_type") ?? "";
    const invalid = (details: string) => jsonResponse(400, metaErrorBody(new MetaError(100, details)));
    if (fileName.trim() === "") return invalid("The parameter file_name is required.");
    if (!/^[1-9]\d{0,9}$/.test(fileLength)) return invalid("Param file_length must be a positive integer.");
    if (!(fileType in UPLOAD_FILE_TYPES)) return invalid(`Param file_type must be one of ${Object.keys(UPLOAD_FILE_TYPES).join(", ")}.`);
    const sessionId = randomBytes(24).toString("base64url");
    const signature = randomBytes(12).toString("base64url");
    uploadSessions.set(sessionId, { signature, fileType, fileLength: Number(fileLength), received: [], receivedLength: 0, handle: null });
    return jsonResponse(200, { id: `upload:${sessionId}?sig=${signature}` });
  }

  function sessionOf(url: URL, path: string): UploadSession | null {
    const session = uploadSessions.get(path.slice("upload:".length));
    return session && url.searchParams.get("sig") === session.signature ? session : null;
  }

  /** The data step: the token only as `Authorization: OAuth …`, never in the query; `file_offset` as a header. */
  function uploadData(request: Request, url: URL, path: string, body: Buffer): Response {
    const session = sessionOf(url, path);
    if (!session) return graphMethodError("POST", path);
    const invalid = (details: string) => jsonResponse(400, metaErrorBody(new MetaError(100, details)));
    // Meta documents no code for a wrong offset or an overlong body; these answer with the generic invalid-parameter 100.
    const offset = request.headers.get("file_offset");
    if (offset === null || !/^\d+$/.test(offset)) return invalid("The header file_offset is required.");
    if (Number(offset) !== session.receivedLength) return invalid(`file_offset ${offset} does not match the ${session.receivedLength} bytes received.`);
    if (session.receivedLength + body.length > session.fileLength) return invalid(`The upload is longer than the file_length of ${session.fileLength} bytes.`);
    session.received.push(body);
    session.receivedLength += body.length;
    if (session.receivedLength < session.fileLength) return jsonResponse(200, { id: `${path}?sig=${session.signature}`, file_offset: String(session.receivedLength) });
    session.handle ??= `4::${Buffer.from(session.fileType).toString("base64")}:AR${randomBytes(24).toString("base64url")}`;
    uploadedHandles.set(session.handle, session.fileType);
    return jsonResponse(200, { h: session.handle });
  }

  /** Resuming: GET /{session id} tells how many bytes arrived. */
  function uploadStatus(url: URL, path: string): Response {
    const session = sessionOf(url, path);
    if (!session) return graphMethodError("GET", path);
    return jsonResponse(200, { id: `${path}?sig=${session.signature}`, file_offset: String(session.receivedLength) });
  }

  // ---------------------------------------------------------------- HTTP surface

  function graphMethodError(method: string, objectId: string): Response {
    return jsonResponse(400, {
      error: {
        message: `Unsupported ${method.toLowerCase()} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: "GraphMethodException",
        code: 100,
        error_subcode: 33,
        fbtrace_id: fbtraceId(),
      },
    });
  }

  function tokenOf(request: Request, url: URL): string | null {
    const header = request.headers.get("authorization");
    const bearer = header && /^Bearer\s+(.+)$/i.exec(header.trim());
    return bearer ? bearer[1] : url.searchParams.get("access_token");
  }

  function invalidToken(): Response {
    return jsonResponse(401, { error: { message: INVALID_TOKEN, type: "OAuthException", code: 190, fbtrace_id: fbtraceId() } }, { "WWW-Authenticate": `OAuth "Facebook Platform" "invalid_token" "${INVALID_TOKEN}"` });
  }

  function phoneNumberNode(request: Request, url: URL, objectId: string): Response {
    if (tokenOf(request, url) !== accessToken) return invalidToken();
    if (objectId !== phoneNumberId) return graphMethodError("GET", objectId);
    const full: Record<string, unknown> = {
      verified_name: "Momento Demo",
      display_phone_number: `+${displayPhoneNumber}`,
      quality_rating: "GREEN",
      code_verification_status: "VERIFIED",
      platform_type: "CLOUD_API",
      id: phoneNumberId,
    };
    const fields = url.searchParams.get("fields")?.split(",").map((f) => f.trim()).filter(Boolean);
    return jsonResponse(200, fields ? Object.fromEntries(Object.entries(full).filter(([key]) => key === "id" || fields.includes(key))) : full);
  }

  async function handle(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const url = new URL(request.url);
    const uploads = /^\/(?:v\d+\.\d+\/)?(\d+)\/uploads\/?$/.exec(url.pathname);
    if (uploads && request.method === "POST") return tokenOf(request, url) === accessToken ? startUpload(url, uploads[1]) : invalidToken();
    const upload = /^\/(?:v\d+\.\d+\/)?(upload:[^/]+)$/.exec(url.pathname);
    if (upload && (request.method === "POST" || request.method === "GET")) {
      if (request.headers.get("authorization")?.trim() !== `OAuth ${accessToken}`) return invalidToken();
      return request.method === "GET" ? uploadStatus(url, upload[1]) : uploadData(request, url, upload[1], Buffer.from(await request.arrayBuffer()));
    }
    // GET /<PHONE_NUMBER_ID>: the number's own node, which onboarding reads to check the id and the token.
    const node = /^\/(?:v\d+\.\d+\/)?(\d+)\/?$/.exec(url.pathname);
    if (node && request.method === "GET") return phoneNumberNode(request, url, node[1]);
    const route = /^\/(?:v\d+\.\d+\/)?([^/]+)\/(messages|message_templates)\/?$/.exec(url.pathname);
    if (!route) {
      return jsonResponse(400, {
        error: { message: `Unknown path components: ${url.pathname}`, type: "OAuthException", code: 2500, fbtrace_id: fbtraceId() },
      });
    }
    const [, objectId, edge] = route;
    const rawBody = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();

    if (tokenOf(request, url) !== accessToken) {
      if (edge === "messages" && request.method === "POST") {
        let body: unknown = undefined;
        try {
          body = JSON.parse(rawBody);
        } catch {
          // the token check comes first; an unparseable body is irrelevant here
        }
        const summary = partialSend(body);
        rejected.push({ at: clock.now(), httpStatus: 401, code: 190, reason: INVALID_TOKEN, to: summary.to ?? null, template: summary.templateName ?? null, language: summary.language ?? null });
        options.onActivity?.({ kind: "rejected", code: 190, template: summary.templateName ?? null, language: summary.language ?? null });
      }
      return invalidToken();
    }

    if (edge === "messages" && objectId === phoneNumberId && request.method === "POST") return sendMessage(rawBody);
    if (edge === "message_templates" && objectId === wabaId && request.method === "GET") return listTemplates(url);
    if (edge === "message_templates" && objectId === wabaId && request.method === "POST") return createTemplate(rawBody);
    return graphMethodError(request.method, objectId);
  }

  // ---------------------------------------------------------------- webhooks

  function envelope(value: Record<string, unknown>): string {
    return JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: wabaId,
          changes: [
            {
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: displayPhoneNumber, phone_number_id: phoneNumberId },
                ...value,
              },
              field: "messages",
            },
          ],
        },
      ],
    });
  }

  // Statuses go out together (≤ 1,000 per POST, like Meta); an inbound message goes out alone, so one
  // POST never mixes kinds and the app sees events in the order they happened.
  /** message_template_status_update is a WABA-level field: no metadata, the entry id is the WABA. */
  function templateEnvelope(event: TemplateEvent): string {
    const state = templates.get(templateKey(event.name, event.language));
    return JSON.stringify({
      entry: [
        {
          id: wabaId,
          time: Math.floor(clock.now().getTime() / 1000),
          changes: [
            {
              value: {
                event: event.event,
                message_template_id: Number(state?.id ?? 0),
                message_template_name: event.name,
                message_template_language: event.language,
                reason: event.reason,
                message_template_category: state?.template.category ?? "UTILITY",
              },
              field: "message_template_status_update",
            },
          ],
        },
      ],
      object: "whatsapp_business_account",
    });
  }

  function* batches(due: ScheduledEvent[]): Generator<{ events: ScheduledEvent[]; rawBody: string }> {
    let statuses: ScheduledEvent[] = [];
    const statusBatch = () => ({
      events: statuses,
      rawBody: envelope({ statuses: statuses.map((e) => (e as StatusEvent).status) }),
    });
    for (const event of due) {
      if (event.kind === "status") {
        statuses.push(event);
        if (statuses.length === MAX_STATUSES_PER_WEBHOOK) {
          yield statusBatch();
          statuses = [];
        }
        continue;
      }
      if (statuses.length > 0) {
        yield statusBatch();
        statuses = [];
      }
      if (event.kind === "template") {
        yield { events: [event], rawBody: templateEnvelope(event) };
        continue;
      }
      yield { events: [event], rawBody: envelope({ contacts: [event.contact], messages: [event.message] }) };
    }
    if (statuses.length > 0) yield statusBatch();
  }

  function retryLater(events: ScheduledEvent[], now: number, error: unknown): void {
    const firstTriedAt = events[0].firstTriedAt ?? now;
    const attempt = events[0].attempt + 1;
    const dropped = now - firstTriedAt >= WEBHOOK_RETRY_FOR_MS;
    const message = error instanceof Error ? error.message : String(error);
    deliveryFailures.push({ at: new Date(now), events: events.length, attempt, error: message, dropped });
    options.onActivity?.({ kind: "webhook_failed", events: events.length, attempt, error: message, dropped });
    if (dropped) return;
    const delay = WEBHOOK_RETRY_DELAYS_MS[Math.min(attempt - 1, WEBHOOK_RETRY_DELAYS_MS.length - 1)];
    for (const event of events) queue.push({ ...event, attempt, firstTriedAt, dueAt: now + delay });
  }

  async function deliverDue(): Promise<number> {
    let delivered = 0;
    // Delivering can make the app act (a reply, a new send); whatever that makes due now goes out too.
    for (;;) {
      const now = clock.now().getTime();
      const due = queue.filter((e) => e.dueAt <= now);
      if (due.length === 0) return delivered;
      queue = queue.filter((e) => e.dueAt > now);
      due.sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
      // A review takes effect when it is due, whether or not its webhook gets through.
      for (const event of due) if (event.kind === "template" && event.attempt === 0) applyReview(event);
      for (const batch of batches(due)) {
        try {
          await options.deliverWebhook(batch.rawBody, signWhatsAppBody(batch.rawBody, appSecret));
          delivered += batch.events.length;
        } catch (error) {
          retryLater(batch.events, now, error);
        }
      }
    }
  }

  let flushing: Promise<unknown> = Promise.resolve();
  function flushDue(): Promise<number> {
    // One flush at a time, so webhooks never overtake each other.
    const run = flushing.then(deliverDue);
    flushing = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- the shopper's side

  function latestMessageTo(from: string, has: (message: SentMessage) => boolean): SentMessage | undefined {
    const key = recipientKey(from);
    for (let i = sent.length - 1; i >= 0; i--) {
      const message = sent[i];
      if (recipientKey(message.to) === key && message.asyncFailure === null && has(message)) return message;
    }
    return undefined;
  }

  function receive(from: string, content: Record<string, unknown>, record: Omit<InboundRecord, "wamid" | "from" | "at">): string {
    const now = clock.now().getTime();
    const key = recipientKey(from);
    const isPhone = PHONE.test(from.trim());
    const wamid = newWamid();
    const name = recipients.get(key)?.name ?? "Shopper";
    schedule(
      {
        kind: "inbound",
        contact: isPhone ? { profile: { name }, wa_id: key } : { profile: { name }, wa_id: "", user_id: key },
        message: {
          ...(isPhone ? { from: key } : { from: "", from_user_id: key }),
          id: wamid,
          timestamp: unixSeconds(now),
          ...content,
        },
      },
      now,
    );
    inbound.push({ wamid, from: key, at: new Date(now), ...record });
    lastInboundAt.set(key, now);
    return wamid;
  }

  function reply(from: string, text: string): string {
    return receive(from, { text: { body: text }, type: "text" }, { type: "text", text });
  }

  function tapButton(from: string, index: number): boolean {
    const message = latestMessageTo(from, (m) => m.buttons.some((b) => b.type === "QUICK_REPLY"));
    const button = message?.buttons.find((b) => b.index === index && b.type === "QUICK_REPLY");
    if (!message || !button) return false;
    const payload = button.payload ?? button.text;
    receive(
      from,
      { context: { from: displayPhoneNumber, id: message.wamid }, type: "button", button: { payload, text: button.text } },
      { type: "button", text: button.text, payload, contextWamid: message.wamid },
    );
    return true;
  }

  function click(from: string): string | null {
    return latestMessageTo(from, (m) => m.buttons.some((b) => b.type === "URL"))?.buttons.find((b) => b.type === "URL")?.url ?? null;
  }

  // ---------------------------------------------------------------- configuration

  function setRecipient(phone: string, behaviour: RecipientBehaviour): void {
    const key = recipientKey(phone);
    recipients.set(key, { ...recipients.get(key), ...behaviour });
  }

  function setTemplateStatus(name: string, language: string, status: TemplateStatus): void {
    const state = templates.get(templateKey(name, language));
    if (!state) throw new Error(`the simulator has no template ${name} (${language})`);
    state.status = status;
  }

  function applyReview(event: TemplateEvent): void {
    const state = templates.get(templateKey(event.name, event.language));
    if (state) state.status = event.event;
  }

  function reviewTemplate(name: string, language: string, event: TemplateStatus, reason = "NONE"): void {
    if (!templates.has(templateKey(name, language))) throw new Error(`the simulator has no template ${name} (${language})`);
    // A decision now replaces a review still pending for the same template.
    queue = queue.filter((e) => !(e.kind === "template" && e.name === name && e.language === language));
    schedule({ kind: "template", name, language, event, reason }, clock.now().getTime());
  }

  function reset(): void {
    sent = [];
    rejected = [];
    inbound = [];
    deliveryFailures = [];
    queue = [];
    recipients = new Map();
    lastAcceptedAt = new Map();
    lastInboundAt = new Map();
    for (const state of templates.values()) state.status = state.initialStatus;
  }

  return {
    fetch: handle,
    flushDue,
    nextDueAt: () => (queue.length === 0 ? null : new Date(queue.reduce((min, e) => Math.min(min, e.dueAt), Infinity))),
    setRecipient,
    setTemplateStatus,
    reviewTemplate,
    reply,
    tapButton,
    click,
    get sent() {
      return sent;
    },
    get rejected() {
      return rejected;
    },
    get inbound() {
      return inbound;
    },
    get deliveryFailures() {
      return deliveryFailures;
    },
    reset,
  };
}
