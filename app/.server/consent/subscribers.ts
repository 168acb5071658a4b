// The Subscribers admin page and its exports: who subscribed, in which state, with the full evidence
// trail per number; a manual revoke; the consent log as CSV; the GDPR data exports for download.
// Every word the merchant reads is in SUBSCRIBER_STRINGS (English now, German to follow); the loader
// hands the strings to the page, so server and page share one table.
import type { Consent, ConsentEvent, Customer, Prisma, ShopifySync } from "@prisma/client";
import type { Clock } from "../clock";
import { retryOnContention, type Db, type DbTx } from "../db";
import { timeZoneOf } from "../settings/store";
import { normalizePhone } from "../identity";
import { enqueuePlans } from "../ingest/enqueue";
import { revokeConsent } from "./lifecycle";
import type { ConsentState } from "./state";

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

const en = {
  dateLocale: "en-GB",
  title: "Subscribers",
  exportCsv: "Export CSV",
  searchLabel: "Search",
  searchPlaceholder: "Phone number or name",
  search: "Search",
  stateLabel: "State",
  allStates: "All states",
  columns: { number: "WhatsApp number", name: "Name", state: "State", since: "Since", evidence: "Latest evidence" },
  view: "Evidence",
  count: (shown: number, total: number) => `${shown} of ${total}`,
  previous: "Previous",
  next: "Next",
  noMatches: "No subscriber matches this search.",
  emptyHeading: "No subscribers yet",
  emptyBody: [
    "Shoppers subscribe with the WhatsApp box in your checkout. Add the Momento block in the checkout editor (Settings → Checkout → Customize) if you have not yet.",
    "Each shopper who ticks it gets a confirmation request on WhatsApp. When they tap “Yes”, they appear here as Confirmed, with the proof of their consent.",
    "Shoppers who subscribe in Shopify itself are asked to confirm on WhatsApp as well.",
  ],
  states: { NONE: "None", REQUESTED: "Requested", CONFIRMED: "Confirmed", REVOKED: "Revoked", REDACTED: "Erased" } satisfies Record<ConsentState, string>,
  stateHelp: {
    NONE: "No consent recorded.",
    REQUESTED: "Asked to subscribe; the confirmation on WhatsApp is still open. Order updates only.",
    CONFIRMED: "Confirmed on WhatsApp: receives order updates and marketing.",
    REVOKED: "Unsubscribed: receives nothing.",
    REDACTED: "Erased on a GDPR request.",
  } satisfies Record<ConsentState, string>,
  sources: {
    checkout: "Checkout",
    checkout_marker: "Checkout (marker on the order)",
    back_in_stock_signup: "Back-in-stock sign-up",
    whatsapp_reply: "WhatsApp reply",
    whatsapp_button: "WhatsApp button",
    user_preferences: "WhatsApp setting “stop marketing”",
    error_131050: "WhatsApp: the shopper stopped marketing messages (131050)",
    admin: "You (admin)",
    shopify: "Shopify",
    gdpr: "GDPR request",
    test: "Test",
  } as Record<string, string>,
  evidence: {
    checkout: (v: string) => `Checkout ${v}`,
    wordingVersion: (v: string) => `wording ${/^\d/.test(v) ? `v${v}` : v}`,
    labels: {
      checkoutToken: "Checkout",
      wording: "Wording",
      wordingVersion: "Wording version",
      locale: "Language",
      inboundWaMessageId: "Shopper's WhatsApp message",
      contextWaMessageId: "In reply to",
      staffUserId: "Staff member",
      customerId: "Shopify customer",
      request: "Request",
      confirmationTemplate: "Confirmation template",
      shopify: "Shopify",
      signalId: "WhatsApp signal",
      matched: "Matched",
      happenedAt: "Happened at",
      eventId: "event",
      at: "at",
      source: "source",
      name: "name",
      language: "language",
      messageId: "message",
      waMessageId: "WhatsApp message",
      state: "state",
      optInLevel: "opt-in level",
      collectedFrom: "collected from",
      updatedAt: "updated at",
      webhookId: "webhook",
    } as Record<string, string>,
    inbound: (v: string) => `WhatsApp message ${v}`,
    inReplyTo: (v: string) => `in reply to ${v}`,
    template: (name: string, language: string) => `template ${name} (${language})`,
    shopify: (state: string, from: string | null) => `Shopify: ${state}${from ? `, collected from ${from}` : ""}`,
    staff: (v: string) => `staff member ${v}`,
    request: (at: string) => `confirms the request of ${at}`,
    erased: "details erased (GDPR)",
    none: "—",
  },
  writeBack: {
    DONE: "Mirrored to Shopify",
    PENDING: "Shopify update pending",
    SKIPPED: (reason: string) => `Not mirrored to Shopify: ${reason}`,
    FAILED: (reason: string) => `Shopify update failed: ${reason}`,
  },
  detail: {
    title: (who: string) => `Evidence for ${who}`,
    close: "Close",
    customer: "Shopify customer",
    locale: "Language",
    trail: "Evidence trail",
    noEvents: "No transitions recorded.",
  },
  revoke: {
    button: "Revoke consent",
    title: "Revoke this consent?",
    body: "The number gets no more marketing or order updates on WhatsApp, and every scheduled message to it is cancelled. The shopper can subscribe again at checkout or by replying START.",
    confirm: "Revoke",
    cancel: "Cancel",
    done: "Consent revoked",
    notAllowed: (state: string) => `Only a requested or confirmed consent can be revoked (this one is ${state}).`,
    notFound: "This subscriber no longer exists.",
  },
  dataRequests: {
    title: "Customer data requests (GDPR)",
    body: "Shopify forwards customers' requests for their data. Momento prepares each one here; download it and send it to the customer.",
    requested: (id: string | null, at: string) => `Request ${id ?? "without id"} · ${at}`,
    download: "Download",
  },
  csv: {
    filename: "momento-consent-log.csv",
    header: ["event_id", "at_utc", "whatsapp_number", "whatsapp_user_id", "shopify_customer_id", "name", "from_state", "to_state", "source", "evidence", "evidence_json"],
  },
};

export type SubscriberStrings = typeof en;
export const SUBSCRIBER_STRINGS: Record<string, SubscriberStrings> = { en };

/** Strings for an admin locale ("de", "en-US" …); English until German is written. */
export function subscriberStrings(locale?: string | null): SubscriberStrings {
  const language = (locale ?? "en").slice(0, 2).toLowerCase();
  return SUBSCRIBER_STRINGS[language] ?? en;
}

/** Strings the page renders (functions become data on the way to the browser, so the page gets plain text). */
export function pageStrings(s: SubscriberStrings) {
  const { dateLocale: _d, csv: _c, evidence: _e, writeBack: _w, count: _n, emptyBody, detail, revoke, dataRequests, ...plain } = s;
  return {
    ...plain,
    emptyBody,
    detail: { close: detail.close, customer: detail.customer, locale: detail.locale, trail: detail.trail, noEvents: detail.noEvents },
    revoke: { button: revoke.button, title: revoke.title, body: revoke.body, confirm: revoke.confirm, cancel: revoke.cancel, done: revoke.done },
    dataRequests: { title: dataRequests.title, body: dataRequests.body, download: dataRequests.download },
  };
}
export type PageStrings = ReturnType<typeof pageStrings>;

// ---------------------------------------------------------------------------------------------
// Readable evidence
// ---------------------------------------------------------------------------------------------

export function parseEvidence(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : null);
/** Shown elsewhere (time, source) or only in the raw JSON. */
const NOT_IN_DETAILS = new Set(["at", "source", "redacted"]);

export interface ReadableEvidence {
  /** One line, e.g. "Checkout c1, wording v3, de". */
  summary: string;
  /** Every field, label and value, for the detail view. */
  details: { label: string; value: string }[];
}

export function formatEvidence(evidence: Record<string, unknown>, s: SubscriberStrings, formatDate: (iso: string) => string = (iso) => iso): ReadableEvidence {
  const e = s.evidence;
  const parts: string[] = [];
  const request = evidence.request && typeof evidence.request === "object" ? (evidence.request as Record<string, unknown>) : null;
  const template = evidence.confirmationTemplate && typeof evidence.confirmationTemplate === "object" ? (evidence.confirmationTemplate as Record<string, unknown>) : null;
  const shopify = evidence.shopify && typeof evidence.shopify === "object" ? (evidence.shopify as Record<string, unknown>) : null;

  const checkout = str(evidence.checkoutToken) ?? str(request?.checkoutToken);
  if (checkout) parts.push(e.checkout(checkout));
  const wordingVersion = str(evidence.wordingVersion);
  if (wordingVersion) parts.push(e.wordingVersion(wordingVersion));
  const locale = str(evidence.locale) ?? str(request?.locale);
  if (locale) parts.push(locale);
  const inbound = str(evidence.inboundWaMessageId);
  if (inbound) parts.push(e.inbound(inbound));
  const inReplyTo = str(evidence.contextWaMessageId);
  if (inReplyTo) parts.push(e.inReplyTo(inReplyTo));
  if (template && str(template.name)) parts.push(e.template(str(template.name)!, str(template.language) ?? "?"));
  if (request && str(request.at)) parts.push(e.request(formatDate(str(request.at)!)));
  if (shopify && str(shopify.state)) parts.push(e.shopify(str(shopify.state)!, str(shopify.collectedFrom)));
  const staff = str(evidence.staffUserId);
  if (staff) parts.push(e.staff(staff));
  if (evidence.redacted === true) parts.push(e.erased);

  const details: { label: string; value: string }[] = [];
  const label = (key: string) => e.labels[key] ?? key;
  const add = (key: string, value: unknown, prefix: string | null) => {
    if (value === null || value === undefined || value === "") return;
    const name = prefix ? `${prefix} · ${label(key)}` : label(key);
    if (typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) add(k, v, name);
    } else if (key === "wording") details.push({ label: name, value: `“${String(value)}”` });
    else if (key === "source" && typeof value === "string") details.push({ label: name, value: s.sources[value] ?? value });
    else if (typeof value === "string" && /At$|^at$/.test(key) && !Number.isNaN(Date.parse(value))) details.push({ label: name, value: formatDate(value) });
    else details.push({ label: name, value: Array.isArray(value) ? value.map(String).join(", ") : String(value) });
  };
  for (const [key, value] of Object.entries(evidence)) if (!NOT_IN_DETAILS.has(key)) add(key, value, null);
  return { summary: parts.length > 0 ? parts.join(", ") : e.none, details };
}

function writeBackLabel(sync: Pick<ShopifySync, "status" | "reason"> | undefined, s: SubscriberStrings): string | null {
  if (!sync) return null;
  switch (sync.status) {
    case "DONE":
      return s.writeBack.DONE;
    case "PENDING":
      return s.writeBack.PENDING;
    case "SKIPPED":
      return s.writeBack.SKIPPED(sync.reason ?? "");
    default:
      return s.writeBack.FAILED(sync.reason ?? "");
  }
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export const LISTED_STATES = ["REQUESTED", "CONFIRMED", "REVOKED", "REDACTED"] as const satisfies readonly ConsentState[];
export const PAGE_SIZE = 50;

export interface SubscriberFilters {
  q: string;
  state: (typeof LISTED_STATES)[number] | null;
  page: number;
  /** The consent whose evidence trail is open. */
  selected: string | null;
}

export function parseSubscriberFilters(url: URL): SubscriberFilters {
  const state = url.searchParams.get("state");
  const page = Number.parseInt(url.searchParams.get("page") ?? "1", 10);
  return {
    q: (url.searchParams.get("q") ?? "").trim().slice(0, 100),
    state: (LISTED_STATES as readonly string[]).includes(state ?? "") ? (state as SubscriberFilters["state"]) : null,
    page: Number.isFinite(page) && page > 0 ? page : 1,
    selected: url.searchParams.get("selected") || null,
  };
}

interface ShopSettings {
  domain: string;
  country: string;
  timezone: string;
}

async function shopSettings(db: DbTx, shop: string): Promise<ShopSettings> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { country: true, timezone: true } });
  return { domain: shop, country: row?.country ?? "DE", timezone: timeZoneOf(row) };
}

function dateFormatter(s: SubscriberStrings, timezone: string): (value: Date | string) => string {
  const format = new Intl.DateTimeFormat(s.dateLocale, { timeZone: timezone, dateStyle: "medium", timeStyle: "short" });
  return (value) => format.format(typeof value === "string" ? new Date(value) : value);
}

const nameOf = (c: Customer | undefined) => c?.firstName ?? null;

/** Customers matching the consents (by phone or Shopify customer id), to show names. */
async function customersFor(db: DbTx, shop: string, consents: Pick<Consent, "phone" | "customerId">[]) {
  const phones = consents.map((c) => c.phone).filter((p): p is string => !!p);
  const ids = consents.map((c) => c.customerId).filter((p): p is string => !!p);
  if (phones.length === 0 && ids.length === 0) return (_c: Pick<Consent, "phone" | "customerId">) => undefined;
  const rows = await db.customer.findMany({ where: { shop, OR: [{ phone: { in: phones } }, { shopifyCustomerId: { in: ids } }] }, orderBy: { updatedAt: "desc" } });
  return (c: Pick<Consent, "phone" | "customerId">) =>
    rows.find((r) => c.customerId && r.shopifyCustomerId === c.customerId) ?? rows.find((r) => c.phone && r.phone === c.phone);
}

/** Search by phone (any part of the number, or as typed in local format) or by the customer's name or email. */
async function searchWhere(db: DbTx, shop: ShopSettings, q: string): Promise<Prisma.ConsentWhereInput | null> {
  if (!q) return null;
  const or: Prisma.ConsentWhereInput[] = [{ waUserId: { contains: q } }];
  const digits = q.replace(/\D/g, "");
  if (digits.length >= 3) {
    or.push({ phone: { contains: digits.replace(/^0+/, "") } });
    const normalized = normalizePhone(q, shop.country);
    if (normalized) or.push({ phone: normalized });
  }
  if (/\p{L}/u.test(q)) {
    // Case variants, since SQLite's and PostgreSQL's `contains` differ in case sensitivity.
    const variants = [...new Set([q, q.toLowerCase(), q.charAt(0).toUpperCase() + q.slice(1).toLowerCase()])];
    const customers = await db.customer.findMany({
      where: { shop: shop.domain, OR: [...variants.map((v) => ({ firstName: { contains: v } })), { email: { contains: q.toLowerCase() } }] },
      select: { phone: true, shopifyCustomerId: true },
      take: 500,
    });
    const phones = customers.map((c) => c.phone).filter((p): p is string => !!p);
    const ids = customers.map((c) => c.shopifyCustomerId).filter((p): p is string => !!p);
    if (phones.length) or.push({ phone: { in: phones } });
    if (ids.length) or.push({ customerId: { in: ids } });
  }
  return { OR: or };
}

export interface SubscriberRow {
  id: string;
  phone: string | null;
  waUserId: string | null;
  name: string | null;
  state: ConsentState;
  stateLabel: string;
  since: string;
  evidence: string;
}

export interface SubscriberEvent {
  id: number;
  at: string;
  from: string;
  to: string;
  source: string;
  summary: string;
  details: { label: string; value: string }[];
  writeBack: string | null;
}

export interface SubscriberDetail {
  id: string;
  title: string;
  phone: string | null;
  waUserId: string | null;
  name: string | null;
  email: string | null;
  customerId: string | null;
  locale: string | null;
  state: ConsentState;
  stateLabel: string;
  stateHelp: string;
  canRevoke: boolean;
  events: SubscriberEvent[];
}

export interface DataExportRow {
  id: string;
  label: string;
}

export interface SubscribersPage {
  shop: string;
  filters: SubscriberFilters;
  /** False only when the shop has no subscriber at all (the empty state explains how they arrive). */
  hasAny: boolean;
  total: number;
  countLabel: string;
  page: number;
  pageCount: number;
  rows: SubscriberRow[];
  detail: SubscriberDetail | null;
  dataExports: DataExportRow[];
  strings: PageStrings;
}

type ConsentWithEvents = Consent & { events: ConsentEvent[] };

export async function subscribersPage(db: Db, shop: string, filters: SubscriberFilters, locale?: string | null): Promise<SubscribersPage> {
  const s = subscriberStrings(locale);
  const settings = await shopSettings(db, shop);
  const when = dateFormatter(s, settings.timezone);
  const listed: Prisma.ConsentWhereInput = { shop, state: filters.state ?? { in: [...LISTED_STATES] } };
  const search = await searchWhere(db, settings, filters.q);
  const where: Prisma.ConsentWhereInput = search ? { AND: [listed, search] } : listed;

  const [total, hasAny] = await Promise.all([db.consent.count({ where }), db.consent.count({ where: { shop, state: { in: [...LISTED_STATES] } } }).then((n) => n > 0)]);
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(filters.page, pageCount);
  const consents: ConsentWithEvents[] = await db.consent.findMany({
    where,
    orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    include: { events: { orderBy: { id: "desc" }, take: 1 } },
  });
  const customerOf = await customersFor(db, shop, consents);
  const rows: SubscriberRow[] = consents.map((c) => {
    const state = c.state as ConsentState;
    const latest = c.events[0];
    return {
      id: c.id,
      phone: c.phone,
      waUserId: c.waUserId,
      name: nameOf(customerOf(c)),
      state,
      stateLabel: s.states[state] ?? state,
      since: when(latest?.at ?? c.updatedAt),
      evidence: latest ? formatEvidence(parseEvidence(latest.evidence), s, when).summary : s.evidence.none,
    };
  });

  const [detail, dataExports] = await Promise.all([
    filters.selected ? subscriberDetail(db, shop, filters.selected, s, when) : Promise.resolve(null),
    listDataExports(db, shop, s, when),
  ]);
  return {
    shop,
    filters: { ...filters, page },
    hasAny,
    total,
    countLabel: s.count(rows.length, total),
    page,
    pageCount,
    rows,
    detail,
    dataExports,
    strings: pageStrings(s),
  };
}

export async function subscriberDetail(db: DbTx, shop: string, consentId: string, s: SubscriberStrings, when: (d: Date | string) => string): Promise<SubscriberDetail | null> {
  const consent = await db.consent.findFirst({ where: { id: consentId, shop }, include: { events: { orderBy: { id: "asc" } } } });
  if (!consent) return null;
  const customer = (await customersFor(db, shop, [consent]))(consent);
  const syncs = await db.shopifySync.findMany({ where: { shop, dedupeKey: { in: consent.events.map((e) => `whatsapp_consent:${e.id}`) } }, select: { dedupeKey: true, status: true, reason: true } });
  const state = consent.state as ConsentState;
  const who = consent.phone ?? consent.waUserId ?? s.states.REDACTED;
  return {
    id: consent.id,
    title: s.detail.title(who),
    phone: consent.phone,
    waUserId: consent.waUserId,
    name: nameOf(customer),
    email: customer?.email ?? null,
    customerId: consent.customerId,
    locale: consent.locale,
    state,
    stateLabel: s.states[state] ?? state,
    stateHelp: s.stateHelp[state] ?? "",
    canRevoke: state === "REQUESTED" || state === "CONFIRMED",
    events: consent.events.map((e) => {
      const readable = formatEvidence(parseEvidence(e.evidence), s, when);
      return {
        id: e.id,
        at: when(e.at),
        from: s.states[e.fromState as ConsentState] ?? e.fromState,
        to: s.states[e.toState as ConsentState] ?? e.toState,
        source: s.sources[e.source] ?? e.source,
        summary: readable.summary,
        details: readable.details,
        writeBack: writeBackLabel(syncs.find((x) => x.dedupeKey === `whatsapp_consent:${e.id}`), s),
      };
    }),
  };
}

async function listDataExports(db: DbTx, shop: string, s: SubscriberStrings, when: (d: Date) => string): Promise<DataExportRow[]> {
  const rows = await db.dataExport.findMany({ where: { shop }, orderBy: { createdAt: "desc" }, take: 50, select: { id: true, requestId: true, createdAt: true } });
  return rows.map((r) => ({ id: r.id, label: s.dataRequests.requested(r.requestId, when(r.createdAt)) }));
}

/** A GDPR data export as a file, only for the shop that owns it. */
export async function dataExportFile(db: DbTx, shop: string, id: string): Promise<{ filename: string; content: string } | null> {
  const row = await db.dataExport.findFirst({ where: { id, shop } });
  if (!row) return null;
  const day = row.createdAt.toISOString().slice(0, 10);
  return { filename: `momento-data-request-${(row.requestId ?? row.id).replace(/[^\w-]/g, "")}-${day}.json`, content: JSON.stringify(JSON.parse(row.content), null, 2) };
}

// ---------------------------------------------------------------------------------------------
// Revoke
// ---------------------------------------------------------------------------------------------

export type RevokeResult = { ok: true; message: string } | { ok: false; message: string };

/** The merchant revokes a consent by hand: REVOKED with source "admin", scheduled marketing cancelled, mirrored to Shopify. */
export async function revokeSubscriber(db: Db, clock: Clock, shop: string, consentId: string, by: { staffUserId?: string | null }, locale?: string | null): Promise<RevokeResult> {
  const s = subscriberStrings(locale);
  return retryOnContention(() =>
    db.$transaction(async (tx) => {
      const consent = await tx.consent.findFirst({ where: { id: consentId, shop } });
      if (!consent) return { ok: false as const, message: s.revoke.notFound };
      if (consent.state !== "REQUESTED" && consent.state !== "CONFIRMED") {
        return { ok: false as const, message: s.revoke.notAllowed(s.states[consent.state as ConsentState] ?? consent.state) };
      }
      const now = clock.now();
      const plans = await revokeConsent(tx, { shop, phone: consent.phone, waUserId: consent.waUserId, source: "admin", evidence: { staffUserId: by.staffUserId ?? null } }, now);
      await enqueuePlans(tx, shop, plans, now);
      return { ok: true as const, message: s.revoke.done };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// CSV export of the consent log
// ---------------------------------------------------------------------------------------------

/** One CSV field; cells a spreadsheet would run as a formula get a leading apostrophe (an E.164 number stays as it is). */
export function csvField(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_CHUNK = 1_000;

/** The whole consent log of the shop, one row per ConsentEvent, oldest first. */
export async function consentLogCsv(db: DbTx, shop: string, locale?: string | null): Promise<{ filename: string; content: string }> {
  const s = subscriberStrings(locale);
  const lines = [s.csv.header.map(csvField).join(",")];
  let after = 0;
  for (;;) {
    const events = await db.consentEvent.findMany({ where: { shop, id: { gt: after } }, orderBy: { id: "asc" }, take: CSV_CHUNK, include: { consent: true } });
    if (events.length === 0) break;
    const customerOf = await customersFor(db, shop, events.map((e) => e.consent));
    for (const e of events) {
      const evidence = parseEvidence(e.evidence);
      lines.push(
        [
          e.id,
          e.at.toISOString(),
          e.consent.phone,
          e.consent.waUserId,
          e.consent.customerId,
          nameOf(customerOf(e.consent)),
          e.fromState,
          e.toState,
          e.source,
          formatEvidence(evidence, s).summary,
          JSON.stringify(evidence),
        ]
          .map(csvField)
          .join(","),
      );
    }
    after = events[events.length - 1].id;
    if (events.length < CSV_CHUNK) break;
  }
  return { filename: s.csv.filename, content: `${lines.join("\r\n")}\r\n` };
}
