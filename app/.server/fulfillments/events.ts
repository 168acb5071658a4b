// fulfillments/create|update: project the fulfillment (newest payload wins, like Order and Checkout), then plan
// the shipping update and the feedback request — in the ingest transaction (receive-shopify-event.ts). A
// fulfillment that arrives before its order is kept and planned for when the order arrives.
import { rollupMessagesMoved } from "../analytics/rollups";
import { z } from "zod";
import { shopDisplayName } from "../automations/consent-messages";
import { feedbackDedupeKey, planFeedback } from "../automations/feedback";
import { NOT_SHIPPING, planShippingUpdate, shippingUpdateBlocker, type ShippingEvent } from "../automations/shipping-update";
import type { MessagePlan } from "../automations/types";
import type { DbTx } from "../db";
import type { ShopContext } from "../ingest/projections";
import { describeZodError } from "../ingest/shopify-payloads";
import { readSettings } from "../settings/store";

const nullableString = z.string().nullish().transform((v) => v ?? null);
const timestamp = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const fulfillmentPayload = z
  .object({
    admin_graphql_api_id: z.string().startsWith("gid://shopify/Fulfillment/"),
    order_id: z.union([z.number(), z.string().regex(/^\d+$/)]),
    status: z.string().min(1),
    shipment_status: nullableString,
    tracking_company: nullableString,
    tracking_number: nullableString,
    tracking_url: nullableString,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .passthrough()
  .transform((f) => ({ ...f, shopifyFulfillmentId: f.admin_graphql_api_id.slice(f.admin_graphql_api_id.lastIndexOf("/") + 1) }));
export type FulfillmentPayload = z.output<typeof fulfillmentPayload>;

/**
 * The exact order ids a payload's order_id can stand for. The fulfillment payload names its order by the
 * numeric id only, and a JSON number above 2^53 arrives rounded to a double (the fixture's 820982911946154508
 * parses as …500); every integer that rounds to the same double is a candidate, and at most one is an order.
 */
export function orderIdCandidates(orderId: number | string): string[] {
  if (typeof orderId === "string") return [orderId];
  if (!Number.isFinite(orderId) || orderId < 0) return [];
  if (Number.isSafeInteger(orderId)) return [String(orderId)];
  const center = BigInt(orderId);
  // Neighbouring doubles are 2^(exponent−52) apart; every integer within half of that rounds to this one.
  const spacing = 2n ** BigInt(Math.max(0, Math.floor(Math.log2(orderId)) - 52));
  const candidates: string[] = [];
  for (let candidate = center - spacing; candidate <= center + spacing; candidate++) {
    if (Number(candidate) === orderId) candidates.push(candidate.toString());
  }
  return candidates;
}

export interface FulfillmentTopicResult {
  plans: MessagePlan[];
  note?: string;
}

/** Fulfillment.orderRef: the order id as a JS number prints it, the same for the payload's rounded number and the order's exact id. */
export function orderRefOf(orderId: number | string): string {
  return String(Number(orderId));
}

type OrderRow = { id: string; name: string; phone: string | null; locale: string | null; customerKey: string | null; cancelledAt: Date | null; financialStatus: string | null };

async function shippingOrder(tx: DbTx, shop: string, order: OrderRow): Promise<ShippingEvent["order"]> {
  const firstName = order.customerKey
    ? ((await tx.customer.findUnique({ where: { shop_key: { shop, key: order.customerKey } }, select: { firstName: true } }))?.firstName ?? null)
    : null;
  return { id: order.id, name: order.name, phone: order.phone, locale: order.locale, customerKey: order.customerKey, firstName, cancelled: order.cancelledAt !== null };
}

export async function handleFulfillmentPayload(tx: DbTx, shop: ShopContext, payload: unknown, now: Date): Promise<FulfillmentTopicResult> {
  const parsed = fulfillmentPayload.safeParse(payload);
  if (!parsed.success) return { plans: [], note: `skipped: fulfillment payload not usable (${describeZodError(parsed.error)})` };
  const f = parsed.data;
  const order = await tx.order.findFirst({ where: { shop: shop.domain, shopifyOrderId: { in: orderIdCandidates(f.order_id) } } });

  const where = { shop_shopifyFulfillmentId: { shop: shop.domain, shopifyFulfillmentId: f.shopifyFulfillmentId } };
  const existing = await tx.fulfillment.findUnique({ where });
  const stale = existing !== null && existing.sourceUpdatedAt > f.updated_at;
  if (!stale) {
    const fields = {
      orderId: order?.id ?? existing?.orderId ?? null,
      orderRef: orderRefOf(f.order_id),
      status: f.status,
      shipmentStatus: f.shipment_status,
      trackingCompany: f.tracking_company,
      trackingNumber: f.tracking_number,
      trackingUrl: f.tracking_url,
      deliveredAt: existing?.deliveredAt ?? (f.shipment_status === "delivered" ? f.updated_at : null),
      createdAt: f.created_at,
      sourceUpdatedAt: f.updated_at,
    };
    if (existing) await tx.fulfillment.update({ where, data: fields });
    else await tx.fulfillment.create({ data: { shop: shop.domain, shopifyFulfillmentId: f.shopifyFulfillmentId, ...fields } });
  }
  // Shopify may deliver the fulfillment before orders/create (webhook order is not guaranteed): it is kept, and the
  // order's arrival plans its shipping update (linkEarlyFulfillments). For an order older than the app, nothing more.
  if (!order) return { plans: [], note: "fulfillment stored for an order not known yet; its shipping update is planned when the order arrives" };

  const common = await shippingOrder(tx, shop.domain, order);
  const shipping: ShippingEvent = {
    order: common,
    fulfillment: { shopifyFulfillmentId: f.shopifyFulfillmentId, status: f.status, trackingCompany: f.tracking_company, trackingNumber: f.tracking_number, trackingUrl: f.tracking_url },
    // A row stored before its order had no shipping update planned from it.
    previous: existing?.orderId ? { trackingNumber: existing.trackingNumber } : null,
    stale,
  };
  const plans = planShippingUpdate(shipping, shop, now);
  const withdrawn = !stale && NOT_SHIPPING.has(f.status) ? await cancelShippingUpdates(tx, shop.domain, f.shopifyFulfillmentId, f.status, now) : 0;

  const feedback = await planOrderFeedback(tx, shop, { ...common, refunded: isRefunded(order.financialStatus) }, now);
  const notes = [
    plans.length === 0 ? `no shipping update: ${shippingUpdateBlocker(shipping) ?? "nothing to send"}` : null,
    withdrawn > 0 ? `${withdrawn} pending shipping update(s) cancelled` : null,
    feedback.note,
  ].filter(Boolean);
  return { plans: [...plans, ...feedback.plans], note: notes.length > 0 ? notes.join("; ") : undefined };
}

/**
 * An order has arrived (any orders/* webhook): fulfillments stored before it are linked to it, and their shipping
 * updates and the feedback request are planned as if they had come after it. The dedupeKeys are the usual ones, so
 * a redelivered webhook plans nothing twice.
 */
export async function linkEarlyFulfillments(tx: DbTx, shop: ShopContext, order: OrderRow & { shopifyOrderId: string }, now: Date): Promise<FulfillmentTopicResult> {
  const early = await tx.fulfillment.findMany({ where: { shop: shop.domain, orderId: null, orderRef: orderRefOf(order.shopifyOrderId) }, orderBy: { createdAt: "asc" } });
  if (early.length === 0) return { plans: [] };
  await tx.fulfillment.updateMany({ where: { id: { in: early.map((f) => f.id) } }, data: { orderId: order.id } });
  const common = await shippingOrder(tx, shop.domain, order);
  const plans = early.flatMap((f) => planShippingUpdate({ order: common, fulfillment: f, previous: null, stale: false }, shop, now));
  const feedback = await planOrderFeedback(tx, shop, { ...common, refunded: isRefunded(order.financialStatus) }, now);
  return { plans: [...plans, ...feedback.plans], note: `${early.length} fulfillment(s) received before the order linked; ${plans.length} shipping update(s) planned` };
}

/** A fulfillment cancelled (or failed) before its shipping update went out: the update would be wrong. */
async function cancelShippingUpdates(tx: DbTx, shop: string, shopifyFulfillmentId: string, status: string, now: Date): Promise<number> {
  const pending = await tx.message.findMany({
    where: { shop, flow: "shipping_update", status: "SCHEDULED", dedupeKey: { startsWith: `shipping_update:${shopifyFulfillmentId}:` } },
    select: { id: true },
  });
  for (const { id } of pending) {
    await tx.message.update({
      where: { id },
      data: {
        status: "CANCELLED",
        statusReason: "fulfillment_cancelled",
        events: { create: { status: "CANCELLED", reason: `fulfillment_cancelled: the fulfillment is ${status}; no shipping update`, source: "planner", at: now } },
      },
    });
  }
  await rollupMessagesMoved(tx, pending.map((m) => m.id), "SCHEDULED", "CANCELLED");
  return pending.length;
}

const isRefunded = (financialStatus: string | null) => financialStatus === "refunded";

/** The feedback request from all the order's fulfillments: a delivery reported later moves it later. */
async function planOrderFeedback(
  tx: DbTx,
  shop: ShopContext,
  order: Parameters<typeof planFeedback>[0]["order"],
  now: Date,
): Promise<{ plans: MessagePlan[]; note: string | null }> {
  const fulfillments = await tx.fulfillment.findMany({ where: { shop: shop.domain, orderId: order.id }, select: { status: true, createdAt: true, deliveredAt: true } });
  const earliest = (dates: (Date | null)[]) => dates.filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
  const fulfilledAt = earliest(fulfillments.filter((x) => x.status === "success").map((x) => x.createdAt));
  const deliveredAt = earliest(fulfillments.map((x) => x.deliveredAt));
  const settings = await readSettings(tx, shop.domain);
  const shopName = settings.shopName ?? shopDisplayName(shop.domain, "{}");
  const plans = planFeedback({ order, fulfilledAt, deliveredAt, shopName, delayDays: settings.feedbackDelayDays }, shop, now);
  if (plans.length === 0) return { plans, note: null };

  // Planned once per order; a delivery reported after fulfilment moves a still-scheduled request.
  const planned = await tx.message.findUnique({ where: { shop_dedupeKey: { shop: shop.domain, dedupeKey: feedbackDedupeKey(order.id) } } });
  if (!planned) return { plans, note: null };
  const due = plans[0].sendAfter;
  if (planned.status === "SCHEDULED" && planned.plannedFor.getTime() !== due.getTime()) {
    await tx.message.update({
      where: { id: planned.id },
      data: {
        sendAfter: due,
        plannedFor: due,
        events: { create: { status: "SCHEDULED", reason: `feedback_rescheduled: the order was delivered; the feedback request is due ${due.toISOString()}`, source: "planner", at: now } },
      },
    });
    return { plans: [], note: "feedback request rescheduled after the delivery" };
  }
  return { plans: [], note: null };
}

/**
 * orders/updated|cancelled: a refunded or cancelled order gets no feedback request. The send-time gate cancels
 * for a cancelled order as well; a refund it does not know, so the request is cancelled here.
 */
export async function cancelFeedbackForOrder(tx: DbTx, shop: string, order: { id: string; cancelledAt: Date | null; financialStatus: string | null }, now: Date): Promise<number> {
  const reason = order.cancelledAt !== null ? "order_cancelled" : isRefunded(order.financialStatus) ? "order_refunded" : null;
  if (reason === null) return 0;
  const pending = await tx.message.findMany({ where: { shop, orderId: order.id, flow: "feedback", status: "SCHEDULED" }, select: { id: true } });
  for (const { id } of pending) {
    await tx.message.update({
      where: { id },
      data: {
        status: "CANCELLED",
        statusReason: reason,
        events: { create: { status: "CANCELLED", reason: `${reason}: the order was ${reason === "order_cancelled" ? "cancelled" : "refunded"}; no feedback request`, source: "planner", at: now } },
      },
    });
  }
  await rollupMessagesMoved(tx, pending.map((m) => m.id), "SCHEDULED", "CANCELLED");
  return pending.length;
}
