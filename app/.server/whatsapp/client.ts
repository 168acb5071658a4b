import { z } from "zod";
import { classifyMetaError } from "./errors";
import type { SendResult, TemplateSend, TextSend, WhatsAppSender } from "./types";

export interface WhatsAppClientOptions {
  /** e.g. https://graph.facebook.com, or the local simulator. */
  baseUrl: string;
  /** e.g. v23.0 */
  apiVersion: string;
  phoneNumberId: string;
  accessToken: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

const sendSuccessBody = z.object({
  contacts: z.array(z.object({ wa_id: z.string().optional() })).optional(),
  messages: z.array(z.object({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

const metaErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().optional(),
    code: z.number().int(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    error_subcode: z.number().int().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** The Cloud API request body for a template message (API-FACTS.md A1). */
export function templateRequestBody(message: TemplateSend): Record<string, unknown> {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to,
    type: "template",
    template: {
      name: message.template,
      language: { policy: "deterministic", code: message.language },
      // Templates without variables are sent without components.
      ...(message.components.length > 0 ? { components: message.components } : {}),
    },
    ...(message.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
  };
}

/** The Cloud API request body for a free-form text message (API-FACTS.md A1, type "text"). */
export function textRequestBody(message: TextSend): Record<string, unknown> {
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to,
    type: "text",
    text: { preview_url: true, body: message.body },
    ...(message.bizOpaqueCallbackData !== undefined ? { biz_opaque_callback_data: message.bizOpaqueCallbackData } : {}),
  };
}

export function messagesUrl(options: Pick<WhatsAppClientOptions, "baseUrl" | "apiVersion" | "phoneNumberId">): string {
  return `${options.baseUrl.replace(/\/+$/, "")}/${options.apiVersion}/${options.phoneNumberId}/messages`;
}

export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppSender {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = messagesUrl(options);

  async function post(body: Record<string, unknown>): Promise<SendResult> {
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: { Authorization: `Bearer ${options.accessToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      return transportFailure(error, timeoutMs);
    }
    return interpretResponse(response.status, text);
  }

  return {
    sendTemplate: (message) => post(templateRequestBody(message)),
    sendText: (message) => post(textRequestBody(message)),
  };
}

/** Turns Meta's HTTP answer into a SendResult; pure so it can be tested without fetch. */
export function interpretResponse(httpStatus: number, text: string): SendResult {
  const json = parseJson(text);
  if (httpStatus >= 200 && httpStatus < 300) {
    const success = sendSuccessBody.safeParse(json);
    if (!success.success) {
      // The message may have been accepted: sending again could duplicate it.
      return { ok: false, code: null, retry: "never", reason: `Meta answered HTTP ${httpStatus} with an unexpected body`, httpStatus };
    }
    const waId = success.data.contacts?.[0]?.wa_id;
    const { id, message_status } = success.data.messages[0];
    return {
      ok: true,
      waMessageId: id,
      ...(waId ? { waId } : {}),
      ...(message_status !== undefined ? { messageStatus: message_status } : {}),
    };
  }

  const failure = metaErrorBody.safeParse(json);
  if (!failure.success) return { ok: false, code: null, httpStatus, ...classifyMetaError(null, httpStatus) };
  const { code, fbtrace_id } = failure.data.error;
  // Meta's own message/details can echo request values, so the reason comes from our table only.
  return {
    ok: false,
    code,
    httpStatus,
    ...classifyMetaError(code, httpStatus),
    ...(fbtrace_id !== undefined ? { fbtraceId: fbtrace_id } : {}),
  };
}

function transportFailure(error: unknown, timeoutMs: number): SendResult {
  const timedOut = error instanceof Error && error.name === "TimeoutError";
  const reason = timedOut ? `No answer from Meta within ${timeoutMs} ms` : "Network error reaching Meta";
  return { ok: false, code: null, httpStatus: null, retry: classifyMetaError(null, null).retry, reason };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
