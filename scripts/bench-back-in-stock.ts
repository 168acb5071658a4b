// npm run bench:back-in-stock — how long does the back-in-stock fan-out take to plan a big restock? Seeds one variant
// with BENCH_SUBSCRIBERS (100,000) waiting signups (nine in ten with CONFIRMED consent, the rest still REQUESTED),
// its cached variant and a queued restock, then times runBackInStockFanOut as the worker runs it (batches of 2,000,
// each one join and three bulk writes) until the restock is planned, and once more to show a repeat plans nothing.
// Prints a JSON report; the target is < 5 s for 100,000. Environment: BENCH_SUBSCRIBERS, BENCH_BATCH (2000),
// BENCH_DATABASE_URL (default: a fresh SQLite file under .data/bench).
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { migrateDatabase, repoRoot } from "./lib/migrate";

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const TARGET_SECONDS = 5;
const SHOP = "restock.myshopify.com";
const VARIANT = "642667041472713922";
const ITEM = "271878346596884015";

loadEnvDefaults();

const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const dbFile = path.join(benchDir, "back-in-stock.sqlite");
for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(dbFile + suffix, { force: true });
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
migrateDatabase(databaseUrl);

const { createDb } = await import("../app/.server/db");
const { systemClock } = await import("../app/.server/clock");
const { defaultOutboxPolicy } = await import("../app/.server/outbox/policy");
const { runBackInStockFanOut } = await import("../app/.server/back-in-stock/fan-out");
const db = createDb(databaseUrl);

console.error(`[bench] seeding ${SUBSCRIBERS} signups for one variant …`);
const seedStarted = performance.now();
const now = new Date();
await db.shop.create({ data: { domain: SHOP, settings: JSON.stringify({ flows: { back_in_stock: { enabled: true } } }) } });
const confirmed = (i: number) => i % 10 !== 0;
const phoneOf = (i: number) => `+4915${String(100_000_000 + i)}`;
for (let start = 0; start < SUBSCRIBERS; start += 5_000) {
  const ids = Array.from({ length: Math.min(5_000, SUBSCRIBERS - start) }, (_, k) => start + k);
  await db.consent.createMany({ data: ids.map((i) => ({ shop: SHOP, phone: phoneOf(i), state: confirmed(i) ? "CONFIRMED" : "REQUESTED", updatedAt: now })) });
  await db.backInStockSubscription.createMany({ data: ids.map((i) => ({ shop: SHOP, variantId: VARIANT, phone: phoneOf(i), locale: i % 3 === 0 ? "en" : "de", status: "WAITING", createdAt: now })) });
}
await db.inventoryItemVariant.create({ data: { shop: SHOP, inventoryItemId: ITEM, variantId: VARIANT, productTitle: "Example T-Shirt", variantTitle: "Small", productUrl: `https://${SHOP}/products/example-t-shirt`, fetchedAt: now } });
await db.inventoryLevel.create({ data: { shop: SHOP, inventoryItemId: ITEM, locationId: "24826418", available: 10, sourceUpdatedAt: now } });
await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: now } });
const seedSeconds = (performance.now() - seedStarted) / 1000;

// No Admin API here (variants are cached), so no offline token is read and any key will do.
const deps = { db, clock: systemClock, adminGraphql: null, secretsKey: randomBytes(32), policy: defaultOutboxPolicy };
console.error("[bench] planning …");
const started = performance.now();
const counts = await runBackInStockFanOut(deps, { batchSize: BATCH, maxBatches: Infinity });
const seconds = (performance.now() - started) / 1000;
const repeat = await runBackInStockFanOut(deps, { batchSize: BATCH, maxBatches: Infinity });

const expected = Array.from({ length: SUBSCRIBERS }, (_, i) => i).filter(confirmed).length;
const [messages, events, restock, spread] = await Promise.all([
  db.message.count({ where: { flow: "back_in_stock" } }),
  db.messageEvent.count(),
  db.restock.findFirstOrThrow(),
  db.message.aggregate({ where: { flow: "back_in_stock" }, _min: { sendAfter: true }, _max: { sendAfter: true } }),
]);
await db.$disconnect();

const report = {
  database: databaseUrl.startsWith("file:") ? "sqlite" : "postgresql",
  subscribers: SUBSCRIBERS,
  confirmed: expected,
  batchSize: BATCH,
  seedSeconds: +seedSeconds.toFixed(2),
  planned: counts.planned,
  messages,
  events,
  restockDone: restock.doneAt !== null,
  seconds: +seconds.toFixed(2),
  perSecond: Math.round(counts.planned / seconds),
  repeatPlanned: repeat.planned,
  sendWindowMinutes: spread._min.sendAfter && spread._max.sendAfter ? +((spread._max.sendAfter.getTime() - spread._min.sendAfter.getTime()) / 60_000).toFixed(1) : 0,
  targetSeconds: TARGET_SECONDS,
  withinTarget: seconds < TARGET_SECONDS * (SUBSCRIBERS / 100_000),
  correct: counts.planned === expected && messages === expected && events === expected && repeat.planned === 0 && restock.doneAt !== null,
};
console.log(JSON.stringify(report, null, 2));
if (!report.correct) process.exitCode = 1;
