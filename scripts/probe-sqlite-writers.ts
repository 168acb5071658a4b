// npx tsx scripts/probe-sqlite-writers.ts [--n 200] [--processes 2] [--clients 1]
//                                         [--driver app|node-sqlite|node-sqlite-native|libsql] [--retry] [--url file:…] [--json]
// Several processes (like the web process and the worker) write one SQLite file at the same time: each runs N
// interactive transactions (read, then two inserts: a Consent and its ConsentEvent) and counts what succeeded.
// --clients K spreads a process's N transactions over K PrismaClients running side by side (K connections in one
// process, as in tests that open two clients). Prints succeeded/failed per process, error codes, time, and the
// longest single call into node:sqlite (a native busy wait shows there: the process is blocked that long).
// Exits 1 when a transaction failed or a committed row is missing.
// Without --url it migrates a fresh file under .data/probe/. Measurements: docs/decisions/005-sqlite-concurrent-writers.md.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DatabaseSync, StatementSync } from "node:sqlite";
import { migrateDatabase, repoRoot } from "./lib/migrate";

const DRIVERS = ["app", "node-sqlite", "node-sqlite-native", "libsql"] as const;
type Driver = (typeof DRIVERS)[number];

type ChildResult = {
  process: number;
  succeeded: number;
  failed: number;
  errors: Record<string, number>;
  ms: number;
  /** Longest single synchronous call into node:sqlite (ms); null for libsql, whose calls are not measured. */
  longestSqliteCallMs: number | null;
};

export type ProbeReport = {
  driver: Driver;
  n: number;
  processes: ChildResult[];
  /** Rows per process found in the file afterwards: [consents, consent events]. */
  rows: [number, number][];
  missingRows: number;
  totalMs: number;
  ok: boolean;
};

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const shopOf = (prefix: string, k: number) => `${prefix}-${k}.myshopify.com`;

// ------------------------------------------------------------------------------------------------------------
// Child: one process writing
// ------------------------------------------------------------------------------------------------------------

async function openClient(driver: Driver, url: string) {
  const { PrismaClient } = await import("@prisma/client");
  switch (driver) {
    case "app":
      return (await import("../app/.server/db")).createDb(url);
    case "libsql": {
      const { PrismaLibSQL } = await import("@prisma/adapter-libsql");
      return new PrismaClient({ adapter: new PrismaLibSQL({ url }) });
    }
    case "node-sqlite":
    case "node-sqlite-native": {
      const { PrismaNodeSqlite } = await import("../app/.server/sqlite-adapter");
      const busyWait = driver === "node-sqlite" ? "async" : "native";
      return new PrismaClient({ adapter: new PrismaNodeSqlite({ url, busyWait }) });
    }
  }
}

/** Wraps node:sqlite's synchronous entry points to time them; `longest()` since the last `reset()`. */
function timeSqliteCalls(): { longest: () => number; reset: () => void } {
  let longest = 0;
  const wrap = (proto: object, name: string) => {
    const target = proto as Record<string, (...args: unknown[]) => unknown>;
    const original = target[name];
    target[name] = function (this: unknown, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        longest = Math.max(longest, performance.now() - started);
      }
    };
  };
  wrap(DatabaseSync.prototype, "exec");
  for (const name of ["all", "get", "run"]) wrap(StatementSync.prototype, name);
  return { longest: () => longest, reset: () => (longest = 0) };
}

async function child(args: string[]): Promise<void> {
  const k = Number(option(args, "--index"));
  const n = Number(option(args, "--n"));
  const clientCount = Number(option(args, "--clients") ?? 1);
  const driver = option(args, "--driver") as Driver;
  const url = option(args, "--url")!;
  const retry = args.includes("--retry");
  const { retryOnContention } = await import("../app/.server/db");
  const sqliteCalls = timeSqliteCalls();
  const clients = await Promise.all(Array.from({ length: clientCount }, () => openClient(driver, url)));
  const shop = shopOf(option(args, "--shop-prefix") ?? "probe", k);
  for (const db of clients) await db.consent.count({ where: { shop } }); // connect and load the query compiler first

  await new Promise<void>((resolve) => {
    process.once("message", () => resolve());
    process.send!({ ready: true });
  });

  const usesNodeSqlite = driver !== "libsql";
  const result: ChildResult = { process: k, succeeded: 0, failed: 0, errors: {}, ms: 0, longestSqliteCallMs: null };
  sqliteCalls.reset();
  const started = performance.now();
  await Promise.all(
    clients.map(async (db, c) => {
      for (let i = c; i < n; i += clientCount) {
        const transaction = () =>
          db.$transaction(async (tx) => {
            const before = await tx.consent.count({ where: { shop } });
            const at = new Date();
            const consent = await tx.consent.create({
              data: { shop, phone: `+49${k}${String(i).padStart(9, "0")}`, state: "REQUESTED", updatedAt: at },
            });
            await tx.consentEvent.create({
              data: { consentId: consent.id, shop, fromState: "NONE", toState: "REQUESTED", source: "test", evidence: JSON.stringify({ before }), at },
            });
          });
        try {
          await (retry ? retryOnContention(transaction) : transaction());
          result.succeeded += 1;
        } catch (error) {
          result.failed += 1;
          const code = String((error as { code?: unknown }).code ?? (error as Error).name);
          result.errors[code] = (result.errors[code] ?? 0) + 1;
        }
      }
    }),
  );
  result.ms = Math.round(performance.now() - started);
  if (usesNodeSqlite) result.longestSqliteCallMs = Math.round(sqliteCalls.longest());
  for (const db of clients) await db.$disconnect();
  process.send!({ result }, () => process.exit(0));
}

// ------------------------------------------------------------------------------------------------------------
// Parent: start the writers together, then check the file
// ------------------------------------------------------------------------------------------------------------

export async function probe(options: {
  n: number;
  processes: number;
  clients?: number;
  driver: Driver;
  url: string;
  retry?: boolean;
  /** Shops are <prefix>-<process>.myshopify.com, so several probes can share one file. */
  shopPrefix?: string;
}): Promise<ProbeReport> {
  const shopPrefix = options.shopPrefix ?? "probe";
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const file = path.join(repoRoot, "scripts", "probe-sqlite-writers.ts");
  const started = performance.now();
  const children = Array.from({ length: options.processes }, (_, k) => {
    const args = ["--import", tsx, file, "--child", "--index", String(k), "--n", String(options.n), "--driver", options.driver, "--url", options.url];
    if (options.retry) args.push("--retry");
    if (options.clients) args.push("--clients", String(options.clients));
    args.push("--shop-prefix", shopPrefix);
    const proc = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "inherit", "inherit", "ipc"], env: process.env });
    let resolveReady!: () => void;
    const ready = new Promise<void>((resolve) => (resolveReady = resolve));
    const done = new Promise<ChildResult>((resolve, reject) => {
      let result: ChildResult | undefined;
      proc.on("message", (message: { ready?: boolean; result?: ChildResult }) => {
        if (message.ready) resolveReady();
        if (message.result) result = message.result;
      });
      proc.on("error", reject);
      proc.on("exit", (code) => (result ? resolve(result) : reject(new Error(`probe process ${k} ended with ${code} and no result`))));
    });
    done.catch(() => resolveReady());
    return { proc, ready, done };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.proc.send({ go: true });
  const results = await Promise.all(children.map((c) => c.done));
  const totalMs = Math.round(performance.now() - started);

  // Not read-only: as the last connection to close, it checkpoints the WAL and removes the -wal/-shm files.
  const check = new DatabaseSync(options.url.replace(/^file:/, ""), { timeout: 5_000 });
  const rows = results.map((r): [number, number] => {
    const shop = shopOf(shopPrefix, r.process);
    const consents = check.prepare(`SELECT count(*) AS n FROM "Consent" WHERE shop = ?`).get(shop) as { n: number };
    const events = check.prepare(`SELECT count(*) AS n FROM "ConsentEvent" WHERE shop = ?`).get(shop) as { n: number };
    return [consents.n, events.n];
  });
  check.close();
  const missingRows = results.reduce((sum, r, k) => sum + Math.abs(2 * r.succeeded - rows[k][0] - rows[k][1]), 0);
  const ok = missingRows === 0 && results.every((r) => r.failed === 0);
  return { driver: options.driver, n: options.n, processes: results, rows, missingRows, totalMs, ok };
}

async function main(args: string[]): Promise<void> {
  if (args.includes("--child")) return child(args);
  const n = Number(option(args, "--n") ?? 200);
  const processes = Number(option(args, "--processes") ?? 2);
  const clients = Number(option(args, "--clients") ?? 1);
  const driver = (option(args, "--driver") ?? "app") as Driver;
  if (!DRIVERS.includes(driver)) throw new Error(`--driver must be one of ${DRIVERS.join(", ")}`);
  let url = option(args, "--url");
  if (!url) {
    const dir = path.join(repoRoot, ".data", "probe");
    mkdirSync(dir, { recursive: true });
    url = `file:${path.join(dir, `probe-${Date.now()}.sqlite`)}`;
    migrateDatabase(url);
  }
  const report = await probe({ n, processes, clients, driver, url, retry: args.includes("--retry") });
  if (args.includes("--json")) {
    console.log(JSON.stringify(report));
  } else {
    const perProcess = clients > 1 ? ` over ${clients} clients each` : "";
    console.log(`driver ${driver}${args.includes("--retry") ? " + retryOnContention" : ""}, ${processes} processes × ${n} transactions${perProcess} on ${url}`);
    for (const [k, r] of report.processes.entries()) {
      const errors = Object.entries(r.errors).map(([code, count]) => `${code}×${count}`).join(" ");
      console.log(
        `  process ${r.process}: ${r.succeeded} succeeded, ${r.failed} failed${errors ? ` (${errors})` : ""} in ${r.ms} ms;` +
          ` rows ${report.rows[k][0]}+${report.rows[k][1]}; longest call into SQLite ${r.longestSqliteCallMs ?? "n/a"} ms`,
      );
    }
    console.log(`  total ${report.totalMs} ms, missing rows ${report.missingRows}: ${report.ok ? "OK" : "FAILED"}`);
  }
  process.exitCode = report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main(process.argv.slice(2));
}
