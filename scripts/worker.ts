// `npm run worker`: the long-running outbox process. Sends due messages through the Cloud API (or the simulator
// at WHATSAPP_API_BASE_URL) until SIGINT/SIGTERM. Logs counts only: never phone numbers, parameters or tokens.
import { cartRecoveryPrepareSend } from "~/.server/cart-recovery/prepare-send";
import { runCartRecoveryScheduler } from "~/.server/cart-recovery/step1";
import { systemClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { runWorker } from "~/.server/outbox/worker";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { getEnv } from "~/env.server";
import { createShopifyAdminSimulator } from "../simulator/shopify-admin";

const IDLE_MS = 1_000;
const SHOPIFY_SYNC_BATCH = 50;

async function main(): Promise<void> {
  const env = getEnv();
  const db = createDb(env.DATABASE_URL);
  const sender = createWhatsAppClient({
    baseUrl: env.WHATSAPP_API_BASE_URL,
    apiVersion: env.WHATSAPP_API_VERSION,
    phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
    accessToken: env.WHATSAPP_ACCESS_TOKEN,
  });

  // The demo has no real store to write consent back to: it writes to the local Admin API stand-in.
  const adminGraphql = createAdminGraphql(env.DEMO_MODE ? { fetch: createShopifyAdminSimulator().fetch } : {});

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
    // Cart recovery: each round decides up to two batches of checkouts whose step-1 time has come (a few short writes
    // each, working a tenth of the time: webhook writes wait for one statement at most, see npm run bench:fanout),
    // and the discount code is created right before step 2 is sent.
    const schedulers = [() => runCartRecoveryScheduler(db, systemClock, { batchSize: 200, maxBatches: 2, pauseMs: 20, workShare: 0.1 })];
    const prepareSend = cartRecoveryPrepareSend({ db, adminGraphql, log });
    const totals = await runWorker({ db, clock: systemClock, sender, policy: defaultOutboxPolicy, signal: stop.signal, idleMs: IDLE_MS, log, rateLimitKey: env.WHATSAPP_PHONE_NUMBER_ID, shopifySync: { adminGraphql, batch: SHOPIFY_SYNC_BATCH }, schedulers, prepareSend });
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
