// What Shopify's checkout and order webhooks do to cart recovery, inside the ingest transaction
// (ingest/receive-shopify-event.ts): track the checkout, plan or move its steps, close it for good when an
// order for it arrives or the checkout is deleted. Stale payloads never get here.
import type { Checkout } from "@prisma/client";
import type { DbTx } from "../db";
import {
  planCartRecovery,
  stepOfDedupeKey,
  type CartItem,
  type RecoveryState,
  type RecoveryStep,
} from "../automations/cart-recovery";
import type { MessagePlan } from "../automations/types";
import { eventReason } from "../outbox/events";
import type { TemplateComponent } from "../whatsapp/types";
import type { CheckoutPayload } from "../ingest/shopify-payloads";
import { checkoutIdKey } from "../ingest/shopify-payloads";
import { holdoutBucket } from "./holdout";
import { cartRecoverySettings } from "./settings";
import { rollupMessagesMoved } from "../analytics/rollups";
import { applyFlowSettings } from "../settings/flows";

export const CART_RECOVERY_FLOW = "cart_recovery";

const CANCEL_SENTENCES: Record<string, string> = {
  order_placed: "An order was placed for the checkout; no reminder is sent.",
  checkout_deleted: "Shopify deleted the checkout; no reminder is sent.",
  not_contactable: "The checkout has no usable phone number any more.",
  flow_disabled: "The merchant switched this cart-recovery step off.",
  holdout: "The checkout is in the holdout group (METRICS.md): it gets no reminder, so the lift can be measured.",
  no_consent: "The shopper's WhatsApp consent was not CONFIRMED at step-1 time (METRICS.md: not eligible).",
  not_eligible: "The checkout was not eligible for a reminder at step-1 time.",
  shopper_replied: "The shopper wrote to the shop after a reminder: they want a person, not another reminder.",
  header_media_missing: "The mapped template's header needs an image or video the updated cart does not have, and no header-less template can stand in.",
};

export function cancelSentence(reason: string): string {
  return CANCEL_SENTENCES[reason] ?? "The reminder is no longer relevant.";
}

/** Cancels the checkout's SCHEDULED reminders (all steps, or the given ones), each with its event. Returns how many. */
export async function cancelPendingReminders(
  tx: DbTx,
  shop: string,
  checkoutToken: string,
  reason: string,
  now: Date,
  steps?: RecoveryStep[],
): Promise<number> {
  const rows = await tx.message.findMany({
    where: { shop, checkoutToken, flow: CART_RECOVERY_FLOW, status: "SCHEDULED" },
    select: { id: true, dedupeKey: true },
  });
  let cancelled = 0;
  for (const row of rows) {
    const step = stepOfDedupeKey(row.dedupeKey);
    if (steps && (step === null || !steps.includes(step))) continue;
    // Conditional: a worker that claimed the row in the meantime keeps it, and its send-time gate re-checks.
    const { count } = await tx.message.updateMany({ where: { id: row.id, status: "SCHEDULED" }, data: { status: "CANCELLED", statusReason: reason } });
    if (count !== 1) continue;
    await rollupMessagesMoved(tx, [row.id], "SCHEDULED", "CANCELLED");
    await tx.messageEvent.create({ data: { messageId: row.id, status: "CANCELLED", reason: eventReason(reason, cancelSentence(reason)), source: "planner", at: now } });
    cancelled += 1;
  }
  return cancelled;
}

function urlButton(messageId: string): TemplateComponent {
  return { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: messageId }] };
}

async function closeRecovery(tx: DbTx, shop: string, checkoutToken: string, reason: "order_placed" | "checkout_deleted", now: Date): Promise<void> {
  await tx.cartRecovery.updateMany({ where: { shop, checkoutToken, closedReason: null }, data: { closedReason: reason, closedAt: now, updatedAt: now } });
  await cancelPendingReminders(tx, shop, checkoutToken, reason, now);
}

/**
 * checkouts/create|update, after the projection applied a payload that is not older than what we hold.
 * Returns the new reminders to enqueue; moves, refreshes and cancellations are written here.
 */
export async function onCheckoutPayload(
  tx: DbTx,
  shop: { domain: string; locale: string },
  payload: CheckoutPayload,
  checkout: Checkout,
  now: Date,
): Promise<MessagePlan[]> {
  const token = checkout.token;
  const [shopRow, existing, messages, order] = await Promise.all([
    tx.shop.findUnique({ where: { domain: shop.domain }, select: { settings: true } }),
    tx.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop: shop.domain, checkoutToken: token } } }),
    tx.message.findMany({ where: { shop: shop.domain, checkoutToken: token, flow: CART_RECOVERY_FLOW }, select: { id: true, dedupeKey: true, status: true } }),
    tx.order.findFirst({ where: { shop: shop.domain, checkoutToken: token }, select: { id: true } }),
  ]);
  const settings = cartRecoverySettings(shopRow?.settings);

  // The order (or the deletion) may have arrived before this update: the checkout is closed all the same.
  const closedReason = existing?.closedReason ?? (order ? "order_placed" : checkout.deletedAt ? "checkout_deleted" : null);
  if (closedReason && !existing?.closedReason && existing) await closeRecovery(tx, shop.domain, token, closedReason as "order_placed" | "checkout_deleted", now);
  const steps: RecoveryState["steps"] = {};
  const idOfStep = new Map<RecoveryStep, string>();
  for (const m of messages) {
    const step = stepOfDedupeKey(m.dedupeKey);
    if (step === null) continue;
    steps[step] = { status: m.status };
    idOfStep.set(step, m.id);
  }
  const outcome = planCartRecovery(
    {
      token,
      phone: checkout.phone,
      customerKey: checkout.customerKey,
      locale: checkout.locale,
      firstName: checkout.firstName,
      items: payload.line_items as CartItem[],
      totalPrice: checkout.totalPrice,
      currency: checkout.currency,
      recoveryUrl: checkout.abandonedCheckoutUrl,
      completed: checkout.completedAt !== null,
      updatedAt: checkout.sourceUpdatedAt,
    },
    { closedReason, decision: existing?.decision ?? null, step1DueAt: existing?.step1DueAt ?? null, steps },
    settings,
    shop,
    now,
  );

  if (outcome.close) {
    if (existing) await closeRecovery(tx, shop.domain, token, outcome.close, now);
    return [];
  }
  if (outcome.track) {
    const { lastUpdateAt, step1DueAt } = outcome.track;
    await tx.cartRecovery.upsert({
      where: { shop_checkoutToken: { shop: shop.domain, checkoutToken: token } },
      create: { shop: shop.domain, checkoutToken: token, checkoutCreatedAt: checkout.createdAt, lastUpdateAt, step1DueAt, bucket: holdoutBucket(shop.domain, token), updatedAt: now },
      update: { lastUpdateAt, step1DueAt, updatedAt: now },
    });
  }
  // The refreshed content goes through the merchant's mapping like a new plan: the template and its header
  // follow the newest cart (its first image may have changed or gone).
  for (const plan of await applyFlowSettings(tx, shop.domain, outcome.refresh)) {
    const step = stepOfDedupeKey(plan.dedupeKey)!;
    const id = idOfStep.get(step)!;
    if (plan.skipReason) {
      await cancelPendingReminders(tx, shop.domain, token, plan.skipReason, now, [step]);
      continue;
    }
    const components = plan.linkUrl ? [...plan.components, urlButton(id)] : plan.components;
    const { count } = await tx.message.updateMany({
      where: { id, status: "SCHEDULED" },
      data: { sendAfter: plan.sendAfter, plannedFor: plan.sendAfter, to: plan.to, customerKey: plan.customerKey, template: plan.template, language: plan.language, components: JSON.stringify(components), linkUrl: plan.linkUrl ?? null },
    });
    if (count === 1) {
      await tx.messageEvent.create({
        data: { messageId: id, status: "SCHEDULED", reason: eventReason("rescheduled", `The checkout was updated; the reminder moves to ${plan.sendAfter.toISOString()}.`), source: "planner", at: now },
      });
    }
  }
  for (const { step, reason } of outcome.cancel) await cancelPendingReminders(tx, shop.domain, token, reason, now, [step]);
  return outcome.create;
}

/** orders/* with a checkout_token: the checkout became an order. Pending reminders are cancelled; nothing is planned again. */
export async function onOrderForCheckout(tx: DbTx, shop: string, checkoutToken: string, now: Date): Promise<void> {
  await closeRecovery(tx, shop, checkoutToken, "order_placed", now);
}

/** checkouts/delete: the payload names the checkout by its numeric id (and cart token). Returns how many checkouts it closed. */
export async function onCheckoutDeleted(tx: DbTx, shop: string, payload: { id: number | string; cart_token: string | null }, now: Date): Promise<number> {
  const idKey = checkoutIdKey(payload.id);
  if (idKey === null) return 0;
  const checkouts = await tx.checkout.findMany({
    where: { shop, shopifyCheckoutId: idKey, ...(payload.cart_token ? { OR: [{ cartToken: payload.cart_token }, { cartToken: null }] } : {}) },
    select: { id: true, token: true },
  });
  for (const c of checkouts) {
    await tx.checkout.update({ where: { id: c.id }, data: { deletedAt: now } });
    await closeRecovery(tx, shop, c.token, "checkout_deleted", now);
  }
  return checkouts.length;
}
