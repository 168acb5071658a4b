// kill -9 of worker processes during dispatch, 100 times: the real worker loop in child processes sending over HTTP to
// the Cloud API simulator, whose status webhooks go through the real route. Afterwards the lease reconciliation
// runs, and the simulator's received messages are compared with the final database states per message id.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVirtualClock, systemClock } from "~/.server/clock";
import { bodyText } from "~/.server/automations/types";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { reconcileExpiredLeases, UNKNOWN_OUTCOME } from "~/.server/outbox/reconcile";
import { runWorker } from "~/.server/outbox/worker";
import { TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { getEnv } from "~/env.server";
import { db } from "~/shopify.server";
import type { CloudApiSimulator } from "../../simulator/cloud-api";
import { serveSimulator, startRealTimeFlusher, type SimulatorServer } from "../../simulator/http";
import { createAppCloudApiSimulator } from "../helpers/virtual-worker";
import { SHOP } from "../outbox/helpers";

const KILLS = 100;
const PARALLEL = 4;
const BATCH = 5;
// A kill may leave the whole batch the worker had in flight in doubt (its sends share one send-started mark), so the
// queue must outlast KILLS such batches for every kill to find work, however slowly the machine sends meanwhile.
const MESSAGES = KILLS * BATCH + 100;
const RATE = 300;
const LEASE_MS = 3_000;
const root = path.resolve(import.meta.dirname, "../..");
const bundle = path.join(root, ".data", "test", `fault-worker-${process.pid}.mjs`);

const env = getEnv();
let sim: CloudApiSimulator;
let server: SimulatorServer;
let stopFlusher: () => void;

beforeAll(async () => {
  // One bundled file starts in about half a second, a tenth of what transpiling on the fly costs per process.
  mkdirSync(path.dirname(bundle), { recursive: true });
  await build({
    entryPoints: [path.join(import.meta.dirname, "worker-entry.ts")], outfile: bundle, bundle: true, platform: "node", format: "esm",
    packages: "external", alias: { "~": path.join(root, "app") }, logLevel: "error",
  });
  sim = createAppCloudApiSimulator(systemClock);
  server = await serveSimulator(sim, { port: 0 });
  stopFlusher = startRealTimeFlusher(sim, 50);
});

afterAll(async () => {
  stopFlusher?.();
  await server?.close();
  rmSync(bundle, { force: true });
});

async function seed(count: number): Promise<string[]> {
  const at = new Date(Date.now() - 60_000);
  const rows = Array.from({ length: count }, (_, i) => {
    const phone = `+49151${String(7_000_000 + i)}`;
    return {
      message: {
        id: `kill-${i}`, shop: SHOP, flow: "order_confirmation", dedupeKey: `kill:${i}`, to: phone, category: "UTILITY",
        template: TEMPLATE_NAMES.orderConfirmation, language: "de", status: "SCHEDULED", sendAfter: at, createdAt: at,
        components: JSON.stringify([bodyText("Anna", `#${1000 + i}`, "49,90 €"), { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: `kill-${i}` }] }]),
      },
      consent: { shop: SHOP, phone, state: "CONFIRMED", updatedAt: at },
    };
  });
  await db.message.createMany({ data: rows.map((r) => r.message) });
  await db.consent.createMany({ data: rows.map((r) => r.consent) });
  return rows.map((r) => r.message.id);
}

function spawnWorker(): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [bundle], {
    cwd: root,
    env: {
      ...process.env, WHATSAPP_API_BASE_URL: server.url, FAULT_BATCH: String(BATCH), FAULT_RATE: String(RATE), FAULT_LEASE_MS: String(LEASE_MS),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.once("exit", (code, signal) => reject(new Error(`worker exited before it was ready (${code ?? signal})`)));
  });
  child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(`[fault worker] ${chunk.toString()}`));
  return { child, ready };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lets a warm worker go and kills it with SIGKILL a random moment (0–60 ms) after it has started on a message of its
 * own (a row it claimed carries sendStartedAt), i.e. while it is dispatching. Says whether it got that far.
 */
async function killOne(worker: { child: ChildProcess; ready: Promise<void> }, random: () => number): Promise<{ duringDispatch: boolean }> {
  await worker.ready;
  worker.child.stdin!.write("go\n");
  const mine = { claimedBy: { contains: `:${worker.child.pid}:` }, sendStartedAt: { not: null } };
  const deadline = Date.now() + 5_000;
  let duringDispatch = false;
  while (Date.now() < deadline && !(duringDispatch = (await db.message.count({ where: mine })) > 0)) await sleep(5);
  await sleep(Math.floor(random() * 60));
  const exited = new Promise((resolve) => worker.child.once("exit", resolve));
  worker.child.kill("SIGKILL");
  await exited;
  return { duringDispatch };
}

describe("kill -9 of workers during dispatch", () => {
  it(`${KILLS} kills: nothing lost, nothing sent twice, every message settled after reconciliation`, { timeout: 240_000 }, async () => {
    const ids = await seed(MESSAGES);
    let seed32 = 0x8badf00d;
    const random = () => ((seed32 = (Math.imul(seed32, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);

    const started = Date.now();
    let kills = 0;
    let duringDispatch = 0;
    // Each lane keeps its next process warm while the current one works.
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      let next = spawnWorker();
      while (kills < KILLS) {
        kills += 1;
        const current = next;
        next = kills < KILLS ? spawnWorker() : { child: null as unknown as ChildProcess, ready: Promise.resolve() };
        if ((await killOne(current, random)).duringDispatch) duringDispatch += 1;
      }
    }));
    console.log(`[kill test] ${kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; simulator received ${sim.sent.length}`);
    expect(kills).toBe(KILLS);
    expect(duringDispatch).toBeGreaterThanOrEqual(KILLS * 0.9);

    // One worker that is not killed finishes the queue, releasing the unstarted rows of expired leases on its way.
    const stop = new AbortController();
    const sender = createWhatsAppClient({ baseUrl: server.url, apiVersion: env.WHATSAPP_API_VERSION, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, accessToken: env.WHATSAPP_ACCESS_TOKEN });
    const policy = { ...defaultOutboxPolicy, batchSize: 50, ratePerSecond: RATE, leaseMs: LEASE_MS };
    const draining = runWorker({ db, clock: systemClock, sender, policy, signal: stop.signal, idleMs: 50, rateLimitKey: env.WHATSAPP_PHONE_NUMBER_ID });
    const open = () => db.message.count({ where: { OR: [{ status: "SCHEDULED" }, { status: "SENDING", sendStartedAt: null }] } });
    const drainDeadline = Date.now() + 60_000;
    while ((await open()) > 0 && Date.now() < drainDeadline) await sleep(200);
    stop.abort();
    await draining;
    expect(await open()).toBe(0);

    // The `sent` webhooks of everything the simulator accepted (due a second after acceptance).
    const received = new Map<string, number>();
    for (const m of sim.sent) received.set(m.bizOpaqueCallbackData!, (received.get(m.bizOpaqueCallbackData!) ?? 0) + 1);
    const settledDeadline = Date.now() + 15_000;
    const unsettled = () => db.message.count({ where: { id: { in: [...received.keys()] }, status: { notIn: ["SENT", "DELIVERED", "READ"] } } });
    while ((await unsettled()) > 0 && Date.now() < settledDeadline) await sleep(200);

    // Reconciliation after the grace period: what is still SENDING was handed to Meta by a killed worker.
    const later = createVirtualClock(new Date(Date.now() + LEASE_MS + defaultOutboxPolicy.reconcileAfterMs + 60_000));
    while ((await reconcileExpiredLeases(db, later, defaultOutboxPolicy)).failed > 0);

    const rows = await db.message.findMany({ select: { id: true, status: true, statusReason: true } });
    const duplicated = [...received.values()].filter((n) => n > 1).length;
    const lostSilently = rows.filter((r) => {
      const got = received.get(r.id) ?? 0;
      if (got > 0) return !["SENT", "DELIVERED", "READ"].includes(r.status);
      return !(r.status === "FAILED" && r.statusReason === UNKNOWN_OUTCOME);
    });
    const inDoubtNotReceived = rows.filter((r) => !received.has(r.id)).length;
    console.log(
      `[kill test] kills=${kills} (during dispatch: ${duringDispatch}) messages=${ids.length} received=${received.size} duplicated=${duplicated} ` +
        `lost silently=${lostSilently.length} failed as unknown outcome (killed mid-send, never reached the simulator)=${inDoubtNotReceived}`,
    );
    expect(rows).toHaveLength(MESSAGES);
    expect(duplicated).toBe(0);
    expect(lostSilently).toEqual([]);
    // At most the messages each killed worker had in flight (policy.sendConcurrency) can end in doubt.
    expect(inDoubtNotReceived).toBeLessThanOrEqual(kills * defaultOutboxPolicy.sendConcurrency);
    expect(received.size + inDoubtNotReceived).toBe(MESSAGES);
  });
});
