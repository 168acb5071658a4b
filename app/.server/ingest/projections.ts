// Projections: the current state of orders, checkouts and customers, built from webhook payloads.
// Webhooks arrive late and out of order (API-FACTS.md B3): an older payload never overwrites a newer one.
import type { DbTx } from "../db";
import { customerKey, normalizePhone } from "../identity";
import { buyerPhoneCandidates, checkoutIdKey, OPT_IN_ATTRIBUTE, type CheckoutPayload, type OrderPayload } from "./shopify-payloads";
import { refreshSubscribers, rollupOrderChanged } from "../analytics/rollups";
import { firstVariantId } from "../templates/media-header";

export interface ShopContext {
  domain: string;
  country: string;
  locale: string;
}

function firstValidPhone(candidates: string[], country: string): { phone: string | null; invalid: boolean } {
  for (const raw of candidates) {
    const phone = normalizePhone(raw, country);
    if (phone) return { phone, invalid: false };
  }
  return { phone: null, invalid: candidates.length > 0 };
}

/**
 * The country whose clock the buyer lives by: where the goods go, else where the bill goes. Not the customer's
 * default address: it may be years old and belongs to the account, not to this purchase.
 */
function addressCountry(p: Pick<OrderPayload, "shipping_address" | "billing_address">): string | null {
  const code = p.shipping_address?.country_code ?? p.billing_address?.country_code ?? null;
  return code && /^[A-Za-z]{2}$/.test(code) ? code.toUpperCase() : null;
}

export async function projectOrder(tx: DbTx, shop: ShopContext, p: OrderPayload) {
  const { phone, invalid } = firstValidPhone(buyerPhoneCandidates(p), shop.country);
  const email = p.email ?? p.customer?.email ?? null;
  const key = customerKey({ shopifyCustomerId: p.shopifyCustomerId, phone, email });
  const where = { shop_shopifyOrderId: { shop: shop.domain, shopifyOrderId: p.shopifyOrderId } };
  const existing = await tx.order.findUnique({ where });
  const stale = existing !== null && existing.sourceUpdatedAt > p.updated_at;
  const fields = {
    name: p.name,
    customerKey: key,
    checkoutToken: p.checkout_token,
    phone,
    locale: p.customer_locale,
    totalPrice: p.total_price,
    currency: p.currency,
    test: p.test,
    cancelledAt: p.cancelled_at ?? null,
    financialStatus: p.financial_status,
    optInRequested: p.note_attributes[OPT_IN_ATTRIBUTE] === "1" || p.note_attributes[OPT_IN_ATTRIBUTE] === "true",
    orderStatusUrl: p.order_status_url,
    addressCountry: addressCountry(p),
    firstVariantId: firstVariantId(p.line_items),
    createdAt: p.created_at,
    sourceUpdatedAt: p.updated_at,
  };
  const order = stale
    ? existing
    : existing
      ? await tx.order.update({ where, data: fields })
      : await tx.order.create({ data: { shop: shop.domain, shopifyOrderId: p.shopifyOrderId, ...fields } });

  if (key && !stale) await projectCustomer(tx, shop.domain, key, { shopifyCustomerId: p.shopifyCustomerId, phone, email, firstName: p.customer?.first_name ?? null, locale: p.customer_locale, orderAt: p.created_at });
  if (!stale) await rollupOrderChanged(tx, shop.domain, existing, order);
  return { order, stale, phoneInvalid: invalid, firstName: p.customer?.first_name ?? null };
}

async function projectCustomer(
  tx: DbTx,
  shop: string,
  key: string,
  c: { shopifyCustomerId: string | null; phone: string | null; email: string | null; firstName: string | null; locale: string | null; orderAt: Date },
) {
  const existing = await tx.customer.findUnique({ where: { shop_key: { shop, key } } });
  // Contact details come from the customer's latest order: an older order (a late webhook, the history import)
  // only fills in what is still unknown.
  const latest = !existing?.lastOrderAt || c.orderAt >= existing.lastOrderAt;
  const pick = <T,>(fresh: T | null, known: T | null | undefined): T | null => (latest ? (fresh ?? known ?? null) : (known ?? fresh ?? null));
  const data = {
    shopifyCustomerId: c.shopifyCustomerId ?? existing?.shopifyCustomerId ?? null,
    phone: pick(c.phone, existing?.phone),
    email: pick(c.email, existing?.email),
    firstName: pick(c.firstName, existing?.firstName),
    locale: pick(c.locale, existing?.locale),
    firstOrderAt: existing?.firstOrderAt && existing.firstOrderAt < c.orderAt ? existing.firstOrderAt : c.orderAt,
    lastOrderAt: existing?.lastOrderAt && existing.lastOrderAt > c.orderAt ? existing.lastOrderAt : c.orderAt,
  };
  if (existing) await tx.customer.update({ where: { id: existing.id }, data });
  else await tx.customer.create({ data: { shop, key, ...data } });
  if (existing && existing.phone !== data.phone) await refreshSubscribers(tx, shop, { customerId: existing.id });
}

/**
 * A Shopify customer record (the history import's customers): creates the customer, or fills in what the
 * orders have not told us yet. Never overwrites: the orders, webhooks included, are the fresher source.
 */
export async function projectCustomerRecord(
  tx: DbTx,
  shop: ShopContext,
  c: { shopifyCustomerId: string; phones: string[]; email: string | null; firstName: string | null; locale: string | null },
): Promise<{ created: boolean }> {
  const key = customerKey({ shopifyCustomerId: c.shopifyCustomerId })!;
  const { phone } = firstValidPhone(c.phones, shop.country);
  const email = c.email?.trim() || null;
  const existing = await tx.customer.findUnique({ where: { shop_key: { shop: shop.domain, key } } });
  if (!existing) {
    await tx.customer.create({ data: { shop: shop.domain, key, shopifyCustomerId: c.shopifyCustomerId, phone, email, firstName: c.firstName, locale: c.locale } });
    return { created: true };
  }
  const missing = {
    ...(existing.phone === null && phone ? { phone } : {}),
    ...(existing.email === null && email ? { email } : {}),
    ...(existing.firstName === null && c.firstName ? { firstName: c.firstName } : {}),
    ...(existing.locale === null && c.locale ? { locale: c.locale } : {}),
  };
  if (Object.keys(missing).length > 0) await tx.customer.update({ where: { id: existing.id }, data: missing });
  if (missing.phone) await refreshSubscribers(tx, shop.domain, { customerId: existing.id });
  return { created: false };
}

export async function projectCheckout(tx: DbTx, shop: ShopContext, p: CheckoutPayload) {
  const { phone } = firstValidPhone(buyerPhoneCandidates({ ...p, phone: p.phone ?? p.sms_marketing_phone }), shop.country);
  const email = p.email ?? p.customer?.email ?? null;
  const where = { shop_token: { shop: shop.domain, token: p.token } };
  const existing = await tx.checkout.findUnique({ where });
  if (existing && existing.sourceUpdatedAt > p.updated_at) return { checkout: existing, stale: true };
  const fields = {
    cartToken: p.cart_token,
    phone,
    email,
    firstName: p.customer?.first_name ?? p.billing_address?.first_name ?? p.shipping_address?.first_name ?? null,
    locale: p.customer_locale,
    customerKey: customerKey({ shopifyCustomerId: p.shopifyCustomerId, phone, email }),
    totalPrice: p.total_price ?? null,
    currency: p.presentment_currency ?? p.currency,
    abandonedCheckoutUrl: p.abandoned_checkout_url,
    addressCountry: addressCountry(p),
    lineItems: JSON.stringify(p.line_items),
    completedAt: p.completed_at ?? null,
    createdAt: p.created_at,
    sourceUpdatedAt: p.updated_at,
    shopifyCheckoutId: checkoutIdKey(p.id, p.name) ?? existing?.shopifyCheckoutId ?? null,
  };
  const checkout = existing
    ? await tx.checkout.update({ where, data: fields })
    : await tx.checkout.create({ data: { shop: shop.domain, token: p.token, ...fields } });
  return { checkout, stale: false };
}
