// npm run bench:dispatch — one worker (the real runWorker, the real WhatsApp client over HTTP) sending to the Cloud
// API simulator: messages per second, and the largest number of sends the simulator received in any one second
// against the configured rate (the RateLimit table's tokens). Status webhooks are not delivered (dispatch only).
// Environment: BENCH_MESSAGES (6000: a few full seconds at the rate), BENCH_RATE (1000 msg/s, the most Meta allows), BENCH_BATCH (100),
// BENCH_DATABASE_URL (default: a fresh SQLite file under .data/bench; a postgresql:// URL must name an empty,
// migratable database). Prints a JSON report.
import { mkdirSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import path from "node:path";
import { bodyText } from "../app/.server/automations/types";
import { systemClock } from "../app/.server/clock";
import { createDb } from "../app/.server/db";
import { defaultOutboxPolicy } from "../app/.server/outbox/policy";
import { runWorker } from "../app/.server/outbox/worker";
import { suggestedTemplates, TEMPLATE_NAMES } from "../app/.server/templates/catalogue";
import { createWhatsAppClient } from "../app/.server/whatsapp/client";
import { createCloudApiSimulator } from "../simulator/cloud-api";
import { serveSimulator } from "../simulator/http";
import { migrateDatabase, repoRoot } from "./lib/migrate";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 6_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const SHOP = "dispatch-bench.myshopify.com";
const PHONE_NUMBER_ID = "100000000000777";
const TOKEN = "bench-token";

const benchDir = path.join(repoRoot, ".data", "bench");
mkdirSync(benchDir, { recursive: true });
const sqliteFile = path.join(benchDir, `dispatch-${process.pid}.sqlite`);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${sqliteFile}`;
migrateDatabase(databaseUrl);
const db = createDb(databaseUrl);

const at = new Date(Date.now() - 60_000);
const rows = Array.from({ length: MESSAGES }, (_, i) => ({ i, phone: `+49155${String(1_000_000 + i)}` }));
for (let start = 0; start < rows.length; start += 500) {
  const chunk = rows.slice(start, start + 500);
  await db.message.createMany({
    data: chunk.map(({ i, phone }) => ({
      id: `bench-${i}`, shop: SHOP, flow: "order_confirmation", dedupeKey: `bench:${i}`, to: phone, category: "UTILITY",
      template: TEMPLATE_NAMES.orderConfirmation, language: "de", status: "SCHEDULED", sendAfter: at, createdAt: at,
      components: JSON.stringify([bodyText("Anna", `#${i}`, "49,90 €"), { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: `bench-${i}` }] }]),
    })),
  });
  await db.consent.createMany({ data: chunk.map(({ phone }) => ({ shop: SHOP, phone, state: "CONFIRMED", updatedAt: at })) });
}

const received: number[] = [];
const sim = createCloudApiSimulator({
  clock: systemClock, appSecret: "bench-secret", accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID, templates: suggestedTemplates("http://localhost:3000"),
  deliverWebhook: async () => undefined,
  onActivity: (activity) => {
    if (activity.kind === "accepted") received.push(Date.now());
  },
});
const server = await serveSimulator(sim, { port: 0 });
const sender = createWhatsAppClient({ baseUrl: server.url, apiVersion: "v24.0", phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN });
const policy = { ...defaultOutboxPolicy, ratePerSecond: RATE, burst: RATE, batchSize: BATCH };

const stop = new AbortController();
const started = performance.now();
const cpuBefore = process.cpuUsage();
const worker = runWorker({ db, clock: systemClock, sender, policy, signal: stop.signal, idleMs: 20, rateLimitKey: PHONE_NUMBER_ID });
while (received.length < MESSAGES && performance.now() - started < 600_000) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  if ((await db.message.count({ where: { status: { in: ["SCHEDULED", "SENDING"] } } })) === 0) break;
}
const elapsedS = (performance.now() - started) / 1000;
stop.abort();
const totals = await worker;
// CPU of this process (worker and simulator) while it sent: on a shared, busy machine the rate moves with the load,
// the CPU per message much less.
const cpu = process.cpuUsage(cpuBefore);
await server.close();
const states = Object.fromEntries((await db.message.groupBy({ by: ["status"], _count: true })).map((g) => [g.status, g._count]));
await db.$disconnect();
if (!process.env.BENCH_DATABASE_URL) rmSync(sqliteFile, { force: true });

const perSecond = new Map<number, number>();
for (const t of received) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
const firstToLastS = received.length > 1 ? (received[received.length - 1] - received[0]) / 1000 : elapsedS;
const maxPerSecond = Math.max(0, ...perSecond.values());
// The seconds wholly inside the run: the first and the last are partial (the run starts and ends inside them), so a
// rate over first-to-last reads above what any full second carried.
const seconds = [...perSecond.keys()].sort((a, b) => a - b);
const fullSeconds = seconds.slice(1, -1);
const inFullSeconds = fullSeconds.reduce((sum, second) => sum + perSecond.get(second)!, 0);
const fullSecondRate = fullSeconds.length > 0 ? inFullSeconds / fullSeconds.length : null;
console.log(JSON.stringify({
  bench: "dispatch",
  database: databaseUrl.startsWith("file:") ? "SQLite" : "PostgreSQL",
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model, loadavg1m: Number(loadavg()[0].toFixed(2)) },
  messages: MESSAGES, batch: BATCH, configuredRatePerSecond: RATE,
  received: received.length, finalStates: states, worker: { rounds: totals.rounds, sent: totals.sent, deferred: totals.deferred },
  msgPerSecond: fullSecondRate === null ? null : Number(fullSecondRate.toFixed(1)),
  fullSeconds: fullSeconds.length,
  ratioToTarget1000: fullSecondRate === null ? null : Number((fullSecondRate / 1000).toFixed(3)),
  msgPerSecondFirstToLast: Number((received.length / firstToLastS).toFixed(1)),
  maxInAnySecond: maxPerSecond, maxToRate: Number((maxPerSecond / RATE).toFixed(3)),
  cpuMsPerMessage: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, received.length)).toFixed(3)),
  elapsedSeconds: Number(elapsedS.toFixed(2)),
}, null, 2));
