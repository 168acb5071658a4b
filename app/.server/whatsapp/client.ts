import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
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
  /** Instead of node:http (tests, the in-process simulator). */
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

type Post = (url: string, headers: Record<string, string>, body: string, signal: AbortSignal) => Promise<{ status: number; text: string }>;

function fetchPost(doFetch: typeof fetch): Post {
  return async (url, headers, body, signal) => {
    const response = await doFetch(url, { method: "POST", headers, body, signal });
    return { status: response.status, text: await response.text() };
  };
}

/**
 * POST through node:http(s) on kept-alive connections: about a third of fetch's CPU per call, which shows when one
 * worker sends up to 1,000 messages a second (issue #8).
 */
function nodePost(url: string): Post {
  const secure = new URL(url).protocol === "https:";
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const request = secure ? httpsRequest : httpRequest;
  return (target, headers, body, signal) =>
    new Promise((resolve, reject) => {
      const call = request(target, { method: "POST", agent, signal, headers: { ...headers, "Content-Length": Buffer.byteLength(body) } }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        response.on("error", reject);
        // Cut off before its end (the timeout, a reset): no 'end' follows.
        response.on("close", () => (response.complete ? undefined : reject(signal.reason ?? new Error("response cut off"))));
      });
      call.on("error", reject);
      call.end(body);
    });
}

export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const url = messagesUrl(options);
  const send = options.fetch ? fetchPost(options.fetch) : nodePost(url);
  const headers = { Authorization: `Bearer ${options.accessToken}`, "Content-Type": "application/json" };

  async function post(body: Record<string, unknown>): Promise<SendResult> {
    const signal = AbortSignal.timeout(timeoutMs);
    let answer: { status: number; text: string };
    try {
      answer = await send(url, headers, JSON.stringify(body), signal);
    } catch (error) {
      return transportFailure(error, timeoutMs, signal);
    }
    return interpretResponse(answer.status, answer.text);
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

function transportFailure(error: unknown, timeoutMs: number, signal: AbortSignal): SendResult {
  const timedOut = signal.aborted || (error instanceof Error && error.name === "TimeoutError");
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
