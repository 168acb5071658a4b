// npm run bench [-- name …] [--page-only] — runs the benchmarks one after the other (all, or the ones named), each in its own
// process printing a JSON report, and writes docs/benchmarks.md: the machine, each figure as a ratio to its
// baseline or target, and the raw reports. Figures are measured in one run each; nothing here is a timed test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { machineDescription } from "./lib/load";
import { repoRoot } from "./lib/migrate";

type Report = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Row {
  figure: string;
  measured: string;
  baseline: string;
  ratio: number | null;
  /** Whether the issue's target is met, where it names one. */
  met: boolean | null;
}

interface Bench {
  name: string;
  script: string;
  /** Extra arguments after `--`. */
  args?: string[];
  what: string;
  /** Why it cannot run here (then its last report is kept), or null. */
  skip?: () => string | null;
  rows: (r: Report) => Row[];
}

// Also the loader after a write that made it recompute the comparison period's retention (no target: it is once per write).
const dashboardRows = (r: Report): Row[] =>
  (["loaderMs", "uncachedLoaderMs"] as const).flatMap((kind) =>
    r[kind] === undefined
      ? []
      : (["last30Days", "last365Days"] as const).map((period) => ({
          figure: `dashboard loader, last ${period === "last30Days" ? 30 : 365} days${kind === "uncachedLoaderMs" ? ", comparison period recomputed" : ""}`,
          measured: `p50 ${r[kind][period].p50} ms, p95 ${r[kind][period].p95} ms`,
          baseline: `target p95 < ${r.targetP95Ms} ms (${r.db}, scale ${r.scale})`,
          ratio: +(r[kind][period].p95 / r.targetP95Ms).toFixed(2),
          met: kind === "loaderMs" ? r[kind][period].p95 < r.targetP95Ms : null,
        })),
  );

const benches: Bench[] = [
  {
    name: "ingest",
    script: "bench:ingest",
    what: "Signed orders/create deliveries (8 in flight) to the real app (npm start: server.mjs, SQLite) vs a bare Node server that only checks the HMAC; the app answers once the event is stored and projects it afterwards (decision 012), the backlog is timed until the last event is projected (web process only, no worker).",
    rows: (r) => [
      { figure: "webhooks accepted/s", measured: `${r.app.perSecond}/s`, baseline: `bare ${r.bare.perSecond}/s (target ≥ 0.5×)`, ratio: r.ratio.throughput, met: r.ratio.throughput >= 0.5 },
      { figure: "p99 latency", measured: `${r.app.p99Ms} ms`, baseline: `bare ${r.bare.p99Ms} ms (target < 50 ms)`, ratio: r.ratio.p99, met: r.app.p99Ms < 50 },
      ...(r.app.cold
        ? [
            { figure: "accepted/s, slowest – fastest window", measured: `${r.app.slowestWindowPerSecond} – ${r.app.fastestWindowPerSecond}/s`, baseline: `bare ${r.bare.slowestWindowPerSecond} – ${r.bare.fastestWindowPerSecond}/s`, ratio: null, met: null },
            { figure: "accepted/s, first 1,000 after start (cold, not in the figures above)", measured: `${r.app.cold.perSecond}/s`, baseline: `bare ${r.bare.cold.perSecond}/s`, ratio: +(r.app.cold.perSecond / r.bare.cold.perSecond).toFixed(3), met: null },
          ]
        : []),
      ...(r.projection
        ? [{ figure: "events projected/s (first delivery → last projection)", measured: `${r.projection.perSecond}/s`, baseline: `${r.projection.events} events; the last projected ${r.projection.lastProjectedSecondsAfterLastDelivery} s after the last delivery`, ratio: null, met: null }]
        : []),
    ],
  },
  {
    name: "fanout",
    script: "bench:fanout",
    what: "100,000 open checkouts due at once, decided by the cart-recovery scheduler in a second process (the worker's policy: batches of 50, a tenth of the time, giving way to deliveries but a batch at least every 5 s), while signed checkouts/create hit the app; windows alternate scheduler paused / running.",
    rows: (r) => [
      { figure: "webhook route throughput during the scheduler", measured: `${r.webhookRoute.during.perSecond}/s`, baseline: `without ${r.webhookRoute.without.perSecond}/s`, ratio: r.webhookRoute.ratio.throughput, met: null },
      { figure: "webhook route p99 during the scheduler", measured: `${r.webhookRoute.during.p99Ms} ms`, baseline: `without ${r.webhookRoute.without.p99Ms} ms`, ratio: r.webhookRoute.ratio.p99, met: null },
      { figure: "scheduler decisions/s while measured", measured: `${r.scheduler.perSecondWhileMeasured}/s`, baseline: `alone ${r.scheduler.alone?.perSecond ?? "?"}/s`, ratio: r.scheduler.shareOfAloneWhileMeasured ?? null, met: null },
      { figure: "scheduler decisions/s on its own", measured: `${r.scheduler.alone?.perSecond ?? "?"}/s`, baseline: `${r.checkouts} checkouts`, ratio: null, met: null },
    ],
  },
  {
    name: "dispatch",
    script: "bench:dispatch",
    what: "One worker (runWorker, the real WhatsApp client) sending due messages to the Cloud API simulator over HTTP, with the send rate shared through the RateLimit table; status webhooks not delivered.",
    rows: (r) => [
      { figure: "messages sent/s by one worker (mean of the full seconds)", measured: `${r.msgPerSecond ?? "?"}/s over ${r.fullSeconds ?? "?"} s`, baseline: `target ≥ 1,000/s (${r.messages} messages, ${r.database})`, ratio: r.ratioToTarget1000, met: r.msgPerSecond != null && r.msgPerSecond >= 1000 },
      { figure: "most sends in any one second", measured: `${r.maxInAnySecond}`, baseline: `configured rate ${r.configuredRatePerSecond}/s (never exceeded)`, ratio: r.maxToRate, met: r.maxInAnySecond <= r.configuredRatePerSecond },
    ],
  },
  {
    name: "back-in-stock",
    script: "bench:back-in-stock",
    what: "A variant with 100,000 back-in-stock signups comes back in stock: the fan-out plans one alert per confirmed signup in set-based batches (the worker's step).",
    rows: (r) => [
      { figure: "time to plan the fan-out", measured: `${r.seconds} s for ${r.planned} alerts (${r.perSecond}/s)`, baseline: `target < ${r.targetSeconds} s per 100,000 (${r.database})`, ratio: +(r.seconds / (r.targetSeconds * (r.subscribers / 100_000))).toFixed(3), met: r.withinTarget && r.correct },
    ],
  },
  {
    name: "dashboard",
    script: "bench:dashboard",
    // BENCH_DASHBOARD_ARGS, e.g. "--db postgres --scale 0.1" (default: SQLite at full size).
    args: process.env.BENCH_DASHBOARD_ARGS?.split(" ").filter(Boolean) ?? [],
    what: "One shop with 1 M orders, 3 M messages and 300 k customers (× scale), seeded set-based; the dashboard loader called repeatedly for the last 30 and 365 days.",
    rows: dashboardRows,
  },
  {
    name: "dashboard-postgres",
    script: "bench:dashboard",
    // The same on PostgreSQL: BENCH_DATABASE_URL (its tables are replaced), BENCH_DASHBOARD_POSTGRES_ARGS (default "--scale 0.3").
    args: ["--db", "postgres", ...(process.env.BENCH_DASHBOARD_POSTGRES_ARGS ?? "--scale 0.3").split(" ").filter(Boolean)],
    skip: () => (process.env.BENCH_DATABASE_URL ? null : "needs BENCH_DATABASE_URL, a PostgreSQL database whose tables it replaces"),
    what: "The dashboard benchmark on PostgreSQL (scale in the baseline column).",
    rows: dashboardRows,
  },
  {
    name: "worker-memory",
    script: "bench:worker-memory",
    what: "The worker process with 1,000,000 due messages queued, sending to the simulator over HTTP for 60 s.",
    rows: (r) => [
      { figure: "worker peak resident memory", measured: `${r.worker.peakRssMiB} MiB`, baseline: `target < ${r.worker.targetMiB} MB, ${r.queued} queued`, ratio: r.worker.ratioToTarget, met: r.worker.peakRssMiB < r.worker.targetMiB },
    ],
  },
];

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const selected = wanted.length ? benches.filter((b) => wanted.includes(b.name)) : benches;
if (selected.length === 0) {
  console.error(`[bench] unknown benchmark; known: ${benches.map((b) => b.name).join(", ")}`);
  process.exit(2);
}

// Each benchmark's latest report is kept in docs/benchmarks/<name>.json (when and on what it ran); the page lists
// all of them, so running one benchmark again updates its rows and keeps the others'.
interface Stored {
  ranAt: string;
  seconds: number;
  machine: ReturnType<typeof machineDescription>;
  error: string | null;
  report: Report | null;
}
const storeDir = path.join(repoRoot, "docs", "benchmarks");
mkdirSync(storeDir, { recursive: true });

// --page-only: only write the page again from the stored reports (after merging branches that each ran one).
const pageOnly = process.argv.includes("--page-only");
let failures = 0;
for (const bench of pageOnly ? [] : selected) {
  const skipped = bench.skip?.();
  if (skipped) {
    console.error(`\n[bench] === ${bench.name} skipped: ${skipped}`);
    continue;
  }
  console.error(`\n[bench] === ${bench.name} (npm run ${bench.script})`);
  const started = performance.now();
  const run = spawnSync("npm", ["run", "-s", bench.script, ...(bench.args?.length ? ["--", ...bench.args] : [])], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const seconds = (performance.now() - started) / 1000;
  let report: Report | null = null;
  let error: string | null = run.status === 0 ? null : `exited with ${run.status ?? run.signal}`;
  try {
    report = JSON.parse(run.stdout.slice(run.stdout.indexOf("{")));
  } catch {
    error ??= "printed no JSON report";
  }
  if (error) failures += 1;
  const stored: Stored = { ranAt: new Date().toISOString(), seconds: +seconds.toFixed(0), machine: machineDescription(), error, report };
  writeFileSync(path.join(storeDir, `${bench.name}.json`), `${JSON.stringify(stored, null, 2)}\n`);
}

const cell = (v: unknown) => String(v ?? "—").replace(/\|/g, "\\|");
const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const results = benches
  .filter((bench) => existsSync(path.join(storeDir, `${bench.name}.json`)))
  .map((bench) => ({ bench, stored: JSON.parse(readFileSync(path.join(storeDir, `${bench.name}.json`), "utf8")) as Stored }));
const lines = [
  "# Benchmarks",
  "",
  "Written by `npm run bench`. Each figure was measured in one run, as a ratio to its baseline (measured in the",
  "same run) or to the issue's target. Nothing here is asserted by a test. The machine's load average when each",
  "benchmark finished is given: on a busy machine the absolute figures are lower, the ratios less so.",
  "",
  "| benchmark | figure | measured | baseline / target | ratio | target met |",
  "|---|---|---|---|---|---|",
];
for (const { bench, stored } of results) {
  if (!stored.report || stored.error) {
    lines.push(`| ${bench.name} | — | failed: ${cell(stored.error)} | — | — | — |`);
    continue;
  }
  for (const row of bench.rows(stored.report)) {
    lines.push(`| ${bench.name} | ${cell(row.figure)} | ${cell(row.measured)} | ${cell(row.baseline)} | ${cell(row.ratio)} | ${row.met === null ? "—" : row.met ? "yes" : "**no**"} |`);
  }
}
lines.push("");
for (const { bench, stored } of results) {
  const m = stored.machine;
  lines.push(
    `## ${bench.name}`,
    "",
    `\`npm run ${bench.script}${bench.args?.length ? ` -- ${bench.args.join(" ")}` : ""}\`, ${when(stored.ranAt)}, ${stored.seconds} s; ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, load average ${m.loadAverage1m}. ${bench.what}`,
    "",
    "```json",
    JSON.stringify(stored.report, null, 2),
    "```",
    "",
  );
}
writeFileSync(path.join(repoRoot, "docs", "benchmarks.md"), lines.join("\n"));
console.error(`\n[bench] wrote docs/benchmarks.md (${selected.length - failures} of ${selected.length} benchmarks ran; ${results.length} reports kept)`);
process.exit(failures > 0 ? 1 : 0);
