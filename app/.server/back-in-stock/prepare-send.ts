// The last step before a back-in-stock alert goes to Meta: is the variant still available, and is the signup
// still waiting? The subscription is marked NOTIFIED here, conditionally, so two alerts for one signup (two
// quick restocks) can never both go out. A send that then fails still used the signup up (the message log
// shows the failure); a cancelled alert leaves it waiting for the next restock.
import type { Message } from "@prisma/client";
import { backInStockRelevance, parseBackInStockDedupeKey } from "../automations/back-in-stock";
import type { Db } from "../db";
import { retryOnContention } from "../db";
import type { PrepareResult, PrepareSend } from "../outbox/dispatch";
import { availableNow } from "./inventory";

export const BACK_IN_STOCK_FLOW = "back_in_stock";

export function backInStockPrepareSend(deps: { db: Db }): PrepareSend {
  return async (message: Message, _components, now: Date): Promise<PrepareResult> => {
    if (message.flow !== BACK_IN_STOCK_FLOW) return { action: "send" };
    const { db } = deps;
    const ref = parseBackInStockDedupeKey(message.dedupeKey);
    const restock = ref ? await db.restock.findUnique({ where: { id: ref.restockId }, select: { inventoryItemId: true } }) : null;
    if (!ref || !restock) return { action: "cancel", reason: "restock_unknown", detail: "The restock this alert belongs to is not known (any more)." };
    const [available, subscription] = await Promise.all([
      availableNow(db, message.shop, restock.inventoryItemId),
      db.backInStockSubscription.findUnique({ where: { id: ref.subscriptionId }, select: { status: true } }),
    ]);
    const check = backInStockRelevance(available, subscription?.status ?? null);
    if (check.action === "cancel") return check;
    const { count } = await retryOnContention(() =>
      db.backInStockSubscription.updateMany({ where: { id: ref.subscriptionId, status: "WAITING" }, data: { status: "NOTIFIED", notifiedAt: now } }),
    );
    if (count !== 1) return { action: "cancel", reason: "already_notified", detail: "Another alert for this signup was sent a moment ago." };
    return { action: "send" };
  };
}
