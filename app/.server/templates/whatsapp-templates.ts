// A shop's WhatsApp templates as Meta last reported them (WhatsAppTemplate): written by a sync of the WABA's
// template list and kept current by message_template_status_update webhooks (API-FACTS.md A4, A5). The
// send-time gate reads them: a shop that never synced pauses nothing; after a sync, a template that is not
// APPROVED in the message's language (or is missing) pauses its messages with reason template_not_approved —
// unless the same template is APPROVED, with the same placeholders and buttons, in the shop's language or in
// English: then the message goes out in that language with the same parameters (reason language_fallback).
import { z } from "zod";
import type { Db, DbTx } from "../db";
import { templateFits } from "../settings/form";
import type { SyncedTemplate } from "../settings/schema";
import type { HeaderFormat } from "./media-header";
import type { TemplateStatusUpdate } from "../whatsapp/types";
import { catalogueShape, placeholderCount, TEMPLATE_LANGUAGES, templateLanguage, type TemplateLanguage } from "./catalogue";

/** One template of the WABA's list, as stored. */
export interface RemoteTemplate {
  name: string;
  language: string;
  category: string;
  status: string;
  /** Meta's components array, kept whole (JSON) for previews and the shape check of mapped templates. */
  components: unknown[];
  rejectedReason: string | null;
  metaId: string | null;
}

const component = z
  .object({
    type: z.string(),
    format: z.string().optional(),
    text: z.string().optional(),
    buttons: z.array(z.object({ type: z.string(), text: z.string(), url: z.string().optional() }).loose()).optional(),
  })
  .loose();

const templatePage = z.object({
  data: z.array(
    z.object({
      name: z.string(),
      language: z.string(),
      status: z.string(),
      category: z.string(),
      id: z.string().optional(),
      components: z.array(component).default([]),
      // "NONE" while nothing was rejected.
      rejected_reason: z.string().optional(),
    }),
  ),
  paging: z.object({ next: z.string().optional() }).optional(),
});

export type TemplatePage = { ok: true; templates: RemoteTemplate[]; next: string | null } | { ok: false; reason: string };

/** One page of GET /{waba-id}/message_templates (fixtures template_list_*). */
export function parseTemplatePage(json: unknown): TemplatePage {
  const parsed = templatePage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue.path.join(".") || "body"}: ${issue.message}` };
  }
  return {
    ok: true,
    next: parsed.data.paging?.next ?? null,
    templates: parsed.data.data.map((t) => ({
      name: t.name,
      language: t.language,
      category: t.category,
      status: t.status.toUpperCase(),
      components: t.components,
      rejectedReason: t.rejected_reason && t.rejected_reason !== "NONE" ? t.rejected_reason : null,
      metaId: t.id ?? null,
    })),
  };
}

/** What previews and the template mapping read: the header's format, the body, its placeholder count and the buttons. */
export function toSyncedTemplate(t: Pick<RemoteTemplate, "name" | "language" | "category" | "status" | "components">): SyncedTemplate {
  const components = z.array(component).catch([]).parse(t.components);
  const body = components.find((c) => c.type === "BODY")?.text ?? "";
  const buttons = (components.find((c) => c.type === "BUTTONS")?.buttons ?? []).map((b) => ({ type: b.type, text: b.text, ...(b.url !== undefined ? { url: b.url } : {}) }));
  const header = components.find((c) => c.type === "HEADER");
  return {
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    body,
    parameters: placeholderCount(body),
    buttons,
    header: headerFormatOf(header?.format, header !== undefined),
    ...(header?.text ? { headerParameters: placeholderCount(header.text) } : {}),
  };
}

/** Meta's header format ("IMAGE", "image", absent for a text header in some answers) as SyncedTemplate keeps it. */
function headerFormatOf(format: string | undefined, present: boolean): HeaderFormat {
  if (!present) return "none";
  const upper = (format ?? "TEXT").toUpperCase();
  // LOCATION headers and formats Meta may add later need content Momento never has: treated like a document.
  return upper === "TEXT" || upper === "IMAGE" || upper === "VIDEO" ? upper : "DOCUMENT";
}

// ---------------------------------------------------------------------------------------------
// Status: webhook events and what they mean for sending
// ---------------------------------------------------------------------------------------------

/**
 * The template's status after a message_template_status_update `event`, or null when the event says nothing
 * about whether it can be sent (the next sync tells). FLAGGED and REINSTATED leave or put it APPROVED
 * (Meta: a flagged template is still approved until disabled); UNARCHIVED returns it to a status the event
 * does not name.
 */
export function statusAfterEvent(event: string): string | null {
  switch (event.toUpperCase()) {
    case "APPROVED":
    case "REINSTATED":
    case "FLAGGED":
      return "APPROVED";
    case "PENDING":
    case "REJECTED":
    case "PAUSED":
    case "DISABLED":
    case "IN_APPEAL":
    case "PENDING_DELETION":
    case "ARCHIVED":
    case "DELETED":
    case "LIMIT_EXCEEDED":
      return event.toUpperCase();
    default:
      return null;
  }
}

/**
 * Whether a template may be used right now, for the gate and the Automations page. `parameters`: the body's
 * placeholders as synced, where the sync brought the body (a row created by a status webhook has none).
 */
export type TemplateApproval =
  | { state: "not_synced" }
  | { state: "approved"; parameters?: number }
  /** status MISSING: the last sync did not list the template in that language. */
  | {
      state: "not_approved";
      status: string;
      rejectedReason: string | null;
      /** Another language the same template is APPROVED in and fits (send time only). */
      fallback?: { language: string; parameters?: number };
    };

/** The body placeholders of a stored template row (its components JSON), or undefined when the row has no body. */
export function syncedParameters(components: string): { parameters?: number } {
  const synced = toSyncedTemplate({ name: "", language: "", category: "", status: "", components: parseJsonArray(components) });
  return synced.body === "" ? {} : { parameters: synced.parameters };
}

export function templateApproval(syncedAt: Date | null, row: { status: string; rejectedReason: string | null; components?: string } | null): TemplateApproval {
  if (syncedAt === null) return { state: "not_synced" };
  if (row === null) return { state: "not_approved", status: "MISSING", rejectedReason: null };
  if (row.status === "APPROVED") return { state: "approved", ...(row.components !== undefined ? syncedParameters(row.components) : {}) };
  return { state: "not_approved", status: row.status, rejectedReason: row.rejectedReason };
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

export interface ShopTemplates {
  syncedAt: Date | null;
  templates: (SyncedTemplate & { rejectedReason: string | null; updatedAt: Date })[];
}

export async function loadShopTemplates(db: DbTx, shop: string): Promise<ShopTemplates> {
  const [connection, rows] = await Promise.all([
    db.whatsAppConnection.findUnique({ where: { shop }, select: { templatesSyncedAt: true } }),
    db.whatsAppTemplate.findMany({ where: { shop }, orderBy: [{ name: "asc" }, { language: "asc" }] }),
  ]);
  return {
    syncedAt: connection?.templatesSyncedAt ?? null,
    templates: rows.map((row) => ({ ...toSyncedTemplate({ ...row, components: parseJsonArray(row.components) }), rejectedReason: row.rejectedReason, updatedAt: row.updatedAt })),
  };
}

/**
 * The language to send a template in when it is not approved in the message's `language`: the shop's template
 * language, else English, where the same template is APPROVED and has the same placeholders and buttons as in
 * `language` (as synced, else as the catalogue suggests it). Null when none fits: the message is not sent.
 */
export function fallbackLanguage(rows: readonly SyncedTemplate[], name: string, language: string, shopLocale: string | null): string | null {
  const own = rows.find((t) => t.name === name && t.language === language && t.body !== "");
  const reference = own ?? ((TEMPLATE_LANGUAGES as readonly string[]).includes(language) ? catalogueShape(name, language as TemplateLanguage) : null);
  if (!reference) return null;
  for (const candidate of new Set([templateLanguage(null, shopLocale), "en"])) {
    if (candidate === language) continue;
    const row = rows.find((t) => t.name === name && t.language === candidate && t.status === "APPROVED");
    if (row && templateFits(row, reference) && (row.header ?? "none") === (reference.header ?? "none")) return candidate;
  }
  return null;
}

/**
 * The approval of one template for the send-time gate: two indexed reads; where it is not approved, also the
 * language it can go out in instead (the template's other languages and the shop's locale).
 */
export async function loadTemplateApproval(db: DbTx, shop: string, name: string, language: string): Promise<TemplateApproval> {
  const connection = await db.whatsAppConnection.findUnique({ where: { shop }, select: { templatesSyncedAt: true } });
  if (!connection?.templatesSyncedAt) return { state: "not_synced" };
  const own = await db.whatsAppTemplate.findUnique({ where: { shop_name_language: { shop, name, language } }, select: { status: true, rejectedReason: true, components: true } });
  const approval = templateApproval(connection.templatesSyncedAt, own);
  if (approval.state !== "not_approved") return approval;
  const [rows, shopRow] = await Promise.all([
    db.whatsAppTemplate.findMany({ where: { shop, name } }),
    db.shop.findUnique({ where: { domain: shop }, select: { locale: true } }),
  ]);
  const synced = rows.map((row) => toSyncedTemplate({ ...row, components: parseJsonArray(row.components) }));
  const fallback = fallbackLanguage(synced, name, language, shopRow?.locale ?? null);
  if (!fallback) return approval;
  const row = rows.find((r) => r.language === fallback)!;
  return { ...approval, fallback: { language: fallback, ...syncedParameters(row.components) } };
}

/** Replaces the shop's stored list with a complete list from Meta and marks the sync, in one transaction. */
export async function saveTemplateSync(db: Db, shop: string, templates: RemoteTemplate[], now: Date): Promise<void> {
  const keys = new Set(templates.map((t) => `${t.name}\u0000${t.language}`));
  await db.$transaction(async (tx) => {
    const stored = await tx.whatsAppTemplate.findMany({ where: { shop }, select: { id: true, name: true, language: true } });
    const gone = stored.filter((row) => !keys.has(`${row.name}\u0000${row.language}`)).map((row) => row.id);
    if (gone.length > 0) await tx.whatsAppTemplate.deleteMany({ where: { id: { in: gone } } });
    for (const t of templates) await upsertTemplate(tx, shop, t, now);
    await tx.whatsAppConnection.update({ where: { shop }, data: { templatesSyncedAt: now } });
  });
}

/** Stores one template as Meta answered it (a sync row, or the answer to a submission). */
export async function upsertTemplate(db: DbTx, shop: string, t: RemoteTemplate, now: Date): Promise<void> {
  const data = { category: t.category, status: t.status, components: JSON.stringify(t.components), rejectedReason: t.rejectedReason, metaId: t.metaId, updatedAt: now };
  await db.whatsAppTemplate.upsert({ where: { shop_name_language: { shop, name: t.name, language: t.language } }, create: { shop, name: t.name, language: t.language, ...data }, update: data });
}

export interface TemplateStatusCounts {
  applied: number;
  /** The event names no status (LOCKED, UNARCHIVED, …). */
  ignored: number;
  /** No stored connection has that WABA. */
  unknownWaba: number;
}

/** Applies status webhooks to every shop connected to the WABA named in the (verified) entry. */
export async function applyTemplateStatusUpdates(db: Db, updates: TemplateStatusUpdate[], now: Date): Promise<TemplateStatusCounts> {
  const counts: TemplateStatusCounts = { applied: 0, ignored: 0, unknownWaba: 0 };
  for (const update of updates) {
    const status = statusAfterEvent(update.event);
    if (status === null) {
      counts.ignored += 1;
      continue;
    }
    const shops = await db.whatsAppConnection.findMany({ where: { wabaId: update.wabaId }, select: { shop: true } });
    if (shops.length === 0) {
      counts.unknownWaba += 1;
      continue;
    }
    const rejectedReason = status === "REJECTED" && update.reason && update.reason !== "NONE" ? update.reason : null;
    for (const { shop } of shops) {
      await db.whatsAppTemplate.upsert({
        where: { shop_name_language: { shop, name: update.name, language: update.language } },
        // A template created outside Momento since the last sync: its components come with the next sync.
        create: { shop, name: update.name, language: update.language, category: update.category ?? "UTILITY", status, components: "[]", rejectedReason, metaId: update.metaId, updatedAt: now },
        update: { status, rejectedReason, ...(update.category ? { category: update.category } : {}), ...(update.metaId ? { metaId: update.metaId } : {}), updatedAt: now },
      });
    }
    counts.applied += 1;
  }
  return counts;
}

function parseJsonArray(json: string): unknown[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}
