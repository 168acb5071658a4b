import { z } from "zod";
import type { DeliveryStatus, InboundMessage, ParsedWebhook, Receiver, StatusUpdate, TemplateStatusUpdate, UserPreferenceUpdate } from "./types";

// Meta's webhook payloads (API-FACTS.md A4). Objects are lenient about extra fields (z.object drops
// them) and strict about the fields we read.

const unixSeconds = z
  .string()
  .regex(/^\d+$/, "expected unix seconds")
  .transform((s) => new Date(Number(s) * 1000));

// user_preferences sends the timestamp as a number, messages as a string.
const unixSecondsStringOrNumber = z.union([z.number().int().nonnegative().transform((n) => new Date(n * 1000)), unixSeconds]);

const webhookError = z
  .object({
    code: z.number().int(),
    title: z.string().optional(),
    message: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
  })
  .transform((e) => ({
    code: e.code,
    title: e.title ?? e.message ?? `Meta error ${e.code}`,
    ...(e.error_data?.details !== undefined ? { details: e.error_data.details } : {}),
  }));

// Which business number a change reached; webhook-secret.ts chose the app secret by the same field.
const metadata = z.object({ phone_number_id: z.string().optional() }).optional();

const contact = z.object({ wa_id: z.string().optional(), user_id: z.string().optional() });
type Contact = z.infer<typeof contact>;

const DELIVERY_STATUSES: readonly string[] = ["sent", "delivered", "read", "failed"] satisfies DeliveryStatus[];

const statusKind = z.object({ status: z.string() });

const status = z.object({
  id: z.string().min(1),
  status: z.enum(["sent", "delivered", "read", "failed"]),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(webhookError).optional(),
  pricing: z.object({ category: z.string().optional() }).optional(),
});

const inboundMessage = z.object({
  id: z.string().min(1),
  from: z.string().optional(),
  from_user_id: z.string().optional(),
  timestamp: unixSeconds,
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
    })
    .optional(),
  context: z.object({ id: z.string().optional() }).optional(),
});

const messagesValue = z.object({
  metadata,
  contacts: z.array(contact).optional(),
  // Statuses are checked one by one so that new kinds ("played", "deleted", …) are skipped, not errors.
  statuses: z.array(statusKind.loose()).optional(),
  messages: z.array(inboundMessage).optional(),
  errors: z.array(webhookError).optional(),
});

const userPreference = z.object({
  wa_id: z.string(),
  user_id: z.string().optional(),
  category: z.string(),
  value: z.string(),
  timestamp: unixSecondsStringOrNumber,
});

const userPreferencesValue = z.object({
  metadata,
  contacts: z.array(contact).optional(),
  user_preferences: z.array(userPreference),
});

// message_template_status_update (API-FACTS.md A4): the template id arrives as a number.
const templateStatusValue = z.object({
  event: z.string().min(1),
  message_template_id: z.union([z.number(), z.string()]).optional(),
  message_template_name: z.string().min(1),
  message_template_language: z.string().min(1),
  message_template_category: z.string().optional(),
  reason: z.string().nullable().optional(),
});

const envelope = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

export type ParseWebhookResult = { ok: true; value: ParsedWebhook } | { ok: false; reason: string };

/** Validates one POST body from Meta (any number of entries and changes) and flattens what Momento uses. */
export function parseWhatsAppWebhook(body: unknown): ParseWebhookResult {
  const parsedEnvelope = envelope.safeParse(body);
  if (!parsedEnvelope.success) return { ok: false, reason: describeIssue(parsedEnvelope.error, "body") };

  const result: ParsedWebhook = { statuses: [], inbound: [], userPreferences: [], templateStatuses: [], errors: [] };
  for (const [entryIndex, entry] of parsedEnvelope.data.entry.entries()) {
    for (const [changeIndex, change] of entry.changes.entries()) {
      const at = `body.entry[${entryIndex}].changes[${changeIndex}].value`;
      const failure = addChange(result, entry.id, change.field, change.value, at);
      if (failure) return { ok: false, reason: failure };
    }
  }
  return { ok: true, value: result };
}

/** Adds one change to the result; returns a reason when a field we use is malformed. */
function addChange(result: ParsedWebhook, entryId: string, field: string, value: unknown, at: string): string | undefined {
  if (field === "messages") return addMessagesChange(result, entryId, value, at);
  if (field === "user_preferences") return addUserPreferencesChange(result, entryId, value, at);
  if (field === "message_template_status_update") return addTemplateStatusChange(result, entryId, value, at);
  // Template quality/category updates and other fields are not used here.
  return undefined;
}

function addTemplateStatusChange(result: ParsedWebhook, wabaId: string, value: unknown, at: string): string | undefined {
  const parsed = templateStatusValue.safeParse(value);
  if (!parsed.success) return describeIssue(parsed.error, at);
  const v = parsed.data;
  const update: TemplateStatusUpdate = {
    wabaId,
    event: v.event.toUpperCase(),
    name: v.message_template_name,
    language: v.message_template_language,
    category: v.message_template_category ?? null,
    reason: v.reason ?? null,
    metaId: v.message_template_id !== undefined ? String(v.message_template_id) : null,
  };
  result.templateStatuses.push(update);
  return undefined;
}

/** A change without a phone number id is attributed to its entry's WABA, as the signature check did. */
function receiverOf(wabaId: string, meta: z.infer<typeof metadata>): Receiver {
  const phoneNumberId = meta?.phone_number_id;
  return { phoneNumberId: phoneNumberId === undefined || phoneNumberId === "" ? null : phoneNumberId, wabaId };
}

function addMessagesChange(result: ParsedWebhook, wabaId: string, value: unknown, at: string): string | undefined {
  const parsed = messagesValue.safeParse(value);
  if (!parsed.success) return describeIssue(parsed.error, at);
  const contacts = parsed.data.contacts ?? [];
  const receivedBy = receiverOf(wabaId, parsed.data.metadata);

  for (const [index, raw] of (parsed.data.statuses ?? []).entries()) {
    if (!DELIVERY_STATUSES.includes(raw.status)) continue;
    const known = status.safeParse(raw);
    if (!known.success) return describeIssue(known.error, `${at}.statuses[${index}]`);
    result.statuses.push(toStatusUpdate(known.data, contacts, receivedBy));
  }
  for (const message of parsed.data.messages ?? []) result.inbound.push(toInboundMessage(message, contacts, receivedBy));
  result.errors.push(...(parsed.data.errors ?? []));
  return undefined;
}

function addUserPreferencesChange(result: ParsedWebhook, wabaId: string, value: unknown, at: string): string | undefined {
  const parsed = userPreferencesValue.safeParse(value);
  if (!parsed.success) return describeIssue(parsed.error, at);
  const contacts = parsed.data.contacts ?? [];
  const receivedBy = receiverOf(wabaId, parsed.data.metadata);
  for (const preference of parsed.data.user_preferences) result.userPreferences.push(toUserPreference(preference, contacts, receivedBy));
  return undefined;
}

function toStatusUpdate(s: z.infer<typeof status>, contacts: Contact[], receivedBy: Receiver): StatusUpdate {
  const recipientId = s.recipient_id ?? "";
  const userId = s.recipient_user_id ?? userIdOf(recipientId, contacts);
  return {
    receivedBy,
    waMessageId: s.id,
    status: s.status,
    timestamp: s.timestamp,
    recipientId,
    ...(userId !== undefined ? { userId } : {}),
    ...(s.biz_opaque_callback_data !== undefined ? { bizOpaqueCallbackData: s.biz_opaque_callback_data } : {}),
    errors: s.errors ?? [],
    ...(s.pricing?.category !== undefined ? { pricingCategory: s.pricing.category } : {}),
  };
}

function toInboundMessage(m: z.infer<typeof inboundMessage>, contacts: Contact[], receivedBy: Receiver): InboundMessage {
  const from = m.from ?? "";
  const userId = m.from_user_id ?? userIdOf(from, contacts);
  const reply = replyOf(m);
  return {
    receivedBy,
    waMessageId: m.id,
    from,
    ...(userId !== undefined ? { userId } : {}),
    timestamp: m.timestamp,
    type: m.type,
    ...(m.type === "text" && m.text ? { text: m.text.body } : {}),
    ...(reply.payload !== undefined ? { buttonPayload: reply.payload } : {}),
    ...(reply.text !== undefined ? { buttonText: reply.text } : {}),
    ...(m.context?.id !== undefined ? { contextWaMessageId: m.context.id } : {}),
  };
}

/** Template quick-reply taps arrive as type "button", reply buttons as interactive button_reply. */
function replyOf(m: z.infer<typeof inboundMessage>): { payload?: string; text?: string } {
  if (m.type === "button" && m.button) return { payload: m.button.payload, text: m.button.text };
  if (m.type === "interactive" && m.interactive?.type === "button_reply" && m.interactive.button_reply) {
    return { payload: m.interactive.button_reply.id, text: m.interactive.button_reply.title };
  }
  return {};
}

function toUserPreference(p: z.infer<typeof userPreference>, contacts: Contact[], receivedBy: Receiver): UserPreferenceUpdate {
  const userId = p.user_id ?? userIdOf(p.wa_id, contacts);
  return {
    receivedBy,
    waId: p.wa_id,
    ...(userId !== undefined ? { userId } : {}),
    category: p.category,
    value: p.value,
    timestamp: p.timestamp,
  };
}

/**
 * The business-scoped user id for a phone as listed in the change's contacts. A username user has an
 * empty phone, so an empty phone only matches when the change names a single contact.
 */
function userIdOf(waId: string, contacts: Contact[]): string | undefined {
  if (waId !== "") return contacts.find((c) => c.wa_id === waId)?.user_id;
  return contacts.length === 1 ? contacts[0].user_id : undefined;
}

/** The first validation problem with its path; zod's messages name types, never the received values. */
function describeIssue(error: z.ZodError, at: string): string {
  const issue = error.issues[0];
  const path = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
  return `${at}${path}: ${issue.message}`;
}
