// npm run bench:dashboard -- [--db sqlite|postgres] [--scale 1] [--calls 40] [--reuse] [--profile]
// Seeds one shop with 1 M orders, 3 M messages and 300 k customers (times --scale) over two years, with set-based
// INSERT … SELECT statements, computes its rollups with the rebuild (decision 010), then calls the dashboard's
// loader (both periods of the page: the last 30 days and the 30 before) repeatedly and prints p50/p95 as JSON, also
// with the comparison period's kept retention forgotten before each call (uncachedLoaderMs, a quarter of the calls).
// --db postgres uses BENCH_DATABASE_URL (a PostgreSQL URL; its tables are replaced); sqlite a fresh file under .data/bench.
// --reuse keeps a database this script seeded before at the same scale (the rollups are rebuilt all the same);
// --profile adds each statement of one loader call per period, run one at a time, slowest first.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { migrateDatabase, repoRoot } from "./lib/migrate";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench:dashboard -- [--db sqlite|postgres] [--scale 1] [--calls 40] [--reuse] [--profile]`);
  process.exit(2);
}
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const dbKind = arg("--db") ?? "sqlite";
if (dbKind !== "sqlite" && dbKind !== "postgres") usage(`--db must be sqlite or postgres, not ${dbKind}`);
const scale = Number(arg("--scale") ?? 1);
const calls = Number(arg("--calls") ?? 40);
const reuse = args.includes("--reuse");
if (!(scale > 0 && scale <= 10) || !(calls >= 5)) usage("--scale must be in (0, 10], --calls at least 5");

const SHOP = "bench-dashboard.myshopify.com";
const ORDERS = Math.round(1_000_000 * scale);
const MESSAGES = Math.round(3_000_000 * scale);
const CUSTOMERS = Math.round(300_000 * scale);
const CONSENTS = Math.round(CUSTOMERS / 3);
const FEEDBACK = Math.round(20_000 * scale);
const CHECKOUTS = Math.round(50_000 * scale);
const DAYS = 730;

loadEnvDefaults();
let url: string;
if (dbKind === "postgres") {
  url = process.env.BENCH_DATABASE_URL ?? usage("--db postgres needs BENCH_DATABASE_URL");
} else {
  const dir = path.join(repoRoot, ".data", "bench");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "dashboard.sqlite");
  if (!reuse) rmSync(file, { force: true });
  url = `file:${file}`;
}
process.env.DATABASE_URL = url;
migrateDatabase(url);

const { createDb } = await import("../app/.server/db");
const { rebuildRollups } = await import("../app/.server/analytics/rebuild");
const { dashboardData } = await import("../app/.server/analytics/dashboard");
const db = createDb(url);
const pg = dbKind === "postgres";
const now = new Date();
const startMs = now.getTime() - DAYS * 86_400_000;

// A sequence 1..n, and an instant `fraction` of the way through the two years, in each dialect. SQLite stores
// DateTime as ISO text with +00:00 (the adapter's format); PostgreSQL as timestamp(3).
const seq = (n: number) => (pg ? `generate_series(1::bigint, ${n}) AS s(n)` : `(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${n}) SELECT n FROM s) AS s`);
const at = (fraction: string) =>
  pg
    ? `(to_timestamp(${startMs / 1000} + (${fraction}) * ${DAYS * 86_400}) AT TIME ZONE 'UTC')`
    : `strftime('%Y-%m-%dT%H:%M:%S.000+00:00', ${Math.floor(startMs / 1000)} + CAST((${fraction}) * ${DAYS * 86_400} AS INTEGER), 'unixepoch')`;
const text = (expr: string) => (pg ? `(${expr})::text` : `CAST(${expr} AS TEXT)`);
const bool = (expr: string) => (pg ? `(${expr})` : `CASE WHEN ${expr} THEN 1 ELSE 0 END`);
const pad = (expr: string, width: number) => (pg ? `lpad((${expr})::text, ${width}, '0')` : `substr('0000000000' || (${expr}), -${width}, ${width})`);
// Spread deterministically: orders and messages fall on random-looking days, later days a bit busier.
const spread = (n: string, salt: number) => `(((${n}) * ${7919 + salt}) % 1000003) / 1000003.0`;

async function run(label: string, sql: string) {
  const started = Date.now();
  await db.$executeRawUnsafe(sql);
  console.error(`[bench] ${label} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function seed() {
  for (const table of ["RollupDay", "CustomerDay", "CustomerSummary", "CohortMonth", "FeedbackResponse", "ConsentEvent", "Consent", "MessageEvent", "Message", "Order", "Customer", "CartRecovery", "Shop"]) {
    await db.$executeRawUnsafe(`DELETE FROM "${table}"`);
  }
  await db.shop.create({ data: { domain: SHOP, timezone: "Europe/Berlin", country: "DE", currency: "EUR" } });
  await run(
    `${CUSTOMERS} customers`,
    `INSERT INTO "Customer" ("id", "shop", "key", "shopifyCustomerId", "phone", "updatedAt")
     SELECT 'c' || ${text("n")}, '${SHOP}', ${text("n")}, ${text("n")}, '+4915' || ${pad("n", 9)}, ${at("1")} FROM ${seq(CUSTOMERS)}`,
  );
  await run(
    `${ORDERS} orders`,
    `INSERT INTO "Order" ("id", "shop", "shopifyOrderId", "name", "customerKey", "checkoutToken", "totalPrice", "currency", "test", "cancelledAt", "optInRequested", "createdAt", "sourceUpdatedAt")
     SELECT 'o' || ${text("n")}, '${SHOP}', ${text("n")}, '#' || ${text("n")},
       ${text(`((n * 7919) % ${CUSTOMERS}) + 1`)}, 'tok' || ${text(`n % ${ORDERS}`)},
       ${text(`10 + (n % 190)`)} || '.' || ${pad("n % 100", 2)}, 'EUR',
       ${bool("n % 500 = 0")}, CASE WHEN n % 97 = 0 THEN ${at(spread("n", 1))} ELSE NULL END, ${bool("n % 3 = 0")},
       ${at(`sqrt(${spread("n", 1)})`)}, ${at(`sqrt(${spread("n", 1)})`)}
     FROM ${seq(ORDERS)}`,
  );
  const flows = ["order_confirmation", "opt_in_confirmation", "cart_recovery", "shipping_update", "feedback", "win_back", "back_in_stock"];
  const statuses = ["READ", "READ", "DELIVERED", "DELIVERED", "SENT", "FAILED", "SKIPPED", "CANCELLED", "READ", "SCHEDULED"];
  const pick = (list: string[], expr: string) => `CASE ${list.map((v, i) => `WHEN (${expr}) % ${list.length} = ${i} THEN '${v}'`).join(" ")} END`;
  await run(
    `${MESSAGES} messages`,
    `INSERT INTO "Message" ("id", "shop", "flow", "dedupeKey", "to", "customerKey", "checkoutToken", "category", "template", "language", "components", "status", "sendAfter", "plannedFor", "createdAt")
     SELECT 'm' || ${text("n")}, '${SHOP}', ${pick(flows, "n")}, 'bench:' || ${text("n")}, '+4915' || ${pad(`(n % ${CUSTOMERS}) + 1`, 9)}, ${text(`(n % ${CUSTOMERS}) + 1`)},
       CASE WHEN n % ${flows.length} = 2 THEN 'tok' || ${text(`(n / ${flows.length}) % ${CHECKOUTS}`)} ELSE NULL END,
       'UTILITY', 't', 'de', '[]', ${pick(statuses, "n / 7")}, ${at(`sqrt(${spread("n", 2)})`)}, ${at(`sqrt(${spread("n", 2)})`)}, ${at(`sqrt(${spread("n", 2)})`)}
     FROM ${seq(MESSAGES)}`,
  );
  await run(
    `${CONSENTS} consents with two events each`,
    `INSERT INTO "Consent" ("id", "shop", "phone", "state", "updatedAt")
     SELECT 'k' || ${text("n")}, '${SHOP}', '+4915' || ${pad("n * 3", 9)}, CASE WHEN n % 5 = 0 THEN 'REVOKED' ELSE 'CONFIRMED' END, ${at("1")} FROM ${seq(CONSENTS)}`,
  );
  await run(
    "consent events",
    `INSERT INTO "ConsentEvent" ("consentId", "shop", "fromState", "toState", "source", "at")
     SELECT 'k' || ${text("((n - 1) / 2) + 1")}, '${SHOP}', CASE WHEN n % 2 = 1 THEN 'NONE' ELSE 'REQUESTED' END, CASE WHEN n % 2 = 1 THEN 'REQUESTED' ELSE 'CONFIRMED' END, 'checkout',
       ${at(`${spread("(n + 1) / 2", 3)} + (n % 2) * 0.0001`)} FROM ${seq(CONSENTS * 2)}`,
  );
  await run(
    `${FEEDBACK} feedback answers`,
    `INSERT INTO "FeedbackResponse" ("id", "shop", "score", "waMessageId", "receivedAt")
     SELECT 'f' || ${text("n")}, '${SHOP}', n % 11, 'wamid.f' || ${text("n")}, ${at(spread("n", 4))} FROM ${seq(FEEDBACK)}`,
  );
  await run(
    `${CHECKOUTS} decided checkouts`,
    `INSERT INTO "CartRecovery" ("id", "shop", "checkoutToken", "checkoutCreatedAt", "lastUpdateAt", "step1DueAt", "decidedAt", "decision", "contactable", "consentState", "holdout", "bucket", "updatedAt")
     SELECT 'r' || ${text("n")}, '${SHOP}', 'tok' || ${text("n")}, ${at(spread("n", 5))}, ${at(spread("n", 5))}, ${at(spread("n", 5))}, ${at(spread("n", 5))},
       CASE WHEN n % 10 = 0 THEN 'holdout' ELSE 'remind' END, ${bool("1 = 1")}, 'CONFIRMED', ${bool("n % 10 = 0")}, n % 100, ${at("1")}
     FROM ${seq(CHECKOUTS)}`,
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** The statements of one loader call, each run alone (the loader's Promise.all would overlap them). */
async function profile(query: string, clock: { now: () => Date }) {
  const statements: { ms: number; statement: string }[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const timed = db.$extends({
    query: {
      $allOperations({ model, operation, args, query: run }) {
        const next = queue.then(async () => {
          const started = performance.now();
          try {
            return await run(args);
          } finally {
            const sql = model ? JSON.stringify(args) : JSON.stringify(args).replace(/\\[nr]|\s+/g, " ");
            statements.push({ ms: Math.round((performance.now() - started) * 10) / 10, statement: `${model ?? ""}.${operation} ${sql.slice(0, 160)}` });
          }
        });
        queue = next.catch(() => undefined);
        return next;
      },
    },
  });
  await dashboardData(timed as unknown as typeof db, clock, SHOP, new URLSearchParams(query));
  return statements.sort((a, b) => b.ms - a.ms);
}

try {
  const seedStarted = Date.now();
  const seeded = reuse && (await db.order.count({ where: { shop: SHOP } }).catch(() => 0)) === ORDERS;
  if (!seeded) await seed();
  // No ANALYZE here: the rebuild refreshes the statistics it needs itself (rows just imported have none).
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  const rebuildStarted = Date.now();
  const rebuilt = await rebuildRollups(db, SHOP);
  const rebuildSeconds = (Date.now() - rebuildStarted) / 1000;
  console.error(`[bench] rollups rebuilt in ${rebuildSeconds.toFixed(1)} s`);
  // After the rebuild, as a running shop's tables would be (autovacuum): statistics, and on PostgreSQL the visibility
  // map its index-only scans need.
  await db.$executeRawUnsafe(pg ? "VACUUM ANALYZE" : "ANALYZE");

  const clock = { now: () => now };
  // uncached: the comparison period's kept retention (RetentionCache) forgotten before each call, as after a write
  // that changes it (an old order, a consent transition dated before that period's end, a phone changing).
  const measure = async (query: string, { uncached = false } = {}) => {
    await dashboardData(db, clock, SHOP, new URLSearchParams(query)); // warm-up
    const times: number[] = [];
    for (let i = 0; i < (uncached ? Math.ceil(calls / 4) : calls); i += 1) {
      if (uncached) await db.retentionCache.deleteMany({ where: { shop: SHOP } });
      const started = performance.now();
      await dashboardData(db, clock, SHOP, new URLSearchParams(query));
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { p50: Math.round(percentile(times, 50) * 10) / 10, p95: Math.round(percentile(times, 95) * 10) / 10, max: Math.round(times[times.length - 1] * 10) / 10 };
  };
  const sample = await dashboardData(db, clock, SHOP, new URLSearchParams("preset=30d"));
  const report = {
    db: dbKind,
    scale,
    seeded: { orders: ORDERS, messages: MESSAGES, customers: CUSTOMERS, consents: CONSENTS, feedback: FEEDBACK, checkouts: CHECKOUTS, seconds: Math.round(seedSeconds) },
    rebuild: { ...rebuilt, seconds: Math.round(rebuildSeconds * 10) / 10 },
    calls,
    loaderMs: { last30Days: await measure("preset=30d"), last365Days: await measure("preset=365d") },
    uncachedLoaderMs: { last30Days: await measure("preset=30d", { uncached: true }), last365Days: await measure("preset=365d", { uncached: true }) },
    targetP95Ms: 150,
    ...(args.includes("--profile") ? { profile: { last30Days: await profile("preset=30d", clock), last365Days: await profile("preset=365d", clock) } } : {}),
    sample30Days: { customers: sample.stats.retention.customers, messagesSent: sample.stats.messages.sent, orders: sample.stats.orders.count, cohorts: sample.stats.retention.cohorts.length },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await db.$disconnect();
}
