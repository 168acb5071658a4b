// npm run bench:worker-memory — the worker's memory with a deep queue. Seeds BENCH_QUEUED (1,000,000) due order
// confirmations for BENCH_RECIPIENTS (100,000) shoppers with confirmed consent into a fresh SQLite file, then runs
// the real worker (scripts/worker.ts, its own process) against the Cloud API simulator (scripts/simulator.ts, over
// HTTP) for BENCH_SECONDS (60) and reads the worker's resident memory from /proc (VmRSS sampled, VmHWM at the end).
// The worker runs as `npm run worker` runs it: its Node flags cap V8's young generation (4 MB semi-spaces) and old
// space (192 MB). Its live heap is 30–90 MB; without the caps V8 grows the heap lazily and the RSS reached 377 MiB.
// The target (issue 8): under 256 MB. Prints a JSON report. BENCH_DATABASE_URL: another database (migrated here).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { machineDescription } from "./lib/load";
import { migrateDatabase, repoRoot } from "./lib/migrate";

const QUEUED = Number(process.env.BENCH_QUEUED ?? 1_000_000);
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const TARGET_MIB = 256;
const SHOP = "memory.myshopify.com";
const SIMULATOR_PORT = 4093;

loadEnvDefaults();

async function seed(databaseUrl: string): Promise<void> {
  const { createDb } = await import("../app/.server/db");
  const { planOrderConfirmation } = await import("../app/.server/automations/order-confirmation");
  const db = createDb(databaseUrl);
  const now = new Date();
  const phoneOf = (r: number) => `+4917${String(100_000_000 + r)}`;
  // The real planner's template and parameters, so the simulator accepts what the worker sends.
  const [plan] = planOrderConfirmation(
    { id: "seed", name: "#1001", phone: phoneOf(0), customerKey: null, locale: "de", totalPrice: "49.90", currency: "EUR", firstName: "Anna", cancelled: false, phoneInvalid: false, orderStatusUrl: `https://${SHOP}/orders/seed` },
    { locale: "de" },
    now,
  );
  await db.shop.create({ data: { domain: SHOP } });
  const CHUNK = 5_000;
  for (let start = 0; start < RECIPIENTS; start += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, RECIPIENTS - start) }, (_, k) => start + k);
    await db.consent.createMany({ data: ids.map((r) => ({ shop: SHOP, phone: phoneOf(r), state: "CONFIRMED", locale: "de", updatedAt: now })) });
  }
  // As enqueuePlans writes it: the URL button carries the message id (click tracking).
  const componentsOf = (id: string) => JSON.stringify([...plan.components, { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: id }] }]);
  for (let start = 0; start < QUEUED; start += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, QUEUED - start) }, (_, k) => start + k);
    await db.message.createMany({
      data: ids.map((i) => ({
        id: `mem${i}`, shop: SHOP, flow: plan.flow, dedupeKey: `order_confirmation:mem${i}`, to: phoneOf(i % RECIPIENTS), category: plan.category,
        template: plan.template, language: plan.language, components: componentsOf(`mem${i}`), status: "SCHEDULED", sendAfter: now, plannedFor: now, createdAt: now,
      })),
    });
    if (start % 100_000 === 0) console.error(`[bench] seeded ${start + ids.length} messages`);
  }
  await db.$disconnect();
}

function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
}

/** The worker exactly as `npm run worker` starts it (its Node flags included), as one process whose memory we read. */
function startWorker(env: Record<string, string>): ChildProcess {
  const command = (JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.worker;
  return spawn("sh", ["-c", `exec ${command}`], {
    cwd: repoRoot,
    env: { ...process.env, ...env, PATH: `${path.join(repoRoot, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const dbFile = path.join(benchDir, "worker-memory.sqlite");
for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
migrateDatabase(databaseUrl);

console.error(`[bench] seeding ${QUEUED} due messages for ${RECIPIENTS} recipients …`);
const seedStarted = performance.now();
await seed(databaseUrl);
const seedSeconds = (performance.now() - seedStarted) / 1000;
console.error(`[bench] seeded in ${seedSeconds.toFixed(1)} s; running the worker for ${SECONDS} s …`);

// Status webhooks go nowhere (no app runs here): the simulator keeps retrying them, which costs the worker nothing.
const simulator = start(["scripts/simulator.ts"], { SIMULATOR_PORT: String(SIMULATOR_PORT), SIMULATOR_WEBHOOK_URL: "http://127.0.0.1:9/webhooks/whatsapp" });
await new Promise((resolve) => setTimeout(resolve, 3_000));
const worker = startWorker({ DATABASE_URL: databaseUrl, WHATSAPP_API_BASE_URL: `http://127.0.0.1:${SIMULATOR_PORT}`, DEMO_MODE: "0" });
const samples: number[] = [];
let peakMiB = 0;
const sampler = setInterval(() => {
  const m = memoryOf(worker.pid!);
  if (m) {
    samples.push(m.rssMiB);
    peakMiB = Math.max(peakMiB, m.peakMiB);
  }
}, 250);
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
clearInterval(sampler);
const last = memoryOf(worker.pid!);
if (last) peakMiB = Math.max(peakMiB, last.peakMiB);
const workerExited = new Promise((resolve) => worker.once("exit", resolve));
worker.kill("SIGTERM");
await workerExited;
simulator.kill("SIGTERM");

const { createDb } = await import("../app/.server/db");
const db = createDb(databaseUrl);
const byStatus = Object.fromEntries((await db.message.groupBy({ by: ["status"], _count: { _all: true } })).map((g) => [g.status, g._count._all]));
await db.$disconnect();
const handled = QUEUED - (byStatus.SCHEDULED ?? 0);
const report = {
  machine: machineDescription(),
  database: databaseUrl.startsWith("file:") ? "SQLite" : "PostgreSQL",
  queued: QUEUED,
  recipients: RECIPIENTS,
  seedSeconds: +seedSeconds.toFixed(1),
  workerSeconds: SECONDS,
  handled,
  byStatus,
  worker: {
    peakRssMiB: +peakMiB.toFixed(1),
    medianRssMiB: +([...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0).toFixed(1),
    targetMiB: TARGET_MIB,
    ratioToTarget: +(peakMiB / TARGET_MIB).toFixed(2),
  },
};
console.log(JSON.stringify(report, null, 2));
console.error(`[bench] worker peak RSS ${report.worker.peakRssMiB} MiB with ${QUEUED} queued (${report.worker.ratioToTarget}× the 256 MB target); handled ${handled} in ${SECONDS} s`);
process.exit(handled > 0 ? 0 : 1);
