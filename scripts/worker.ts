// `npm run worker`: the long-running outbox process. Sends due messages through the Cloud API (or the simulator
// at WHATSAPP_API_BASE_URL) until SIGINT/SIGTERM. Logs counts only: never phone numbers, parameters or tokens.
import { runBackInStockFanOut } from "~/.server/back-in-stock/fan-out";
import { backInStockPrepareSend } from "~/.server/back-in-stock/prepare-send";
import { cartRecoveryPrepareSend } from "~/.server/cart-recovery/prepare-send";
import { prepareSendByFlow } from "~/.server/outbox/prepare-by-flow";
import { orderConfirmationPrepareSend } from "~/.server/automations/order-confirmation-send";
import { offerPrepareSend } from "~/.server/retention/prepare-send";
import { runWinBackScheduler } from "~/.server/retention/win-back";
import { pacedCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { systemClock } from "~/.server/clock";
import { encryptionKey } from "~/.server/crypto";
import { createDb } from "~/.server/db";
import { runHistoryImports } from "~/.server/history-import/job";
import { projectPendingShopifyEvents } from "~/.server/ingest/inbox";
import { warmRetentionCache } from "~/.server/analytics/warm-retention";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createShopSenders } from "~/.server/outbox/shop-senders";
import { runWorker } from "~/.server/outbox/worker";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { getEnv } from "~/env.server";
import { DEMO_SHOP } from "~/.server/demo/session-token";
import { createShopifyAdminSimulator } from "../simulator/shopify-admin";
import { demoStoreHistory } from "../simulator/shopify-admin-bulk";

const IDLE_MS = 1_000;
// Shopify webhooks accepted by a web process but not projected by it (decision 012): left over by a crash or restart,
// or waiting behind a burst. Younger ones are left to the web process that accepted them (it projects within ms).
const INBOX_GRACE_MS = 5_000;
const INBOX_BATCH = 100;
const RETENTION_WARM_EVERY_MS = 10_000;
const RETENTION_WARM_BATCH = 4;
const SHOPIFY_SYNC_BATCH = 50;

async function main(): Promise<void> {
  const env = getEnv();
  const db = createDb(env.DATABASE_URL);
  const cloudApi = { baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION };
  // TOKEN_ENCRYPTION_KEY: the shops' WhatsApp secrets and their Shopify offline tokens are stored encrypted with it.
  const secretsKey = encryptionKey(env.TOKEN_ENCRYPTION_KEY);
  const sender = createWhatsAppClient({ ...cloudApi, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, accessToken: env.WHATSAPP_ACCESS_TOKEN });
  // Each shop sends from its own connected number when it has one (onboarding), else from the app-wide one.
  const senderFor = createShopSenders({
    db,
    secretsKey,
    cloudApi,
    fallback: { phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, sender },
    limits: defaultOutboxPolicy,
  });

  // The demo has no real store to write consent back to or import history from: it talks to the local Admin API stand-in.
  const adminSimulator = env.DEMO_MODE ? createShopifyAdminSimulator() : null;
  // "Import history" in the demo: a year before the replayed weeks, of which Shopify gives an app with the demo's
  // scopes (no read_all_orders) the last 60 days, as it would a real store.
  adminSimulator?.setScopes(DEMO_SHOP, env.SCOPES.split(","));
  adminSimulator?.bulk.seed(DEMO_SHOP, demoStoreHistory(systemClock.now()));
  const adminGraphql = createAdminGraphql(adminSimulator ? { fetch: adminSimulator.fetch } : {});

  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`[worker] ${signal}: finishing the current message, then stopping`);
      stop.abort();
    });
  }

  const log = (line: string) => console.log(`[worker] ${line}`);
  log(`started (batch ${defaultOutboxPolicy.batchSize}, ${defaultOutboxPolicy.ratePerSecond} msg/s)`);
  try {
    // Cart recovery: a round decides a batch of checkouts whose step-1 time has come when the scheduler is not resting
    // (it works a tenth of the time, in short writes: see step1.ts and npm run bench:fanout), and the discount code is
    // created right before step 2 is sent.
    // History imports: each round starts, polls or reads (for at most 250 ms) the due import jobs' bulk queries.
    const importHistory = async () => {
      const counts = await runHistoryImports({ db, clock: systemClock, adminGraphql, secretsKey, download: adminSimulator?.fetch, log });
      if (counts.lines > 0 || counts.finished > 0 || counts.failed > 0) log(`history-import: lines=${counts.lines} finished=${counts.finished} failed=${counts.failed}`);
    };
    // Inbox: first, so that what its events plan is dispatched in the same round.
    const projectInbox = async () => {
      const counts = await projectPendingShopifyEvents({ db, clock: systemClock }, { receivedBefore: new Date(systemClock.now().getTime() - INBOX_GRACE_MS), limit: INBOX_BATCH });
      if (counts.projected > 0 || counts.failed > 0) log(`inbox: projected=${counts.projected} failed=${counts.failed}`);
    };
    // Kept dashboard retention that writes dropped: computed again, a few periods every 10 s (warm-retention.ts).
    let warmedAt = 0;
    const warmRetention = async () => {
      if (Date.now() - warmedAt < RETENTION_WARM_EVERY_MS) return;
      warmedAt = Date.now();
      const counts = await warmRetentionCache(db, { limit: RETENTION_WARM_BATCH });
      if (counts.computed > 0 || counts.removed > 0) log(`dashboard retention: computed=${counts.computed} removed=${counts.removed}`);
    };
    // Back in stock: up to two batches of 2,000 alerts planned per round (each its own short write); win-back once a day.
    const schedulers = [
      projectInbox,
      pacedCartRecoveryScheduler(db, systemClock),
      importHistory,
      () => runBackInStockFanOut({ db, clock: systemClock, adminGraphql, secretsKey, policy: defaultOutboxPolicy, log }, { batchSize: 2_000, maxBatches: 2 }),
      () => runWinBackScheduler({ db, clock: systemClock, log }),
      warmRetention,
    ];
    const offers = offerPrepareSend({ db, adminGraphql, secretsKey, log });
    const prepareSend = prepareSendByFlow({
      cart_recovery: cartRecoveryPrepareSend({ db, adminGraphql, secretsKey, log }),
      order_confirmation: orderConfirmationPrepareSend({ db, adminGraphql, secretsKey }),
      back_in_stock: backInStockPrepareSend({ db }),
      win_back: offers,
      loyalty: offers,
    });
    const totals = await runWorker({ db, clock: systemClock, sender, senderFor, policy: defaultOutboxPolicy, signal: stop.signal, idleMs: IDLE_MS, log, rateLimitKey: env.WHATSAPP_PHONE_NUMBER_ID, shopifySync: { adminGraphql, secretsKey, batch: SHOPIFY_SYNC_BATCH }, schedulers, prepareSend });
    log(`stopped after ${totals.rounds} rounds: sent=${totals.sent} failed=${totals.failed} skipped=${totals.skipped}`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  // Error messages can quote query arguments (Prisma does), so only the name, code and stack frames are printed.
  const { name, code, stack } = (error ?? {}) as { name?: string; code?: string; stack?: string };
  const frames = (stack ?? "").split("\n").filter((line) => line.trimStart().startsWith("at ")).slice(0, 8);
  console.error([`[worker] crashed: ${name ?? "error"}${code ? ` ${code}` : ""}`, ...frames].join("\n"));
  if (error instanceof Error && error.message.startsWith("Invalid environment")) console.error(error.message);
  process.exitCode = 1;
});
