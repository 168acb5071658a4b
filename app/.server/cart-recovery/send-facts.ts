// What the send-time gate needs to know about a cart reminder (outbox/gate.ts "relevance"), loaded just
// before sending. When the reminder is claimed before the scheduler decided its checkout, the step-1
// decision is taken here, once, exactly as the scheduler would have taken it.
import type { Db, DbTx } from "../db";
import type { CartRecoveryFacts } from "../outbox/gate";
import { ensureDecided } from "./step1";

/**
 * Why the checkout is closed (order_placed, checkout_deleted), or null while it is open. The CartRecovery row is
 * read last and on its own: every signal (orders/*, completed_at, checkouts/delete) closes it in the same
 * transaction that records the signal, so a signal committed before this read began is always seen by it.
 */
export async function checkoutClosed(db: DbTx, shop: string, checkoutToken: string): Promise<string | null> {
  const order = await db.order.findFirst({ where: { shop, checkoutToken }, select: { id: true } });
  const recovery = await db.cartRecovery.findUnique({ where: { shop_checkoutToken: { shop, checkoutToken } }, select: { closedReason: true } });
  return recovery?.closedReason ?? (order ? "order_placed" : null);
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
