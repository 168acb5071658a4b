// What the send-time gate needs to know about a cart reminder (outbox/gate.ts "relevance"), loaded just
// before sending. When the reminder is claimed before the scheduler decided its checkout, the step-1
// decision is taken here, once, exactly as the scheduler would have taken it.
import type { Db, DbTx } from "../db";
import type { CartRecoveryFacts } from "../outbox/gate";
import { ensureDecided } from "./step1";

/** Whether anything we know says the checkout became an order: an order row for the token, completed_at, or a close. */
export async function checkoutOrdered(db: DbTx, shop: string, checkoutToken: string): Promise<boolean> {
  const [order, checkout, recovery] = await Promise.all([
    db.order.findFirst({ where: { shop, checkoutToken }, select: { id: true } }),
    db.checkout.findUnique({ where: { shop_token: { shop, token: checkoutToken } }, select: { completedAt: true } }),
    db.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop, checkoutToken } }, select: { closedReason: true } }),
  ]);
  return order !== null || checkout?.completedAt != null || recovery?.closedReason === "order_placed";
}

export async function loadCartRecoveryFacts(db: DbTx | Db, shop: string, checkoutToken: string, now?: Date): Promise<CartRecoveryFacts | null> {
  const row = now
    ? await ensureDecided(db, shop, checkoutToken, now)
    : await db.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop, checkoutToken } } });
  if (!row) return null;
  const [order, checkout] = await Promise.all([
    db.order.findFirst({ where: { shop, checkoutToken }, select: { id: true } }),
    db.checkout.findUnique({ where: { shop_token: { shop, token: checkoutToken } }, select: { completedAt: true, deletedAt: true } }),
  ]);
  return {
    ordered: order !== null || checkout?.completedAt != null || row.closedReason === "order_placed",
    deleted: checkout?.deletedAt != null || row.closedReason === "checkout_deleted",
    decision: row.decision,
    step1DueAt: row.step1DueAt,
    shopperRepliedAt: row.shopperRepliedAt,
  };
}
