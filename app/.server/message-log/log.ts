// The Message log: every message of the shop, filtered by flow, status, date (the shop's days) and phone,
// and one message's timeline from its MessageEvent rows in words — planned, deferred, sent, delivered,
// read, failed with Meta's code explained, skipped or cancelled with Momento's reason.
import type { Message, MessageEvent, Prisma } from "@prisma/client";
import { startOfLocalDay } from "../analytics/period";
import type { Db } from "../db";
import { shopTimeZone } from "../settings/store";
import { COMMON, flowName } from "../i18n/common";
import { fill } from "../i18n/form-errors";
import { dateTimeFormatter, type AdminLanguage } from "../i18n/locale";
import { MESSAGES, type MessagesStrings } from "../i18n/messages";
import { explainMetaError } from "../i18n/meta-errors";
import { FLOW_IDS } from "../settings/schema";

export const PAGE_SIZE = 50;
export const STATUSES = ["SCHEDULED", "SENDING", "SENT", "DELIVERED", "READ", "FAILED", "SKIPPED", "CANCELLED"] as const;
const LOG_FLOWS = [...FLOW_IDS, "opt_out_confirmation", "test_message"] as const;

export interface LogFilters {
  flow: string;
  status: string;
  from: string;
  to: string;
  phone: string;
  page: number;
  selected: string | null;
}

export function parseLogFilters(url: URL): LogFilters {
  const p = url.searchParams;
  const page = Number.parseInt(p.get("page") ?? "1", 10);
  return {
    flow: p.get("flow") ?? "",
    status: p.get("status") ?? "",
    from: (p.get("from") ?? "").trim(),
    to: (p.get("to") ?? "").trim(),
    phone: (p.get("phone") ?? "").trim().slice(0, 40),
    page: Number.isFinite(page) && page > 0 ? page : 1,
    selected: p.get("selected") || null,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (d: string) => ISO_DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** Field errors of the filter form (a bad filter is shown under its field and not applied). */
export function filterErrors(f: LogFilters, s: MessagesStrings): Record<string, string> {
  const errors: Record<string, string> = {};
  if (f.from && !validDate(f.from)) errors.from = s.filters.dateFormat;
  if (f.to && !validDate(f.to)) errors.to = s.filters.dateFormat;
  if (!errors.from && !errors.to && f.from && f.to && f.to < f.from) errors.to = s.filters.dateOrder;
  if (f.phone && (/[^\d\s+()\-/.]/.test(f.phone) || f.phone.replace(/\D/g, "").length < 3)) errors.phone = s.filters.phoneFormat;
  return errors;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The filters as a query (the page and the CSV export select the same messages). */
export function whereOf(shop: string, f: LogFilters, errors: Record<string, string>, timezone: string): Prisma.MessageWhereInput {
  const where: Prisma.MessageWhereInput = { shop };
  if ((LOG_FLOWS as readonly string[]).includes(f.flow)) where.flow = f.flow;
  if ((STATUSES as readonly string[]).includes(f.status)) where.status = f.status;
  const createdAt: Prisma.DateTimeFilter = {};
  if (f.from && !errors.from && !errors.to) createdAt.gte = startOfLocalDay(f.from, timezone);
  if (f.to && !errors.to) createdAt.lt = startOfLocalDay(nextDay(f.to), timezone);
  if (createdAt.gte || createdAt.lt) where.createdAt = createdAt;
  if (f.phone && !errors.phone) {
    // Stored numbers are E.164; a search typed with a leading 0 (national format) matches without it.
    const digits = f.phone.replace(/\D/g, "").replace(/^0+/, "");
    where.OR = [{ to: { contains: digits } }, { waUserId: { contains: f.phone } }];
  }
  return where;
}

/** "code: sentence" → the code, when the stored reason starts with one of Momento's reason codes. */
export function reasonCode(reason: string | null): string | null {
  const m = reason ? /^([a-z][a-z0-9_]*):/.exec(reason) : null;
  return m ? m[1] : reason && /^[a-z][a-z0-9_]*$/.test(reason) ? reason : null;
}

/** A stored reason in the merchant's language: Momento's codes are translated, anything else is kept as written. */
export function reasonText(reason: string | null, s: MessagesStrings): string | null {
  if (!reason) return null;
  const code = reasonCode(reason);
  const quiet = code === "quiet_hours" ? QUIET_UNTIL.exec(reason) : null;
  if (quiet) return fill(s.quietHoursUntil, { time: quiet[1], zone: quiet[2] });
  const fallback = code === "language_fallback" ? LANGUAGE_FALLBACK.exec(reason) : null;
  if (fallback) {
    const name = (language: string) => s.languageNames[language] ?? language;
    return fill(s.languageFallback, { status: fallback[1], from: name(fallback[2]), to: name(fallback[3]) });
  }
  const variables = code === "template_variable_missing" ? TEMPLATE_VARIABLES.exec(reason) : null;
  if (variables) {
    return fill(s.templateVariables, { template: variables[1], language: s.languageNames[variables[2]] ?? variables[2], expected: variables[3], given: variables[4] });
  }
  if (code && s.reasons[code]) return s.reasons[code];
  return code ? reason.slice(code.length + 1).trim() : reason;
}

/** The gate's "Quiet hours until 08:00 Asia/Tokyo (…)": the end in the shopper's own clock and zone. */
const QUIET_UNTIL = /until (\d{2}:\d{2}) ([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*)/;

/** The gate's "The template is REJECTED in de; sent in en instead …" (outbox/gate.ts templateCheck). */
const LANGUAGE_FALLBACK = /is ([A-Z_]+) in ([a-z]{2,3}); sent in ([a-z]{2,3}) instead/;

/** templateVariablesCheck's "momento_x in de needs 4 values, the flow gives 3" (outbox/gate.ts). */
const TEMPLATE_VARIABLES = /: (\S+) in ([a-z]{2,3}(?:_[A-Z]{2})?) needs (\d+) values, the flow gives (\d+)/;

const ISO_IN_TEXT = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)/;

export interface TimelineEntry {
  id: number;
  at: string;
  status: string;
  statusLabel: string;
  source: string;
  text: string;
  error: null | { code: number; label: string; meaning: string; action: string };
}

export function timelineEntry(e: Pick<MessageEvent, "id" | "status" | "reason" | "errorCode" | "source" | "at">, language: AdminLanguage, when: (d: Date | string) => string): TimelineEntry {
  const s = MESSAGES[language];
  const statuses = COMMON[language].statuses;
  const code = reasonCode(e.reason);
  const why = reasonText(e.reason, s);
  const time = e.reason ? ISO_IN_TEXT.exec(e.reason)?.[1] : undefined;
  let text: string;
  let statusLabel = statuses[e.status] ?? e.status;
  switch (e.status) {
    case "SCHEDULED":
      if (e.source === "planner" && (!e.reason || e.reason.startsWith("planned for"))) text = time ? fill(s.events.planned, { time: when(time) }) : s.events.plannedNow;
      else if (code === "retry_scheduled" || code === "retry_after_24h" || e.errorCode !== null) {
        statusLabel = s.events.retryLabel;
        text = fill(s.events.retry, { time: time ? when(time) : "?" });
      } else if (e.source === "worker") {
        statusLabel = s.events.deferredLabel;
        text = time ? fill(s.events.deferred, { time: when(time), why: why ?? "" }) : fill(s.events.deferredNoTime, { why: why ?? "" });
      } else text = why ?? s.events.plannedNow;
      break;
    case "SENDING":
      text = code === "claimed" ? s.reasons.claimed : (why ?? s.events.sending);
      break;
    case "SENT":
      text = s.events.sent;
      break;
    case "DELIVERED":
      text = s.events.delivered;
      break;
    case "READ":
      text = s.events.read;
      break;
    case "CLICKED":
      text = s.events.clicked;
      break;
    case "FAILED":
      text = e.errorCode !== null ? s.events.failed : (why ?? s.events.failed);
      break;
    default:
      text = why ?? "";
  }
  const error = e.errorCode !== null && e.errorCode !== undefined ? { code: e.errorCode, label: fill(s.detail.code, { code: e.errorCode }), ...explainMetaError(e.errorCode, language) } : null;
  return { id: e.id, at: when(e.at), status: e.status, statusLabel, source: s.sources[e.source] ?? e.source, text, error };
}

/**
 * The shopper's answers to this message, from the consent log: a tap on the opt-in button or a YES/STOP
 * reply names the message it answered (its wamid) in the consent event's evidence.
 */
async function answersTo(db: Db, shop: string, waMessageId: string, language: AdminLanguage, when: (d: Date | string) => string): Promise<{ at: Date; entry: TimelineEntry }[]> {
  const s = MESSAGES[language];
  const events = await db.consentEvent.findMany({ where: { shop, evidence: { contains: JSON.stringify(waMessageId) } }, orderBy: { at: "asc" } });
  return events.map((e) => {
    const text = e.toState === "CONFIRMED" ? (e.source === "whatsapp_button" ? s.events.confirmedButton : s.events.confirmedText) : e.toState === "REVOKED" ? s.events.revoked : s.events.declined;
    // Negative ids keep these apart from MessageEvent ids in the list.
    return { at: e.at, entry: { id: -e.id, at: when(e.at), status: "ANSWER", statusLabel: s.events.answerLabel, source: s.sources.link, text, error: null } };
  });
}

export interface LogRow {
  id: string;
  at: string;
  flow: string;
  to: string;
  status: string;
  statusLabel: string;
  why: string;
}

export interface LogDetail {
  id: string;
  title: string;
  template: string;
  /** The text of a free-form answer (no template). */
  text: string | null;
  status: string;
  statusLabel: string;
  linkClicked: boolean;
  timeline: TimelineEntry[];
}

export interface MessageLogPage {
  language: AdminLanguage;
  strings: MessagesStrings;
  common: { statuses: Record<string, string> };
  filters: LogFilters;
  errors: Record<string, string>;
  flowOptions: { label: string; value: string }[];
  statusOptions: { label: string; value: string }[];
  hasAny: boolean;
  total: number;
  countLabel: string;
  page: number;
  pageCount: number;
  rows: LogRow[];
  detail: LogDetail | null;
  /** The latest messages shoppers wrote, newest first. */
  inbox: InboxRow[];
}

export interface InboxRow {
  id: string;
  at: string;
  from: string;
  /** The shopper's own words, shown to the merchant only (never logged). */
  message: string;
  handled: string;
  /** The answer Momento planned, to open in the timeline. */
  answerId: string | null;
}

export const INBOX_SIZE = 20;

async function inboxRows(db: Db, shop: string, language: AdminLanguage, when: (d: Date | string) => string): Promise<InboxRow[]> {
  const s = MESSAGES[language].inbox;
  const rows = await db.inboundMessage.findMany({ where: { shop }, orderBy: [{ at: "desc" }, { id: "desc" }], take: INBOX_SIZE });
  return rows.map((r) => ({
    id: r.id,
    at: when(r.at),
    from: r.phone ?? r.waUserId ?? "—",
    message: r.text ?? fill(s.noText, { type: r.type }),
    handled: s.handled[r.handledAs] ?? r.handledAs,
    answerId: r.replyMessageId,
  }));
}

function recipient(m: Pick<Message, "to" | "waUserId">): string {
  return m.to ?? m.waUserId ?? "—";
}

function rowWhy(m: Pick<Message, "status" | "statusReason" | "errorCode">, language: AdminLanguage): string {
  const s = MESSAGES[language];
  if (m.errorCode !== null && (m.status === "FAILED" || m.status === "SCHEDULED")) return `${fill(s.detail.code, { code: m.errorCode })}: ${explainMetaError(m.errorCode, language).meaning}`;
  return reasonText(m.statusReason, s) ?? "";
}

export async function messageLogPage(db: Db, shop: string, filters: LogFilters, language: AdminLanguage): Promise<MessageLogPage> {
  const s = MESSAGES[language];
  const c = COMMON[language];
  const timezone = await shopTimeZone(db, shop);
  const when = dateTimeFormatter(language, timezone);
  const errors = filterErrors(filters, s);
  const where = whereOf(shop, filters, errors, timezone);

  const [total, hasAny] = await Promise.all([db.message.count({ where }), db.message.count({ where: { shop } }).then((n) => n > 0)]);
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(filters.page, pageCount);
  const messages = await db.message.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    select: { id: true, flow: true, to: true, waUserId: true, status: true, statusReason: true, errorCode: true, createdAt: true, sendAfter: true },
  });

  let detail: LogDetail | null = null;
  if (filters.selected) {
    const m = await db.message.findFirst({ where: { shop, id: filters.selected }, include: { events: { orderBy: [{ at: "asc" }, { id: "asc" }] } } });
    if (m) {
      const answers = m.waMessageId ? await answersTo(db, shop, m.waMessageId, language, when) : [];
      const timeline = [...m.events.map((e) => ({ at: e.at, entry: timelineEntry(e, language, when) })), ...answers].sort((a, b) => a.at.getTime() - b.at.getTime());
      detail = {
        id: m.id,
        title: fill(s.detail.title, { flow: flowName(language, m.flow), to: recipient(m) }),
        template: m.text !== null ? s.detail.freeForm : `${m.template} (${m.language})`,
        text: m.text,
        status: m.status,
        statusLabel: c.statuses[m.status] ?? m.status,
        linkClicked: m.clickedAt !== null,
        timeline: timeline.map((t) => t.entry),
      };
    }
  }

  return {
    language,
    strings: s,
    common: { statuses: c.statuses },
    filters,
    errors,
    flowOptions: [{ label: s.filters.allFlows, value: "" }, ...LOG_FLOWS.map((f) => ({ label: flowName(language, f), value: f }))],
    statusOptions: [{ label: s.filters.allStatuses, value: "" }, ...STATUSES.map((st) => ({ label: c.statuses[st] ?? st, value: st }))],
    hasAny,
    total,
    countLabel: fill(s.count, { shown: messages.length, total }),
    page,
    pageCount,
    rows: messages.map((m) => ({
      id: m.id,
      at: when(m.createdAt),
      flow: flowName(language, m.flow),
      to: recipient(m),
      status: m.status,
      statusLabel: c.statuses[m.status] ?? m.status,
      why: rowWhy(m, language),
    })),
    detail,
    inbox: await inboxRows(db, shop, language, when),
  };
}
