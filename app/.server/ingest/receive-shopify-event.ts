// Project one accepted Shopify webhook (inbox.ts stored it): project, plan, enqueue and mark it processed —
// all in one transaction, so a failure leaves nothing half-written and the next try starts clean.
import type { Clock } from "../clock";
import { isUniqueViolation, retryOnContention, type Db, type DbTx } from "../db";
import { planOrderConfirmation } from "../automations/order-confirmation";
import type { MessagePlan } from "../automations/types";
import { onCheckoutDeleted, onCheckoutPayload, onOrderForCheckout } from "../cart-recovery/checkout-events";
import { consentPlansFromMarker } from "../consent/marker";
import { handleWhatsAppConsentUpdate } from "../consent/shopify-consent-webhook";
import { cancelFeedbackForOrder, handleFulfillmentPayload, linkEarlyFulfillments } from "../fulfillments/events";
import { handleInventoryLevelUpdate } from "../back-in-stock/inventory";
import { handleCustomersDataRequest, handleCustomersRedact, handleShopRedact } from "../gdpr/handlers";
import { cancelPendingWinBack, retentionOnOrder } from "../retention/on-order";
import { enqueuePlans } from "./enqueue";
import { projectCheckout, projectOrder, type ShopContext } from "./projections";
import { checkoutDeletePayload, checkoutPayload, describeZodError, OPT_IN_ATTRIBUTE, orderPayload, type CheckoutPayload, type OrderPayload } from "./shopify-payloads";
import { rollupMessagesMovingWhere } from "../analytics/rollups";

export interface ShopifyEvent {
  shop: string;
  /** As in the X-Shopify-Topic header, e.g. "orders/create". */
  topic: string;
  webhookId: string;
  apiVersion?: string | null;
  triggeredAt?: Date | null;
  payload: unknown;
  /** The payload as delivered (valid JSON), stored as it came instead of being serialised again. */
  payloadJson?: string;
}

export interface IngestDeps {
  db: Db;
  clock: Clock;
}

export type ProjectionOutcome =
  /** Another process (the worker, or a second web process) projected it first, or it is gone (shop/redact). */
  | { status: "already" }
  | { status: "processed"; planned: number; note: string | null };

export interface TopicResult {
  plans: MessagePlan[];
  note?: string;
  /** Kept as the WebhookEvent's payload instead of the one received (GDPR: a redact request's personal data is not kept). */
  storedPayload?: unknown;
  /** False: no WebhookEvent row is kept at all (shop/redact leaves nothing of the shop; a redelivery erases nothing new). */
  keepEvent?: boolean;
}
export type TopicHandler = (tx: DbTx, shop: ShopContext, event: ShopifyEvent, now: Date) => Promise<TopicResult>;

async function handleOrder(tx: DbTx, shop: ShopContext, event: ShopifyEvent, now: Date): Promise<TopicResult> {
  const parsed = orderPayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: `skipped: order payload not usable (${describeZodError(parsed.error)})` };
  const { order, stale, phoneInvalid, firstName } = await projectOrder(tx, shop, parsed.data);
  const consentPlans = await consentPlansFromMarker(tx, markerOf(shop, parsed.data, order.phone, parsed.data.checkout_token), now);
  // Cart recovery: any order for the checkout closes it; its pending reminders are cancelled.
  if (parsed.data.checkout_token) await onOrderForCheckout(tx, shop.domain, parsed.data.checkout_token, now);
  // Feedback: a refunded or cancelled order is asked nothing.
  if (!stale) await cancelFeedbackForOrder(tx, shop.domain, order, now);
  // Fulfillments that came before the order (webhook order is not guaranteed) get their shipping update now.
  const early = await linkEarlyFulfillments(tx, shop, order, now);
  if (event.topic !== "orders/create") {
    return { plans: [...consentPlans, ...early.plans], note: [stale ? "older than the order state we have; ignored" : null, early.note].filter(Boolean).join("; ") || undefined };
  }
  const plans = planOrderConfirmation(
    { ...order, phoneInvalid, firstName, phone: order.phone, cancelled: order.cancelledAt !== null, imageUrl: parsed.data.line_items.find((i) => i.imageUrl)?.imageUrl ?? null },
    shop,
    now,
  );
  // Win-back offers pending for the customer go; loyalty: the thank-you after the k-th order and the VIP tag
  // (retention/on-order.ts). Nothing for a stale payload.
  if (!stale) await cancelPendingWinBack(tx, shop.domain, order, now);
  const loyalty = stale ? [] : await retentionOnOrder(tx, shop, order, now);
  return {
    plans: [...consentPlans, ...plans, ...early.plans, ...loyalty],
    note: [plans.length === 0 ? "order already cancelled; no confirmation" : null, early.note].filter(Boolean).join("; ") || undefined,
  };
}

function markerOf(shop: ShopContext, p: OrderPayload | CheckoutPayload, phone: string | null, checkoutToken: string | null) {
  const value = p.note_attributes[OPT_IN_ATTRIBUTE];
  return { shop: shop.domain, phone, optIn: value === "1" || value === "true", checkoutToken, locale: p.customer_locale, customerId: p.shopifyCustomerId };
}

async function handleCheckout(tx: DbTx, shop: ShopContext, event: ShopifyEvent, now: Date): Promise<TopicResult> {
  const parsed = checkoutPayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: `skipped: checkout payload not usable (${describeZodError(parsed.error)})` };
  const { checkout, stale } = await projectCheckout(tx, shop, parsed.data);
  const plans = await consentPlansFromMarker(tx, markerOf(shop, parsed.data, checkout.phone, parsed.data.token), now);
  // Cart recovery: plan or move the reminders from the newest checkout state; a stale payload changes nothing.
  const reminders = stale ? [] : await onCheckoutPayload(tx, shop, parsed.data, checkout, now);
  return { plans: [...plans, ...reminders], note: stale ? "older than the checkout state we have; ignored" : undefined };
}

async function handleCheckoutDelete(tx: DbTx, shop: ShopContext, event: ShopifyEvent, now: Date): Promise<TopicResult> {
  const parsed = checkoutDeletePayload.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: `skipped: checkout delete payload not usable (${describeZodError(parsed.error)})` };
  const closed = await onCheckoutDeleted(tx, shop.domain, parsed.data, now);
  return { plans: [], note: closed === 0 ? "no known checkout with this id" : `${closed} checkout(s) closed; pending reminders cancelled` };
}

async function handleAppUninstalled(tx: DbTx, shop: ShopContext, _event: ShopifyEvent, now: Date): Promise<TopicResult> {
  const { count } = await tx.session.deleteMany({ where: { shop: shop.domain } });
  await tx.shop.update({ where: { domain: shop.domain }, data: { uninstalledAt: now } });
  await rollupMessagesMovingWhere(tx, { shop: shop.domain, status: "SCHEDULED" }, "CANCELLED");
  await tx.message.updateMany({ where: { shop: shop.domain, status: "SCHEDULED" }, data: { status: "CANCELLED", statusReason: "app_uninstalled" } });
  return { plans: [], note: `app uninstalled; ${count} session(s) deleted, scheduled messages cancelled` };
}

async function handleScopesUpdate(tx: DbTx, shop: ShopContext, event: ShopifyEvent): Promise<TopicResult> {
  const current = (event.payload as { current?: unknown }).current;
  if (!Array.isArray(current)) return { plans: [], note: "skipped: payload has no `current` scope list" };
  await tx.session.updateMany({ where: { shop: shop.domain }, data: { scope: current.map(String).join(",") } });
  return { plans: [] };
}

const handleFulfillment: TopicHandler = (tx, shop, event, now) => handleFulfillmentPayload(tx, shop, event.payload, now);

const recordOnly = (why: string): TopicHandler => async () => ({ plans: [], note: `recorded; ${why}` });

/** One handler per subscribed topic (shopify.app.toml). */
export const topicHandlers: Record<string, TopicHandler> = {
  "orders/create": handleOrder,
  "orders/updated": handleOrder,
  "orders/cancelled": handleOrder,
  "checkouts/create": handleCheckout,
  "checkouts/update": handleCheckout,
  "checkouts/delete": handleCheckoutDelete,
  "fulfillments/create": handleFulfillment,
  "fulfillments/update": handleFulfillment,
  "inventory_levels/update": handleInventoryLevelUpdate,
  "app/uninstalled": handleAppUninstalled,
  "app/scopes_update": handleScopesUpdate,
  "customers_whats_app_marketing_consent/update": handleWhatsAppConsentUpdate,
  "customers/data_request": handleCustomersDataRequest,
  "customers/redact": handleCustomersRedact,
  "shop/redact": handleShopRedact,
};

/** An accepted event as the inbox keeps it (a WebhookEvent row not yet processed). */
export interface StoredShopifyEvent extends ShopifyEvent {
  id: number;
  receivedAt: Date;
  /** Failed projections so far (their reason is in the row's note, which a success clears). */
  attempts: number;
}

/**
 * Projects one accepted event: claim it, project, plan, enqueue and mark it processed — one transaction, so a failure
 * leaves nothing half-written and the event stays in the inbox for the next try. `now` is when it was received, so
 * the result does not depend on how soon after the delivery it is projected.
 */
export async function projectShopifyEvent(deps: IngestDeps, event: StoredShopifyEvent): Promise<ProjectionOutcome> {
  // Two events racing on the same keys (e.g. two deliveries of one order, projected by two processes): the loser's
  // transaction fails on a unique constraint and is retried, when it sees the winner's rows and projects onto them.
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryOnContention(() => projectOnce(deps, event));
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

async function projectOnce({ db, clock }: IngestDeps, event: StoredShopifyEvent): Promise<ProjectionOutcome> {
  const now = event.receivedAt;
  return db.$transaction(async (tx) => {
    // The claim: whoever marks the row processed first projects it; on PostgreSQL the row lock makes a second
    // transaction wait here and then find nothing to claim.
    const claimed = await tx.webhookEvent.updateMany({ where: { id: event.id, processedAt: null }, data: { processedAt: clock.now() } });
    if (claimed.count === 0) return { status: "already" as const };

    // findUnique, then create when missing: one query in the common case (Prisma's upsert reads three times).
    const shopRow =
      (await tx.shop.findUnique({ where: { domain: event.shop } })) ?? (await tx.shop.create({ data: { domain: event.shop, installedAt: now } }));
    const shop: ShopContext = { domain: shopRow.domain, country: shopRow.country, locale: shopRow.locale };
    const handler = topicHandlers[event.topic] ?? recordOnly(`no handler for topic ${event.topic}`);
    const { plans, note, storedPayload, keepEvent } = await handler(tx, shop, event, now);
    const planned = await enqueuePlans(tx, event.shop, plans, now);

    if (keepEvent === false) await tx.webhookEvent.deleteMany({ where: { id: event.id } });
    else if (note !== undefined || storedPayload !== undefined || event.attempts > 0) {
      await tx.webhookEvent.updateMany({
        where: { id: event.id },
        data: { note: note ?? null, ...(storedPayload !== undefined ? { payload: JSON.stringify(storedPayload) } : {}) },
      });
    }
    if (note?.startsWith("skipped")) console.warn(`[ingest] ${event.topic} ${event.webhookId} for ${event.shop}: ${note}`);
    return { status: "processed" as const, planned, note: note ?? null };
  });
}
