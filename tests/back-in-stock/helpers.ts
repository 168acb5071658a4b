// The app as back-in-stock, win-back and loyalty meet it: the virtual worker (Cloud API simulator, Admin API
// stand-in, one virtual clock) with the worker's other steps added — the cart-recovery scheduler, the fan-out, the
// win-back scheduler, the Shopify consent sync and the per-flow prepareSend.
import type { VirtualClock } from "~/.server/clock";
import { runBackInStockFanOut } from "~/.server/back-in-stock/fan-out";
import { backInStockPrepareSend } from "~/.server/back-in-stock/prepare-send";
import { cartRecoveryPrepareSend } from "~/.server/cart-recovery/prepare-send";
import { offerPrepareSend } from "~/.server/retention/prepare-send";
import { runWinBackScheduler } from "~/.server/retention/win-back";
import { runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { prepareSendByFlow } from "~/.server/outbox/prepare-by-flow";
import { processShopifySyncs } from "~/.server/shopify-admin/consent-write-back";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { db } from "~/shopify.server";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { resetDatabase as resetCartDatabase } from "../cart-recovery/helpers";
import { secretsKey } from "../helpers/session-key";
import { createVirtualWorker } from "../helpers/virtual-worker";

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
  const adminGraphql = createAdminGraphql({ fetch: admin.fetch });
  const log: string[] = [];
  const fanOut = () => runBackInStockFanOut({ db, clock, adminGraphql, secretsKey, policy: defaultOutboxPolicy, log: (line) => log.push(line) });
  const winBack = () => runWinBackScheduler({ db, clock, log: (line) => log.push(line) }, { intervalMs: 0 });
  const worker = createVirtualWorker(clock, {
    workerId: "retention-test",
    prepareSend: prepareSendByFlow({
      cart_recovery: cartRecoveryPrepareSend({ db, adminGraphql, secretsKey }),
      back_in_stock: backInStockPrepareSend({ db }),
      win_back: offerPrepareSend({ db, adminGraphql, secretsKey }),
      loyalty: offerPrepareSend({ db, adminGraphql, secretsKey }),
    }),
    beforeDispatch: [() => runCartRecoveryScheduler(db, clock), fanOut, winBack],
    afterDispatch: [async () => (await processShopifySyncs({ db, clock, adminGraphql, secretsKey, batch: 50 })).picked],
    maxRounds: 500,
  });
  return { ...worker, admin, log, fanOut, winBack };
}
