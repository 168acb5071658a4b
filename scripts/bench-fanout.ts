// npm run bench:fanout — does the cart-recovery scheduler slow the webhook route down? Seeds 100,000 open
// checkouts whose step-1 time has come (a quarter with confirmed consent, a quarter with an unconfirmed
// one, half without a phone; two scheduled reminders per checkout with a phone), then measures signed
// checkouts/create deliveries against the real app (production build under server.mjs, real routes and
// ingest) in one run, in alternating windows: with the scheduler paused, and while it decides the checkouts in a
// second process the way the worker runs it (defaultCartRecoverySchedulerPolicy, called as often as a busy worker's
// rounds come: it gives way while deliveries come in, except for one batch every few seconds, so the report also
// says how far it got while measured). Each window spans several of the scheduler's work-and-rest cycles: a window shorter than one cycle
// that starts when the scheduler resumes would measure only its working stretch. Prints a JSON report.
// Environment: BENCH_CHECKOUTS (100000), BENCH_WINDOWS (10), BENCH_WINDOW (1000 requests), BENCH_CONCURRENCY (8),
// BENCH_DATABASE_URL (default: a fresh SQLite file under .data/bench), BENCH_SKIP_BUILD=1 to reuse build/.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { loadEnvDefaults } from "./lib/load-env";
import { buildApp, combineWindows, machineDescription, runLoad, signedDelivery, startApp, waitForServer, type LoadWindow } from "./lib/load";
import { migrateDatabase, repoRoot } from "./lib/migrate";

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 100_000);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 10);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = 100;
const SHOP = "fanout.myshopify.com";
// Between the scheduler's calls: the worker calls it once per round; with its rounds back to back (busy dispatching),
// a round takes a few milliseconds. The worst case for the route is the scheduler at its full share.
const ROUND_MS = 2;

loadEnvDefaults();

// ------------------------------------------------------------------------------------------ the scheduler process

if (process.argv.includes("--scheduler")) {
  const { createDb } = await import("../app/.server/db");
  const { defaultCartRecoverySchedulerPolicy, pacedCartRecoveryScheduler } = await import("../app/.server/cart-recovery/step1");
  const { systemClock } = await import("../app/.server/clock");
  const db = createDb(process.env.DATABASE_URL!);
  // stdin: "go" starts; "pause" stops after the current call (answered "paused"); "resume" continues; "alone"
  // drops the pacing for the rest (nothing else is measured any more: the scheduler's own capacity).
  let paused = false;
  let schedule = pacedCartRecoveryScheduler(db, systemClock, defaultCartRecoverySchedulerPolicy);
  const byDecision: Record<string, number> = {};
  let decided = 0;
  let batches = 0;
  let working = 0;
  let gaveWay = 0;
  let contended = 0;
  let aloneFrom = null as { at: number; decided: number } | null; // set by the "alone" line
  let onLine: ((line: string) => void) | null = null;
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line === "pause") paused = true;
    if (line === "resume") paused = false;
    if (line === "alone") {
      schedule = pacedCartRecoveryScheduler(db, systemClock, { ...defaultCartRecoverySchedulerPolicy, workShare: 1 });
      aloneFrom = { at: performance.now(), decided };
    }
    onLine?.(line);
  });
  const next = (wanted: string) => new Promise<void>((resolve) => (onLine = (line) => line === wanted && resolve()));
  console.log("ready");
  await next("go");
  while (decided < CHECKOUTS) {
    if (paused) {
      console.log("paused");
      await next("resume");
    }
    const t0 = performance.now();
    const counts = await schedule();
    if (counts.gaveWay) gaveWay += 1;
    if (counts.contended) contended += 1;
    if (counts.batches > 0) {
      working += performance.now() - t0;
      batches += counts.batches;
      decided += counts.decided;
      for (const [k, v] of Object.entries(counts.byDecision)) byDecision[k] = (byDecision[k] ?? 0) + (v ?? 0);
      console.log(`progress ${decided}`);
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  const alone = aloneFrom ? { decided: decided - aloneFrom.decided, seconds: (performance.now() - aloneFrom.at) / 1000 } : null;
  console.log(JSON.stringify({
    decided, batches, secondsWorking: +(working / 1000).toFixed(2), byDecision, gaveWay, contended,
    ...(alone ? { alone: { decided: alone.decided, seconds: +alone.seconds.toFixed(2), perSecond: +(alone.decided / alone.seconds).toFixed(0) } } : {}),
  }));
  if (paused) await next("resume");
  await db.$disconnect();
  process.exit(0);
}

// ------------------------------------------------------------------------------------------ seeding

async function seed(databaseUrl: string): Promise<void> {
  const { createDb } = await import("../app/.server/db");
  const { holdoutBucket } = await import("../app/.server/cart-recovery/holdout");
  const db = createDb(databaseUrl);
  const now = Date.now();
  const CHUNK = 2_000;
  await db.shop.create({ data: { domain: SHOP } });
  for (let start = 0; start < CHECKOUTS; start += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, CHECKOUTS - start) }, (_, k) => start + k);
    const at = (i: number) => new Date(now - 2 * 3_600_000 - (i % 3_600) * 1_000);
    const phoneOf = (i: number) => (i % 2 === 0 ? `+4915${String(300_000_000 + i)}` : null);
    await db.checkout.createMany({
      data: ids.map((i) => ({ shop: SHOP, token: `seed-${i}`, phone: phoneOf(i), totalPrice: "49.90", currency: "EUR", abandonedCheckoutUrl: `https://${SHOP}/checkouts/seed-${i}/recover`, createdAt: at(i), sourceUpdatedAt: at(i) })),
    });
    await db.cartRecovery.createMany({
      data: ids.map((i) => ({ shop: SHOP, checkoutToken: `seed-${i}`, checkoutCreatedAt: at(i), lastUpdateAt: at(i), step1DueAt: new Date(at(i).getTime() + 3_600_000), bucket: holdoutBucket(SHOP, `seed-${i}`), updatedAt: at(i) })),
    });
    const withPhone = ids.filter((i) => phoneOf(i) !== null);
    // Every other phone confirmed its consent; the rest only asked (REQUESTED).
    const confirmed = (i: number) => i % 4 === 0;
    await db.consent.createMany({ data: withPhone.map((i) => ({ id: `consent-${i}`, shop: SHOP, phone: phoneOf(i), state: confirmed(i) ? "CONFIRMED" : "REQUESTED", updatedAt: at(i) })) });
    await db.consentEvent.createMany({
      data: withPhone.flatMap((i) => [
        { consentId: `consent-${i}`, shop: SHOP, fromState: "NONE", toState: "REQUESTED", source: "test", at: at(i) },
        ...(confirmed(i) ? [{ consentId: `consent-${i}`, shop: SHOP, fromState: "REQUESTED", toState: "CONFIRMED", source: "test", at: at(i) }] : []),
      ]),
    });
    await db.message.createMany({
      data: withPhone.flatMap((i) =>
        ([1, 2] as const).map((step) => ({
          id: `seed${i}s${step}`, shop: SHOP, flow: "cart_recovery", dedupeKey: `cart_recovery:seed-${i}:step${step}`, to: phoneOf(i), category: "MARKETING",
          template: `momento_cart_recovery_${step}`, language: "de", components: "[]", checkoutToken: `seed-${i}`, status: "SCHEDULED",
          // Step 1 is due (it is the scheduler's turn, not the worker's); step 2 a day later.
          sendAfter: new Date(at(i).getTime() + (step === 1 ? 3_600_000 : 86_400_000)), plannedFor: at(i), createdAt: at(i),
        })),
      ),
    });
  }
  await db.$disconnect();
}

// ------------------------------------------------------------------------------------------ load

const secret = process.env.SHOPIFY_API_SECRET!;
const sample = JSON.parse(readFileSync(path.join(repoRoot, "tests/fixtures/shopify/checkouts_create.json"), "utf8"));

const delivery = (label: string) => (i: number) => {
  const now = new Date().toISOString();
  return signedDelivery("checkouts/create", SHOP, `fanout-${label}-${i}`, {
    ...sample,
    token: `live-${label}-${i}`,
    cart_token: `cart-${label}-${i}`,
    phone: `+4915${String(400_000_000 + i)}`,
    customer_locale: "de",
    presentment_currency: "EUR",
    total_price: "89.90",
    created_at: now,
    updated_at: now,
  }, secret);
};

const load = (url: string, label: string, count: number, from = 0) => runLoad(url, { from, count, concurrency: CONCURRENCY, delivery: delivery(label) });

function startScheduler(databaseUrl: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench-fanout.ts", "--scheduler"], {
    cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  let progress = 0;
  const waiting = new Map<string, () => void>();
  const expect = (line: string) => new Promise<void>((resolve) => waiting.set(line, resolve));
  const ready = expect("ready");
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line.startsWith("progress ")) progress = Number(line.slice(9));
      else if (line.startsWith("{")) resolve(JSON.parse(line));
      else waiting.get(line)?.();
    });
    child.once("exit", (code) => (code === 0 ? undefined : reject(new Error(`scheduler exited with ${code}`))));
  });
  // Awaited later; a failure must not crash this process before the server is stopped.
  result.catch(() => undefined);
  const send = (line: string) => child.stdin!.write(`${line}\n`);
  return {
    ready,
    result,
    progress: () => progress,
    go: () => send("go"),
    resume: () => send("resume"),
    alone: () => send("alone"),
    pause: async () => {
      const paused = expect("paused");
      send("pause");
      await paused;
    },
  };
}

// ------------------------------------------------------------------------------------------ main

buildApp();
const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const dbFile = path.join(benchDir, "fanout.sqlite");
for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dbFile + suffix, { force: true });
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
migrateDatabase(databaseUrl);

console.error(`[bench] seeding ${CHECKOUTS} open checkouts whose step-1 time has come …`);
const seedStarted = performance.now();
await seed(databaseUrl);
console.error(`[bench] seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

const url = "http://127.0.0.1:3473/webhooks/checkouts/create";
const server = startApp(3473, databaseUrl);
let report: Record<string, unknown>;
try {
  await waitForServer(url, server.child);
  await load(url, "warmup", WARMUP);
  // Windows alternate between the scheduler paused and running, so that whatever else the machine does meanwhile
  // weighs on both measurements alike. The scheduler pauses only between its rounds (it answers "paused").
  const scheduler = startScheduler(databaseUrl);
  await scheduler.ready;
  console.error(`[bench] ${WINDOWS} × 2 windows of ${WINDOW} signed checkouts/create deliveries (${CONCURRENCY} in flight), without and during the scheduler …`);
  const without: LoadWindow[] = [];
  const during: LoadWindow[] = [];
  let decidedDuring = 0;
  let schedulerStarted = false;
  for (let w = 0; w < WINDOWS; w++) {
    without.push(await load(url, "without", WINDOW, w * WINDOW));
    if (schedulerStarted) scheduler.resume();
    else {
      scheduler.go();
      schedulerStarted = true;
    }
    const before = scheduler.progress();
    during.push(await load(url, "during", WINDOW, w * WINDOW));
    await scheduler.pause();
    decidedDuring += scheduler.progress() - before;
  }
  const stillOpen = CHECKOUTS - scheduler.progress();
  console.error(`[bench] measured; the scheduler now decides the remaining ${stillOpen} alone, at full speed …`);
  scheduler.alone();
  scheduler.resume();
  const schedulerResult = (await scheduler.result) as { alone?: { perSecond: number } };
  const { defaultCartRecoverySchedulerPolicy } = await import("../app/.server/cart-recovery/step1");
  const a = combineWindows(without);
  const b = combineWindows(during);
  report = {
    database: databaseUrl.startsWith("file:") ? "SQLite (node:sqlite, two processes)" : "PostgreSQL",
    machine: machineDescription(),
    checkouts: CHECKOUTS,
    scheduler: {
      ...schedulerResult,
      decidedWhileMeasured: decidedDuring,
      perSecondWhileMeasured: +(decidedDuring / b.seconds).toFixed(0),
      // Its pace while measured against its pace alone: how much of its capacity it used during the windows.
      shareOfAloneWhileMeasured: schedulerResult.alone ? +(decidedDuring / b.seconds / schedulerResult.alone.perSecond).toFixed(3) : null,
      openAfterMeasuring: stillOpen,
      policy: defaultCartRecoverySchedulerPolicy,
    },
    webhookRoute: {
      windows: WINDOWS,
      requestsPerWindow: WINDOW,
      concurrency: CONCURRENCY,
      without: a,
      during: b,
      ratio: { throughput: +(b.perSecond / a.perSecond).toFixed(3), p50: +(b.p50Ms / a.p50Ms).toFixed(2), p99: +(b.p99Ms / a.p99Ms).toFixed(2) },
    },
  };
} finally {
  server.stop();
}
console.log(JSON.stringify(report!, null, 2));
const route = report!.webhookRoute as { without: { failures: number }; during: { failures: number } };
process.exit(route.without.failures + route.during.failures > 0 ? 1 : 0);
