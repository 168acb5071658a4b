// The benchmarks' shared load generator: signed Shopify deliveries to a server over loopback, N in flight,
// with throughput and latency percentiles; plus starting the production build under the production server (server.mjs).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { shopifyHmac } from "../../simulator/shopify-webhooks";
import { repoRoot } from "./migrate";

export interface Delivery {
  body: string;
  headers: Record<string, string>;
}

/** A webhook delivery as Shopify signs it (HMAC-SHA256 of the raw body with the app's secret). */
export function signedDelivery(topic: string, shop: string, webhookId: string, payload: unknown, secret: string): Delivery {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": shopifyHmac(body, secret),
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": "2026-07",
      "X-Shopify-Webhook-Id": webhookId,
    },
  };
}

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadWindow extends LoadResult {
  /** Kept so that several windows can be combined into one measurement (`combineWindows`). */
  latencies: number[];
}

function summarize(latencies: number[], seconds: number, failures: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    requests: sorted.length,
    failures,
    seconds: +seconds.toFixed(2),
    perSecond: +(sorted.length / seconds).toFixed(1),
    p50Ms: +pct(0.5).toFixed(2),
    p99Ms: +pct(0.99).toFixed(2),
    maxMs: +(sorted.at(-1) ?? 0).toFixed(2),
  };
}

/** POSTs deliveries `from` … `from + count - 1` to `url`, `concurrency` in flight; anything but 200 is a failure. */
export async function runLoad(url: string, options: { from?: number; count: number; concurrency: number; delivery: (i: number) => Delivery }): Promise<LoadWindow> {
  const from = options.from ?? 0;
  const latencies: number[] = [];
  let failures = 0;
  let next = from;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < from + options.count) {
        const { body, headers } = options.delivery(next++);
        const t0 = performance.now();
        const response = await fetch(url, { method: "POST", headers, body });
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (response.status !== 200) failures++;
      }
    }),
  );
  return { ...summarize(latencies, (performance.now() - started) / 1000, failures), latencies };
}

/** Several windows' latencies and durations as one measurement. */
export function combineWindows(windows: LoadWindow[]): LoadResult {
  return summarize(
    windows.flatMap((w) => w.latencies),
    windows.reduce((t, w) => t + w.seconds, 0),
    windows.reduce((t, w) => t + w.failures, 0),
  );
}

export function withoutLatencies({ latencies: _latencies, ...result }: LoadWindow): LoadResult {
  return result;
}

export async function waitForServer(url: string, child: ChildProcess): Promise<void> {
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

/** `npm run build` unless BENCH_SKIP_BUILD=1 (then build/ must exist). Exits the process when the build fails. */
export function buildApp(): void {
  if (process.env.BENCH_SKIP_BUILD === "1") return;
  console.error("[bench] building the app (npm run build) …");
  const built = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) process.exit(1);
}

/** The production build under server.mjs, as an operator runs it (npm start); `stop()` ends its process group. */
export function startApp(port: number, databaseUrl: string): { child: ChildProcess; stop: () => void } {
  const child = spawn(process.execPath, ["server.mjs"], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, NODE_ENV: "production", DEMO_MODE: "0", SHOPIFY_APP_URL: `http://localhost:${port}` },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  return { child, stop: () => process.kill(-child.pid!, "SIGTERM") };
}

/** What the figures were measured on, for the reports. */
export function machineDescription() {
  return { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadAverage1m: +loadavg()[0].toFixed(2) };
}
