// Erasure (customers/redact, shop/redact). A customer's phone numbers, names, emails, message contents
// and identifiers go; what stays is anonymous: message rows with flow, template, status and dates,
// consent transitions with their state and time, orders with totals — so every count on the dashboard
// stays what it was. The append-only consent log is rewritten here on purpose: erasure overrides it.
import { randomUUID } from "node:crypto";
import type { DbTx } from "../db";
import { normalizePhone } from "../identity";
import type { ShopContext } from "../ingest/projections";
import { transitionConsent } from "../consent/state";
import type { Subject } from "./subject";
import { deleteRollups, refreshSubscribers } from "../analytics/rollups";
import { dropCachedRetention } from "../analytics/retention-cache";

export interface RedactionCounts {
  customers: number;
  orders: number;
  checkouts: number;
  consents: number;
  messages: number;
  shopifySyncs: number;
  dataExports: number;
  webhookEvents: number;
}

const ANONYMOUS_PREFIX = "redacted:";
/** Evidence fields that say nothing about the person (kept so the log still shows what was agreed to, and when). */
const ANONYMOUS_EVIDENCE = ["at", "source", "wordingVersion", "locale"] as const;

function anonymousEvidence(json: string): string {
  let value: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) value = parsed as Record<string, unknown>;
  } catch {
    // nothing to keep
  }
  const kept = Object.fromEntries(ANONYMOUS_EVIDENCE.filter((k) => typeof value[k] === "string").map((k) => [k, value[k]]));
  return JSON.stringify({ ...kept, redacted: true });
}

export async function redactCustomer(tx: DbTx, shop: ShopContext, subject: Subject, now: Date): Promise<RedactionCounts> {
  const counts: RedactionCounts = { customers: 0, orders: 0, checkouts: 0, consents: 0, messages: 0, shopifySyncs: 0, dataExports: 0, webhookEvents: 0 };
  // Customer keys are made of ids, phones or emails: each becomes a random one, the same for all rows of
  // one customer, so "returning customer" and cohort counts keep working without saying who it was.
  const fallbackKey = `${ANONYMOUS_PREFIX}${randomUUID()}`;
  const keyMap = new Map<string, string>();
  for (const c of subject.customers) keyMap.set(c.key, `${ANONYMOUS_PREFIX}${c.id}`);
  const anonymous = (key: string | null) => (key === null || key.startsWith(ANONYMOUS_PREFIX) ? key : (keyMap.get(key) ?? fallbackKey));

  for (const c of subject.customers) {
    await tx.customer.update({ where: { id: c.id }, data: { key: keyMap.get(c.key)!, shopifyCustomerId: null, phone: null, email: null, firstName: null } });
    await refreshSubscribers(tx, shop.domain, { customerId: c.id });
    counts.customers += 1;
  }
  for (const o of subject.orders) {
    // The order status URL carries a key that opens the customer's order page.
    await tx.order.update({ where: { id: o.id }, data: { phone: null, orderStatusUrl: null, customerKey: anonymous(o.customerKey) } });
    counts.orders += 1;
  }
  for (const c of subject.checkouts) {
    await tx.checkout.update({ where: { id: c.id }, data: { phone: null, email: null, firstName: null, customerKey: anonymous(c.customerKey), abandonedCheckoutUrl: null } });
    counts.checkouts += 1;
  }

  for (const c of subject.consents) {
    if (c.state !== "REDACTED" && (c.phone || c.waUserId)) {
      await transitionConsent(tx, {
        shop: shop.domain,
        ...(c.phone ? { phone: c.phone } : { waUserId: c.waUserId }),
        to: "REDACTED",
        source: "gdpr",
        evidence: { at: now.toISOString(), source: "gdpr" },
        at: now,
        writeBack: false,
      });
    }
    await tx.consent.update({ where: { id: c.id }, data: { phone: null, waUserId: null, customerId: null } });
    // Customers with that phone no longer read its log, for past periods too.
    if (c.phone) await dropCachedRetention(tx, shop.domain);
    const events = await tx.consentEvent.findMany({ where: { consentId: c.id }, select: { id: true, evidence: true } });
    for (const e of events) await tx.consentEvent.update({ where: { id: e.id }, data: { evidence: anonymousEvidence(e.evidence) } });
    // Queued write-backs carry the phone; the customer is gone from Shopify as well, so they are moot.
    const syncs = await tx.shopifySync.findMany({ where: { shop: shop.domain, payload: { contains: c.id } } });
    for (const s of syncs) {
      await tx.shopifySync.update({
        where: { id: s.id },
        data: {
          payload: JSON.stringify({ consentId: c.id, phone: null, customerId: null, redacted: true }),
          ...(s.status === "PENDING" ? { status: "SKIPPED", reason: "customer data erased (customers/redact)" } : {}),
        },
      });
      counts.shopifySyncs += 1;
    }
    counts.consents += 1;
  }

  // Back-in-stock signups are nothing but a number and a wish: they go entirely.
  const phones = [...subject.phones];
  if (phones.length > 0) await tx.backInStockSubscription.deleteMany({ where: { shop: shop.domain, phone: { in: phones } } });

  for (const m of subject.messages) {
    // wamids encode the recipient's number (base64), so they go too; status webhooks for these messages no longer match.
    await tx.message.update({
      where: { id: m.id },
      data: { to: null, waUserId: null, waMessageId: null, components: "[]", text: null, linkUrl: null, lastError: null, customerKey: anonymous(m.customerKey) },
    });
    counts.messages += 1;
  }
  await redactLifecycleRows(tx, shop.domain, subject, anonymous);

  const needles = redactionNeedles(subject);
  if (needles.length > 0) {
    const { count } = await tx.dataExport.deleteMany({
      where: { shop: shop.domain, OR: [{ customerKey: { in: [...subject.customerKeys] } }, ...needles.map((n) => ({ content: { contains: n } }))] },
    });
    counts.dataExports = count;
    counts.webhookEvents = await redactWebhookEvents(tx, shop, subject, needles);
  }
  return counts;
}

/**
 * The lifecycle flows' rows: what the shopper wrote (Inbox), their feedback comments and their parcels'
 * tracking numbers go; the message types, the scores and the fulfilment states stay (anonymous figures).
 */
async function redactLifecycleRows(tx: DbTx, shop: string, subject: Subject, anonymous: (key: string | null) => string | null): Promise<void> {
  const who = [...(subject.phones.size ? [{ phone: { in: [...subject.phones] } }] : []), ...(subject.waUserIds.size ? [{ waUserId: { in: [...subject.waUserIds] } }] : [])];
  if (who.length > 0) await tx.inboundMessage.updateMany({ where: { shop, OR: who }, data: { phone: null, waUserId: null, text: null } });
  const orderIds = subject.orders.map((o) => o.id);
  const feedback = await tx.feedbackResponse.findMany({ where: { shop, OR: [{ orderId: { in: orderIds } }, { customerKey: { in: [...subject.customerKeys] } }] }, select: { id: true, customerKey: true } });
  for (const f of feedback) await tx.feedbackResponse.update({ where: { id: f.id }, data: { comment: null, customerKey: anonymous(f.customerKey) } });
  if (orderIds.length > 0) await tx.fulfillment.updateMany({ where: { shop, orderId: { in: orderIds } }, data: { trackingNumber: null, trackingUrl: null } });
}

function redactionNeedles(subject: Subject): string[] {
  const needles = new Set<string>([
    ...subject.phones,
    ...subject.emails,
    ...subject.waUserIds,
    ...[...subject.orderIds].map((id) => `Order/${id}`),
    ...subject.checkouts.map((c) => c.token),
  ]);
  if (subject.customerId) needles.add(subject.customerId);
  return [...needles].filter((n) => n.length >= 4);
}

/**
 * Raw webhook payloads carry names, addresses, emails and phones: every one about this customer is replaced. Not the
 * redaction requests themselves: their handler keeps only a minimal payload, the one being handled included (the inbox
 * stores it before it is projected, decision 012).
 */
async function redactWebhookEvents(tx: DbTx, shop: ShopContext, subject: Subject, needles: string[]): Promise<number> {
  const candidates = await tx.webhookEvent.findMany({
    where: { shop: shop.domain, topic: { not: "customers/redact" }, OR: needles.map((n) => ({ payload: { contains: n } })) },
    select: { id: true, topic: true, payload: true },
  });
  const tokens = new Set(subject.checkouts.map((c) => c.token));
  let redacted = 0;
  for (const event of candidates) {
    let payload: unknown;
    try {
      payload = JSON.parse(event.payload);
    } catch {
      payload = event.payload;
    }
    if (!mentionsSubject(payload, subject, tokens, shop.country)) continue;
    await tx.webhookEvent.update({ where: { id: event.id }, data: { payload: JSON.stringify({ redacted: "customers/redact", topic: event.topic }) } });
    redacted += 1;
  }
  return redacted;
}

const PHONE_LIKE = /^\+?[\d\s\-().]{6,20}$/;

function mentionsSubject(value: unknown, subject: Subject, tokens: Set<string>, country: string, key: string | null = null, parentKey: string | null = null): boolean {
  if (Array.isArray(value)) {
    return value.some((item) => mentionsSubject(item, subject, tokens, country, key, parentKey));
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => mentionsSubject(v, subject, tokens, country, k, key));
  }
  if (typeof value !== "string" && typeof value !== "number") return false;
  const text = String(value);
  if ((key === "customer_id" || (key === "id" && parentKey === "customer")) && text === subject.customerId) return true;
  if ((key === "order_id" || key === "orders_requested" || key === "orders_to_redact" || (key === "id" && parentKey === null)) && subject.orderIds.has(text)) return true;
  if (typeof value !== "string") return false;
  if (subject.emails.has(text.trim().toLowerCase()) || tokens.has(text) || subject.waUserIds.has(text)) return true;
  if (text === `gid://shopify/Customer/${subject.customerId}` || [...subject.orderIds].some((id) => text === `gid://shopify/Order/${id}`)) return true;
  if (PHONE_LIKE.test(text)) {
    const phone = normalizePhone(text, country);
    if (phone && subject.phones.has(phone)) return true;
  }
  return false;
}

/** shop/redact: every row of the shop, in every table (all are keyed by shop), sessions included. */
export async function redactShop(tx: DbTx, shop: string): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  deleted.messageEvents = (await tx.messageEvent.deleteMany({ where: { message: { shop } } })).count;
  deleted.messages = (await tx.message.deleteMany({ where: { shop } })).count;
  deleted.consentEvents = (await tx.consentEvent.deleteMany({ where: { shop } })).count;
  deleted.consents = (await tx.consent.deleteMany({ where: { shop } })).count;
  deleted.shopifySyncs = (await tx.shopifySync.deleteMany({ where: { shop } })).count;
  deleted.dataExports = (await tx.dataExport.deleteMany({ where: { shop } })).count;
  deleted.webhookEvents = (await tx.webhookEvent.deleteMany({ where: { shop } })).count;
  deleted.orders = (await tx.order.deleteMany({ where: { shop } })).count;
  deleted.checkouts = (await tx.checkout.deleteMany({ where: { shop } })).count;
  deleted.cartRecoveries = (await tx.cartRecovery.deleteMany({ where: { shop } })).count;
  deleted.discountCodes = (await tx.discountCode.deleteMany({ where: { shop } })).count;
  deleted.backInStockSubscriptions = (await tx.backInStockSubscription.deleteMany({ where: { shop } })).count;
  deleted.restocks = (await tx.restock.deleteMany({ where: { shop } })).count;
  deleted.inventoryLevels = (await tx.inventoryLevel.deleteMany({ where: { shop } })).count;
  deleted.inventoryItemVariants = (await tx.inventoryItemVariant.deleteMany({ where: { shop } })).count;
  deleted.customers = (await tx.customer.deleteMany({ where: { shop } })).count;
  deleted.importJobs = (await tx.importJob.deleteMany({ where: { shop } })).count;
  deleted.fulfillments = (await tx.fulfillment.deleteMany({ where: { shop } })).count;
  deleted.inboundMessages = (await tx.inboundMessage.deleteMany({ where: { shop } })).count;
  deleted.feedbackResponses = (await tx.feedbackResponse.deleteMany({ where: { shop } })).count;
  await deleteRollups(tx, shop);
  deleted.sessions = (await tx.session.deleteMany({ where: { shop } })).count;
  deleted.shops = (await tx.shop.deleteMany({ where: { domain: shop } })).count;
  return deleted;
}
