// The order confirmation's send-time step (outbox/dispatch.ts prepareSend), beside its planner (order-confirmation.ts)
// but apart from it, so the webhook path that plans confirmations does not load the Admin API lookups.
import type { PrepareSend } from "../outbox/dispatch";
import { variantImageHeader } from "../settings/header-image";
import type { AdminLookupDeps } from "../shopify-admin/variant-image";

/** The order confirmation's last step before the send: its header image from the order's first variant (Order.firstVariantId). */
export function orderConfirmationPrepareSend(deps: AdminLookupDeps): PrepareSend {
  return async (message, components, now, facts) => {
    if (message.flow !== "order_confirmation" || !message.orderId) return { action: "send" };
    const orderId = message.orderId;
    const firstVariant = async () => (await deps.db.order.findUnique({ where: { id: orderId }, select: { firstVariantId: true } }))?.firstVariantId ?? null;
    return (await variantImageHeader(deps, message, components, firstVariant, now, facts)) ?? { action: "send" };
  };
}
