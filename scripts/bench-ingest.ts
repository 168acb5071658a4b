// npm run bench:ingest — webhook throughput and p99 of the real app (production build under remix-serve,
// real routes, real ingest into a fresh SQLite file or BENCH_DATABASE_URL) as a ratio to a bare Node
// server that only checks the HMAC. Both get the same signed orders/create deliveries from the same
// load generator in one run, over loopback. Prints a JSON report.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { migrateDatabase, repoRoot } from "./lib/migrate";
import { shopifyHmac } from "../simulator/shopify-webhooks";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = 100;
const SHOP = "bench.myshopify.com";

loadEnvDefaults();
const secret = process.env.SHOPIFY_API_SECRET!;
const sample = JSON.parse(readFileSync(path.join(repoRoot, "tests/fixtures/shopify/orders_create.json"), "utf8"));

function delivery(i: number, label: string) {
  const body = JSON.stringify({
    ...sample,
    admin_graphql_api_id: `gid://shopify/Order/${label === "app" ? 5_000_000 + i : 9_000_000 + i}`,
    name: `#B${i}`,
    cancelled_at: null,
    test: false,
    phone: `+4915${String(10_000_000 + i).padStart(9, "0")}`,
  });
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": "orders/create",
      "X-Shopify-Hmac-Sha256": shopifyHmac(body, secret),
      "X-Shopify-Shop-Domain": SHOP,
      "X-Shopify-API-Version": "2026-07",
      "X-Shopify-Webhook-Id": `bench-${label}-${i}`,
    },
  };
}

async function waitForPort(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode})`);
    try {
      await fetch(url, { method: "POST", body: "{}" });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server at ${url} did not come up`);
}

async function load(url: string, label: string, from: number, count: number) {
  const latencies: number[] = [];
  let failures = 0;
  let next = from;
  const end = from + count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < end) {
        const { body, headers } = delivery(next++, label);
        const t0 = performance.now();
        const response = await fetch(url, { method: "POST", headers, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { requests: count, failures, seconds: +seconds.toFixed(2), perSecond: +(count / seconds).toFixed(1), p50Ms: +pct(0.5).toFixed(2), p99Ms: +pct(0.99).toFixed(2) };
}

async function measure(label: string, command: string, args: string[], env: Record<string, string>, url: string) {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"], detached: true });
  try {
    await waitForPort(url, child);
    await load(url, label, 0, WARMUP);
    return await load(url, label, WARMUP, REQUESTS);
  } finally {
    process.kill(-child.pid!, "SIGTERM");
  }
}

if (!existsSync(path.join(repoRoot, "build/server/index.js"))) {
  console.error("[bench] building the app (npm run build) …");
  const built = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) process.exit(1);
}
const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const dbFile = path.join(benchDir, "bench.sqlite");
rmSync(dbFile, { force: true });
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
migrateDatabase(databaseUrl);

console.error(`[bench] ${REQUESTS} signed orders/create deliveries per server, ${CONCURRENCY} in flight, after ${WARMUP} warm-up`);
const bare = await measure("bare", process.execPath, ["scripts/bench/bare-server.ts"], { PORT: "3471" }, "http://127.0.0.1:3471/webhooks/orders/create");
const app = await measure(
  "app",
  "npx",
  ["remix-serve", "./build/server/index.js"],
  { PORT: "3472", DATABASE_URL: databaseUrl, NODE_ENV: "production", DEMO_MODE: "0", SHOPIFY_APP_URL: "http://localhost:3472" },
  "http://127.0.0.1:3472/webhooks/orders/create",
);

const report = {
  database: databaseUrl.startsWith("file:") ? "SQLite" : "PostgreSQL",
  requests: REQUESTS,
  concurrency: CONCURRENCY,
  bare,
  app,
  ratio: { throughput: +(app.perSecond / bare.perSecond).toFixed(3), p99: +(app.p99Ms / bare.p99Ms).toFixed(2) },
};
console.log(JSON.stringify(report, null, 2));
console.error(`[bench] app ingests ${app.perSecond}/s (p99 ${app.p99Ms} ms) = ${report.ratio.throughput}× the bare HMAC server's throughput, ${report.ratio.p99}× its p99`);
process.exit(app.failures + bare.failures > 0 ? 1 : 0);
