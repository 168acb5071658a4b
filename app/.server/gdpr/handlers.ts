// Shopify's mandatory compliance webhooks (API-FACTS.md B1), done for real (DESIGN.md §9):
// customers/data_request exports, customers/redact and shop/redact erase. Log lines and notes carry
// counts and ids of the request only, never personal data.
import type { TopicHandler } from "../ingest/receive-shopify-event";
import { buildCustomerExport } from "./export";
import { redactCustomer, redactShop } from "./redact";
import { customerRequestPayload, findSubject, subjectIdentity } from "./subject";

const log = (line: string) => console.info(`[gdpr] ${line}`);

/** What is kept of a compliance request itself: its ids, not the customer's contact details. */
function minimalPayload(payload: unknown, keep: string[]): Record<string, unknown> {
  const source = (payload ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keep.filter((k) => k in source).map((k) => [k, source[k]]));
}

export const handleCustomersDataRequest: TopicHandler = async (tx, shop, event, now) => {
  const parsed = customerRequestPayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: "skipped: payload is not a customers/data_request" };
  const payload = parsed.data;
  const ordersRequested = payload.orders_requested ?? [];
  const subject = await findSubject(tx, shop, subjectIdentity(payload, ordersRequested));
  const requestId = payload.data_request?.id ?? null;
  const phones = [...subject.phones];
  const signups = phones.length ? await tx.backInStockSubscription.findMany({ where: { shop: shop.domain, phone: { in: phones } }, orderBy: { createdAt: "asc" } }) : [];
  const content = {
    ...buildCustomerExport(shop.domain, subject, { requestId, ordersRequested, now }),
    // Back-in-stock signups: the number, the variant and whether the one alert went out.
    backInStockSignups: signups.map((b) => ({ phone: b.phone, variantId: b.variantId, locale: b.locale, status: b.status, createdAt: b.createdAt.toISOString(), notifiedAt: b.notifiedAt?.toISOString() ?? null })),
  };
  const row = await tx.dataExport.create({ data: { shop: shop.domain, requestId, customerKey: subject.key, createdAt: now, content: JSON.stringify(content) } });
  const note = `exported: data export ${row.id} for request ${requestId ?? "(no id)"} with ${content.consents.length} consent(s), ${content.messages.length} message(s), ${content.orders.length} order(s)`;
  log(`customers/data_request for ${shop.domain}: ${note}`);
  return { plans: [], note, storedPayload: { ...minimalPayload(event.payload, ["shop_id", "shop_domain", "orders_requested", "data_request"]), customer: { id: payload.customer?.id ?? null } } };
};

export const handleCustomersRedact: TopicHandler = async (tx, shop, event, now) => {
  const parsed = customerRequestPayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: "skipped: payload is not a customers/redact" };
  const subject = await findSubject(tx, shop, subjectIdentity(parsed.data, parsed.data.orders_to_redact));
  const counts = await redactCustomer(tx, shop, subject, now);
  const note = `erased: ${Object.entries(counts)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ")}`;
  log(`customers/redact for ${shop.domain}: ${note}`);
  return { plans: [], note, storedPayload: minimalPayload(event.payload, ["shop_id", "shop_domain", "orders_to_redact"]) };
};

export const handleShopRedact: TopicHandler = async (tx, shop) => {
  const deleted = await redactShop(tx, shop.domain);
  const total = Object.values(deleted).reduce((a, b) => a + b, 0);
  log(`shop/redact for ${shop.domain}: ${total} row(s) deleted (${Object.entries(deleted)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ")})`);
  // Not even the request is kept: nothing of the shop remains.
  return { plans: [], note: `erased: ${total} row(s)`, keepEvent: false };
};
