// The app as back-in-stock, win-back and loyalty meet it: the cart-recovery harness (Cloud API simulator, Admin API
// stand-in, one virtual clock) with the worker's other steps added — the fan-out, the win-back scheduler and the
// per-flow prepareSend.
import type { VirtualClock } from "~/.server/clock";
import { runBackInStockFanOut } from "~/.server/back-in-stock/fan-out";
import { backInStockPrepareSend } from "~/.server/back-in-stock/prepare-send";
import { cartRecoveryPrepareSend } from "~/.server/cart-recovery/prepare-send";
import { offerPrepareSend } from "~/.server/retention/prepare-send";
import { runWinBackScheduler } from "~/.server/retention/win-back";
import { runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { prepareSendByFlow } from "~/.server/outbox/prepare-by-flow";
import { processShopifySyncs } from "~/.server/shopify-admin/consent-write-back";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { db } from "~/shopify.server";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { createCartHarness, resetDatabase as resetCartDatabase } from "../cart-recovery/helpers";
import { secretsKey } from "../helpers/session-key";

export { consentFor, installSession, setShopSettings, SHOP, HOUR, MINUTE } from "../cart-recovery/helpers";

export async function resetDatabase(): Promise<void> {
  await db.backInStockSubscription.deleteMany();
  await db.inventoryItemVariant.deleteMany();
  await db.inventoryLevel.deleteMany();
  await db.restock.deleteMany();
  await db.whatsAppTemplate.deleteMany();
  await resetCartDatabase();
}

export function createRetentionHarness(clock: VirtualClock) {
  const admin = createShopifyAdminSimulator();
  const harness = createCartHarness(clock, { admin });
  const adminGraphql = createAdminGraphql({ fetch: admin.fetch });
  const log: string[] = [];
  harness.deps.prepareSend = prepareSendByFlow({
    cart_recovery: cartRecoveryPrepareSend({ db, adminGraphql, secretsKey }),
    back_in_stock: backInStockPrepareSend({ db }),
    win_back: offerPrepareSend({ db, adminGraphql, secretsKey }),
    loyalty: offerPrepareSend({ db, adminGraphql, secretsKey }),
  });
  const fanOut = () => runBackInStockFanOut({ db, clock, adminGraphql, secretsKey, policy: harness.deps.policy, log: (line) => log.push(line) });
  const winBack = () => runWinBackScheduler({ db, clock, log: (line) => log.push(line) }, { intervalMs: 0 });
  return {
    ...harness,
    admin,
    log,
    fanOut,
    winBack,
    /** Worker rounds (schedulers, dispatch, Shopify sync, simulator deliveries) until nothing is due now. */
    async settle(): Promise<void> {
      for (let round = 0; round < 500; round++) {
        await runCartRecoveryScheduler(db, clock);
        await fanOut();
        await winBack();
        const dispatched = await dispatchDueMessages(harness.deps);
        const synced = await processShopifySyncs({ db, clock, adminGraphql, secretsKey, batch: 50 });
        const delivered = await harness.sim.flushDue();
        if (dispatched.claimed === 0 && delivered === 0 && synced.picked === 0) return;
      }
      throw new Error("the outbox did not settle");
    },
    /** Runs the worker through virtual time up to now + ms, one due instant after the other. */
    async advance(ms: number): Promise<void> {
      const target = clock.now().getTime() + ms;
      for (;;) {
        await this.settle();
        const next = await db.message.findFirst({ where: { status: "SCHEDULED" }, orderBy: { sendAfter: "asc" }, select: { sendAfter: true } });
        const due = [next?.sendAfter.getTime(), harness.sim.nextDueAt()?.getTime()].filter((t): t is number => t !== undefined && t <= target);
        if (due.length === 0) break;
        clock.set(new Date(Math.max(Math.min(...due), clock.now().getTime() + 1)));
      }
      clock.set(new Date(target));
      await this.settle();
    },
  };
}
