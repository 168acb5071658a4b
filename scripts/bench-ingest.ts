// npm run bench:ingest — webhook throughput and p99 of the real app (production build under server.mjs,
// real routes, real ingest into a fresh SQLite file or BENCH_DATABASE_URL) as a ratio to a bare Node
// server that only checks the HMAC. Both get the same signed orders/create deliveries from the same
// load generator in one run, over loopback. The app answers once the event is stored and projects it afterwards
// (decision 012), so the report also says how fast that backlog is projected: the app is kept running until every
// accepted event is processed (the web process alone; no worker runs). Prints a JSON report.
// Both servers first get BENCH_WARMUP deliveries (2,000): until V8 has compiled the hot code (the servers' and the
// load generator's), the first thousand run at a third to a half of the later speed for the bare server and at
// about 0.6 for the app; that first thousand is reported too ("cold"). Then BENCH_WINDOWS windows of BENCH_REQUESTS
// (5 × 1,000) are measured and reported as one figure, with the slowest and fastest window, since this shared
// machine's speed drifts by a third from one second to the next.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { buildApp, combineWindows, machineDescription, runLoad, signedDelivery, startApp, waitForServer, withoutLatencies, type LoadWindow } from "./lib/load";
import { migrateDatabase, repoRoot } from "./lib/migrate";
import { createDb } from "../app/.server/db";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2_000);
const DRAIN_TIMEOUT_MS = 15 * 60_000;
const SHOP = "bench.myshopify.com";

loadEnvDefaults();
const secret = process.env.SHOPIFY_API_SECRET!;
const sample = JSON.parse(readFileSync(path.join(repoRoot, "tests/fixtures/shopify/orders_create.json"), "utf8"));

const delivery = (label: string) => (i: number) =>
  signedDelivery("orders/create", SHOP, `bench-${label}-${i}`, {
    ...sample,
    admin_graphql_api_id: `gid://shopify/Order/${label === "app" ? 5_000_000 + i : 9_000_000 + i}`,
    name: `#B${i}`,
    cancelled_at: null,
    test: false,
    phone: `+4915${String(10_000_000 + i).padStart(9, "0")}`,
  }, secret);

async function measure(label: string, url: string, server: { child: ChildProcess; stop: () => void }, afterLoad?: () => Promise<void>) {
  try {
    await waitForServer(url, server.child);
    const load = (from: number, count: number) => runLoad(url, { from, count, concurrency: CONCURRENCY, delivery: delivery(label) });
    const cold = withoutLatencies(await load(0, Math.min(1_000, WARMUP)));
    if (WARMUP > 1_000) await load(1_000, WARMUP - 1_000);
    const windows: LoadWindow[] = [];
    for (let w = 0; w < WINDOWS; w++) windows.push(await load(WARMUP + w * REQUESTS, REQUESTS));
    await afterLoad?.();
    const rates = windows.map((w) => w.perSecond);
    return { ...combineWindows(windows), slowestWindowPerSecond: Math.min(...rates), fastestWindowPerSecond: Math.max(...rates), cold };
  } finally {
    server.stop();
  }
}

/**
 * Waits until the app has projected every event it accepted (warm-up included), then reads from the rows how long
 * that took: events projected per second from the first delivery received to the last event projected, and how long
 * after the last delivery the last projection began.
 */
async function projectionOf(databaseUrl: string) {
  const db = createDb(databaseUrl);
  const loadEnded = Date.now();
  try {
    for (;;) {
      const pending = await db.webhookEvent.count({ where: { processedAt: null } });
      if (pending === 0) break;
      if (Date.now() - loadEnded > DRAIN_TIMEOUT_MS) throw new Error(`${pending} events still not projected after ${DRAIN_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { _count, _min, _max } = await db.webhookEvent.aggregate({ _count: { _all: true }, _min: { receivedAt: true }, _max: { receivedAt: true, processedAt: true } });
    const span = (_max.processedAt!.getTime() - _min.receivedAt!.getTime()) / 1000;
    return {
      events: _count._all,
      messagesPlanned: await db.message.count(),
      perSecond: +(_count._all / span).toFixed(1),
      lastProjectedSecondsAfterLastDelivery: +((_max.processedAt!.getTime() - _max.receivedAt!.getTime()) / 1000).toFixed(2),
    };
  } finally {
    await db.$disconnect();
  }
}

buildApp();
const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const dbFile = path.join(benchDir, "bench.sqlite");
for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
migrateDatabase(databaseUrl);

console.error(`[bench] ${WINDOWS} × ${REQUESTS} signed orders/create deliveries per server, ${CONCURRENCY} in flight, after ${WARMUP} warm-up`);
const bareChild = spawn(process.execPath, ["scripts/bench/bare-server.ts"], { cwd: repoRoot, env: { ...process.env, PORT: "3471" }, stdio: ["ignore", "ignore", "inherit"], detached: true });
const bare = await measure("bare", "http://127.0.0.1:3471/webhooks/orders/create", { child: bareChild, stop: () => process.kill(-bareChild.pid!, "SIGTERM") });
let projection: Awaited<ReturnType<typeof projectionOf>> | undefined;
const app = await measure("app", "http://127.0.0.1:3472/webhooks/orders/create", startApp(3472, databaseUrl), async () => {
  projection = await projectionOf(databaseUrl);
});

const report = {
  machine: machineDescription(),
  database: databaseUrl.startsWith("file:") ? "SQLite" : "PostgreSQL",
  requests: WINDOWS * REQUESTS,
  windows: WINDOWS,
  warmup: WARMUP,
  concurrency: CONCURRENCY,
  bare,
  app,
  projection,
  ratio: { throughput: +(app.perSecond / bare.perSecond).toFixed(3), p99: +(app.p99Ms / bare.p99Ms).toFixed(2) },
};
console.log(JSON.stringify(report, null, 2));
console.error(`[bench] app accepts ${app.perSecond}/s (p99 ${app.p99Ms} ms) = ${report.ratio.throughput}× the bare HMAC server's throughput, ${report.ratio.p99}× its p99`);
console.error(`[bench] projected ${projection?.events} events at ${projection?.perSecond}/s, the last ${projection?.lastProjectedSecondsAfterLastDelivery} s after the last delivery`);
process.exit(app.failures + bare.failures > 0 ? 1 : 0);
