// Projections: the current state of orders, checkouts and customers, built from webhook payloads.
// Webhooks arrive late and out of order (API-FACTS.md B3): an older payload never overwrites a newer one.
import type { DbTx } from "../db";
import { customerKey, normalizePhone } from "../identity";
import { buyerPhoneCandidates, checkoutIdKey, OPT_IN_ATTRIBUTE, type CheckoutPayload, type OrderPayload } from "./shopify-payloads";
import { rollupOrderChanged } from "../analytics/rollups";

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
    optInRequested: p.note_attributes[OPT_IN_ATTRIBUTE] === "1" || p.note_attributes[OPT_IN_ATTRIBUTE] === "true",
    orderStatusUrl: p.order_status_url,
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
  const data = {
    shopifyCustomerId: c.shopifyCustomerId ?? existing?.shopifyCustomerId ?? null,
    phone: c.phone ?? existing?.phone ?? null,
    email: c.email ?? existing?.email ?? null,
    firstName: c.firstName ?? existing?.firstName ?? null,
    locale: c.locale ?? existing?.locale ?? null,
    firstOrderAt: existing?.firstOrderAt && existing.firstOrderAt < c.orderAt ? existing.firstOrderAt : c.orderAt,
    lastOrderAt: existing?.lastOrderAt && existing.lastOrderAt > c.orderAt ? existing.lastOrderAt : c.orderAt,
  };
  if (existing) await tx.customer.update({ where: { id: existing.id }, data });
  else await tx.customer.create({ data: { shop, key, ...data } });
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
    locale: p.customer_locale,
    customerKey: customerKey({ shopifyCustomerId: p.shopifyCustomerId, phone, email }),
    totalPrice: p.total_price ?? null,
    currency: p.presentment_currency ?? p.currency,
    abandonedCheckoutUrl: p.abandoned_checkout_url,
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
