// A shopper who writes to the shop after a cart reminder (anything but a consent keyword) wants a person,
// not another reminder (issue 4): their checkout records the reply and its pending step 2 is cancelled.
// The send-time gate reads the same record, so a step 2 already claimed by a worker is stopped there.
import type { Prisma } from "@prisma/client";
import type { Db } from "../db";
import { retryOnContention } from "../db";
import type { ShopFilter } from "../inbound/shop-scope";
import { cancelPendingReminders, CART_RECOVERY_FLOW } from "./checkout-events";

export interface ShopperMessage {
  phone: string | null;
  waUserId: string | null;
  /** When the shopper wrote (WhatsApp's timestamp). */
  at: Date;
}

/** Reminders older than this are not what a reply answers. */
const LOOKBACK_MS = 30 * 86_400_000;

/**
 * Returns the number of checkouts whose step 2 the replies stopped (or would have, had it been pending). Only
 * reminders of `shops` (the shops of the number the shopper wrote to) are looked at.
 */
export async function noteShopperMessages(db: Db, messages: ShopperMessage[], now: Date, shops: ShopFilter): Promise<number> {
  let noted = 0;
  for (const message of messages) {
    const who: Prisma.MessageWhereInput[] = [...(message.phone ? [{ to: message.phone }] : []), ...(message.waUserId ? [{ waUserId: message.waUserId }] : [])];
    if (who.length === 0) continue;
    const reminded = await db.message.findMany({
      where: { shop: shops, flow: CART_RECOVERY_FLOW, OR: who, checkoutToken: { not: null }, sentAt: { not: null, lte: message.at, gte: new Date(message.at.getTime() - LOOKBACK_MS) } },
      select: { shop: true, checkoutToken: true },
      distinct: ["shop", "checkoutToken"],
    });
    for (const { shop, checkoutToken } of reminded) {
      const applied = await retryOnContention(() =>
        db.$transaction(async (tx) => {
          const { count } = await tx.cartRecovery.updateMany({ where: { shop, checkoutToken: checkoutToken!, shopperRepliedAt: null }, data: { shopperRepliedAt: message.at, updatedAt: now } });
          if (count === 1) await cancelPendingReminders(tx, shop, checkoutToken!, "shopper_replied", now, [2]);
          return count === 1;
        }),
      );
      if (applied) noted += 1;
    }
  }
  return noted;
}
