// The Cloud API calls onboarding needs: the business phone number's node (proves the phone number id
// and the token), the WABA's template list (proves the WABA id; also the template sync) and the template
// submission. Answers are reduced to what the merchant needs to hear; Meta's own messages can echo request
// values, so only the error code is kept.
import { z } from "zod";
import type { TemplateDefinition } from "../templates/catalogue";
import { parseTemplatePage, type RemoteTemplate } from "../templates/whatsapp-templates";

export interface GraphTarget {
  baseUrl: string;
  apiVersion: string;
  accessToken: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type GraphFailure = { ok: false; kind: "meta"; code: number; subcode: number | null; httpStatus: number } | { ok: false; kind: "network" } | { ok: false; kind: "unexpected"; httpStatus: number };

const errorBody = z.object({ error: z.object({ code: z.number().int(), error_subcode: z.number().int().optional() }) });

async function graphGet(target: GraphTarget, path: string, query: Record<string, string>): Promise<{ ok: true; json: unknown } | GraphFailure> {
  const url = new URL(`${target.baseUrl.replace(/\/+$/, "")}/${target.apiVersion}/${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return graphCall(target, url.toString());
}

/** A POST: a JSON body, or raw bytes with their own headers (the Resumable Upload API's data step). */
type GraphPost = { body: unknown } | { bytes: Uint8Array<ArrayBuffer>; headers: Record<string, string> };

async function graphCall(target: GraphTarget, url: string, post?: GraphPost): Promise<{ ok: true; json: unknown } | GraphFailure> {
  let response: Response;
  let text: string;
  const auth = { Authorization: `Bearer ${target.accessToken}` };
  try {
    response = await (target.fetch ?? globalThis.fetch)(url, {
      ...(post ? { method: "POST", body: "bytes" in post ? post.bytes : JSON.stringify(post.body) } : {}),
      headers: !post ? auth : "bytes" in post ? { ...auth, ...post.headers } : { ...auth, "Content-Type": "application/json" },
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
    text = await response.text();
  } catch {
    return { ok: false, kind: "network" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, kind: "unexpected", httpStatus: response.status };
  }
  if (response.ok) return { ok: true, json };
  const error = errorBody.safeParse(json);
  if (!error.success) return { ok: false, kind: "unexpected", httpStatus: response.status };
  return { ok: false, kind: "meta", code: error.data.error.code, subcode: error.data.error.error_subcode ?? null, httpStatus: response.status };
}

/** Which form field a failure points at, for an inline error. */
export type CredentialField = "accessToken" | "phoneNumberId" | "wabaId" | null;

export type CredentialCheck =
  | { ok: true; displayPhone: string | null; verifiedName: string | null }
  | { ok: false; field: CredentialField; failure: GraphFailure };

const phoneNode = z.object({ id: z.string(), display_phone_number: z.string().optional(), verified_name: z.string().optional() });

/** Code 100 with subcode 33: "Object with ID … does not exist" — the id in the path is wrong (or not this token's). */
const isUnknownObject = (f: GraphFailure) => f.kind === "meta" && (f.code === 100 || f.code === 803) && (f.subcode === 33 || f.subcode === null);
const isTokenProblem = (f: GraphFailure) => f.kind === "meta" && (f.code === 190 || f.code === 102 || f.code === 0);

export async function checkCredentials(target: GraphTarget, ids: { phoneNumberId: string; wabaId: string }): Promise<CredentialCheck> {
  const phone = await graphGet(target, encodeURIComponent(ids.phoneNumberId), { fields: "display_phone_number,verified_name" });
  if (!phone.ok) {
    if (isTokenProblem(phone)) return { ok: false, field: "accessToken", failure: phone };
    if (isUnknownObject(phone)) return { ok: false, field: "phoneNumberId", failure: phone };
    return { ok: false, field: null, failure: phone };
  }
  const node = phoneNode.safeParse(phone.json);
  const templates = await graphGet(target, `${encodeURIComponent(ids.wabaId)}/message_templates`, { limit: "1", fields: "name" });
  if (!templates.ok) {
    if (isTokenProblem(templates)) return { ok: false, field: "accessToken", failure: templates };
    if (isUnknownObject(templates)) return { ok: false, field: "wabaId", failure: templates };
    return { ok: false, field: null, failure: templates };
  }
  return { ok: true, displayPhone: node.success ? (node.data.display_phone_number ?? null) : null, verifiedName: node.success ? (node.data.verified_name ?? null) : null };
}

const MAX_PAGES = 20;

/**
 * Every template of the WABA (all pages, up to 20 × 100). A list that cannot be read to its end is a failure:
 * the sync replaces the stored list, and a template missing from it pauses its flows.
 */
export async function fetchTemplates(target: GraphTarget, wabaId: string): Promise<{ ok: true; templates: RemoteTemplate[] } | GraphFailure> {
  const templates: RemoteTemplate[] = [];
  let page = await graphGet(target, `${encodeURIComponent(wabaId)}/message_templates`, { limit: "100", fields: "name,language,status,category,components,rejected_reason" });
  for (let n = 1; ; n++) {
    if (!page.ok) return page;
    const parsed = parseTemplatePage(page.json);
    if (!parsed.ok) return { ok: false, kind: "unexpected", httpStatus: 200 };
    templates.push(...parsed.templates);
    if (!parsed.next) break;
    // Only follow a next page on the host we asked: a cursor must not send the token elsewhere.
    if (n >= MAX_PAGES || !URL.canParse(parsed.next) || new URL(parsed.next).origin !== new URL(target.baseUrl).origin) return { ok: false, kind: "unexpected", httpStatus: 200 };
    page = await graphCall(target, parsed.next);
  }
  templates.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
  return { ok: true, templates };
}

const createdBody = z.object({ id: z.string(), status: z.string(), category: z.string().optional() });

/** POST /{waba-id}/message_templates: submits one template for Meta's review (API-FACTS.md A5). */
export async function createTemplate(target: GraphTarget, wabaId: string, template: TemplateDefinition): Promise<{ ok: true; id: string; status: string; category: string } | GraphFailure> {
  const url = `${target.baseUrl.replace(/\/+$/, "")}/${target.apiVersion}/${encodeURIComponent(wabaId)}/message_templates`;
  const answer = await graphCall(target, url, { body: template });
  if (!answer.ok) return answer;
  const created = createdBody.safeParse(answer.json);
  if (!created.success) return { ok: false, kind: "unexpected", httpStatus: 200 };
  return { ok: true, id: created.data.id, status: created.data.status.toUpperCase(), category: created.data.category ?? template.category };
}

export interface UploadFile {
  fileName: string;
  mimeType: string;
  bytes: Uint8Array<ArrayBuffer>;
}

// Appended to the API path as it is: no whitespace, fragment or parent segment can steer the call elsewhere.
const uploadSession = z.object({ id: z.string().regex(/^upload:[^\s#]+$/).refine((id) => !id.includes("..")) });
const uploadedHandle = z.object({ h: z.string().min(1) });

/**
 * Uploads a file through Meta's Resumable Upload API (docs/templates.md) and returns its handle, which a template's
 * media header takes as its example: POST /{app-id}/uploads opens a session for the file's name, length and type;
 * POST /{session id} with `file_offset: 0` and the bytes (token as `Authorization: OAuth`) answers `{h}`.
 */
export async function uploadFile(target: GraphTarget, appId: string, file: UploadFile): Promise<{ ok: true; handle: string } | GraphFailure> {
  const base = `${target.baseUrl.replace(/\/+$/, "")}/${target.apiVersion}`;
  const start = new URL(`${base}/${encodeURIComponent(appId)}/uploads`);
  start.searchParams.set("file_name", file.fileName);
  start.searchParams.set("file_length", String(file.bytes.length));
  start.searchParams.set("file_type", file.mimeType);
  const opened = await graphCall(target, start.toString(), { bytes: new Uint8Array(0), headers: {} });
  if (!opened.ok) return opened;
  const session = uploadSession.safeParse(opened.json);
  if (!session.success) return { ok: false, kind: "unexpected", httpStatus: 200 };
  // The session id is used as Meta gives it: it may carry its own query (`upload:…?sig=…`).
  const sent = await graphCall(target, `${base}/${session.data.id}`, {
    bytes: file.bytes,
    headers: { Authorization: `OAuth ${target.accessToken}`, file_offset: "0", "Content-Type": file.mimeType },
  });
  if (!sent.ok) return sent;
  const uploaded = uploadedHandle.safeParse(sent.json);
  if (!uploaded.success) return { ok: false, kind: "unexpected", httpStatus: 200 };
  return { ok: true, handle: uploaded.data.h };
}
