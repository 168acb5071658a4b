// orders/create, in the ingest transaction: the loyalty thank-you after the k-th order, and the VIP customer tag
// (queued in the ShopifySync outbox, written by the worker with tagsAdd) once the lifetime value passes the
// threshold. Both only while the loyalty flow is on; both are idempotent by unique keys.
import { rollupMessagesMoved } from "../analytics/rollups";
import { lifetimeValueCents, planLoyalty, shouldTagVip, storefrontUrl, winBackDedupeKey } from "../automations/retention";
import type { MessagePlan } from "../automations/types";
import type { DbTx } from "../db";
import { eventReason } from "../outbox/events";
import { readSettings } from "../settings/store";
import { CUSTOMER_TAG_KIND, customerTagDedupeKey, type CustomerTagPayload } from "../shopify-admin/customer-tag";

export interface OrderFacts {
  /** The Order row (the thank-you is about it: cancelled before the send, the gate cancels the message). */
  id: string;
  customerKey: string | null;
  test: boolean;
  cancelledAt: Date | null;
}

/**
 * Any new order of the customer cancels a pending win-back offer at once (the send-time check in
 * retention/prepare-send.ts covers an order that arrives between this and the send).
 */
export async function cancelPendingWinBack(tx: DbTx, shop: string, order: OrderFacts, now: Date): Promise<number> {
  if (!order.customerKey || order.test || order.cancelledAt) return 0;
  // The offer's key is win_back:<customer key>:<order>: a key range on the unique (shop, dedupeKey) index finds it
  // without scanning the shop's messages (this runs for every order).
  const prefix = winBackDedupeKey(order.customerKey, "");
  const pending = await tx.message.findMany({
    where: { shop, dedupeKey: { gte: prefix, lt: `${prefix.slice(0, -1)};` }, flow: "win_back", status: "SCHEDULED" },
    select: { id: true },
  });
  let cancelled = 0;
  for (const { id } of pending) {
    const { count } = await tx.message.updateMany({ where: { id, status: "SCHEDULED" }, data: { status: "CANCELLED", statusReason: "ordered_again" } });
    if (count !== 1) continue;
    await tx.messageEvent.create({ data: { messageId: id, status: "CANCELLED", reason: eventReason("ordered_again", "The customer ordered again before the win-back offer went out."), source: "planner", at: now } });
    await rollupMessagesMoved(tx, [id], "SCHEDULED", "CANCELLED");
    cancelled += 1;
  }
  return cancelled;
}

export async function retentionOnOrder(tx: DbTx, shop: { domain: string; locale: string }, order: OrderFacts, now: Date): Promise<MessagePlan[]> {
  if (!order.customerKey || order.test || order.cancelledAt) return [];
  const settings = await readSettings(tx, shop.domain);
  if (!settings.flows.loyalty.enabled) return [];
  const [orders, customer] = await Promise.all([
    tx.order.findMany({ where: { shop: shop.domain, customerKey: order.customerKey, cancelledAt: null, test: false }, select: { shopifyOrderId: true, createdAt: true, totalPrice: true, locale: true }, orderBy: { createdAt: "asc" } }),
    tx.customer.findUnique({ where: { shop_key: { shop: shop.domain, key: order.customerKey } } }),
  ]);
  const history = { customerKey: order.customerKey, phone: customer?.phone ?? null, firstName: customer?.firstName ?? null, locale: customer?.locale ?? null, orders };
  const decision = planLoyalty(history, { orderCount: settings.loyaltyOrderCount }, { locale: shop.locale, url: storefrontUrl(shop.domain) }, now);

  const shopifyCustomerId = customer?.shopifyCustomerId ?? null;
  if (shouldTagVip(lifetimeValueCents(orders.map((o) => o.totalPrice)), settings.vipLifetimeValue, shopifyCustomerId)) {
    const dedupeKey = customerTagDedupeKey(shopifyCustomerId!, settings.vipTag);
    const exists = await tx.shopifySync.findUnique({ where: { shop_dedupeKey: { shop: shop.domain, dedupeKey } }, select: { id: true } });
    if (!exists) {
      const payload: CustomerTagPayload = { customerId: shopifyCustomerId!, tags: [settings.vipTag] };
      await tx.shopifySync.create({ data: { shop: shop.domain, kind: CUSTOMER_TAG_KIND, dedupeKey, payload: JSON.stringify(payload), nextAttemptAt: now, createdAt: now } });
    }
  }
  return decision.plan ? [{ ...decision.plan, orderId: order.id }] : [];
}
