// A worker process for the fault tests: the real outbox loop (runWorker) sending through the real WhatsApp client
// to the Cloud API simulator over HTTP, with a short lease so the leases of killed workers run out within the test.
// Configured by the environment the test gives it; prints "ready" once it has connected and starts on "go" (stdin),
// so the test can keep a few processes warm and kill each one a moment into its work.
import { systemClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { runWorker } from "~/.server/outbox/worker";
import { createWhatsAppClient } from "~/.server/whatsapp/client";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const db = createDb(env("DATABASE_URL"));
const phoneNumberId = env("WHATSAPP_PHONE_NUMBER_ID");
const sender = createWhatsAppClient({
  baseUrl: env("WHATSAPP_API_BASE_URL"), apiVersion: env("WHATSAPP_API_VERSION"), phoneNumberId, accessToken: env("WHATSAPP_ACCESS_TOKEN"), timeoutMs: 2_000,
});
const policy = { ...defaultOutboxPolicy, batchSize: Number(env("FAULT_BATCH")), ratePerSecond: Number(env("FAULT_RATE")), leaseMs: Number(env("FAULT_LEASE_MS")) };
const stop = new AbortController();
process.once("SIGTERM", () => stop.abort());

await db.$queryRaw`SELECT 1`;
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
await runWorker({ db, clock: systemClock, sender, policy, signal: stop.signal, idleMs: 20, rateLimitKey: phoneNumberId });
await db.$disconnect();
