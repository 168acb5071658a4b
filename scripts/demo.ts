// `npm run demo`: the whole app on this machine, without a Shopify account. A fresh SQLite database is
// filled by replaying demo/store-history.jsonl, then the app, the outbox worker and the WhatsApp Cloud
// API simulator run as children, and http://localhost:<PORT>/demo opens the app as the demo shop.
// `npm run demo -- --check` (or DEMO_CHECK=1) starts everything, loads the app page once and exits.
// Environment: PORT (3000), SIM_PORT (4010), DEMO_DATA_DIR (.data: the database and replay files, so a
// second demo, e.g. a browser test's, never touches yours); other settings from .env, else .env.example.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createConnection } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { shiftHistory } from "../app/.server/demo/shift-history";
import { DEMO_SHOP } from "../app/.server/demo/session-token";
import { LIVE_SHOPPERS, seedLiveShoppers } from "./lib/demo-live";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const DATA = path.resolve(root, process.env.DEMO_DATA_DIR || ".data");
const HISTORY = path.join(root, "demo", "store-history.jsonl");
/** Held while `npm run build` writes build/, which every demo on this checkout serves. */
const BUILD_LOCK = path.join(root, ".data", "build.lock");
const DB_FILE = path.join(DATA, "demo.sqlite");
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

const check = process.argv.includes("--check") || process.env.DEMO_CHECK === "1";
const PORT = Number(process.env.PORT || 3000);
const SIM_PORT = Number(process.env.SIM_PORT || 4010);
const APP_URL = `http://localhost:${PORT}`;

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const say = (line: string) => console.log(color(1, `[demo] ${line}`));
/** Thrown after a failure was reported and the shutdown started; nothing more to say. */
class DemoStopped extends Error {}
function fail(message: string): never {
  console.error(color(31, `[demo] ${message}`));
  stopAll(1);
  throw new DemoStopped();
}

// ---------------------------------------------------------------------------------------------
// 1. Environment
// ---------------------------------------------------------------------------------------------
function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return env;
}

function demoEnv(): NodeJS.ProcessEnv {
  const file = existsSync(path.join(root, ".env")) ? ".env" : ".env.example";
  say(`settings from ${file}`);
  const env: NodeJS.ProcessEnv = { ...readEnvFile(path.join(root, file)), ...process.env };
  // Virtual time belongs to the replay alone; the live demo runs on the system clock.
  delete env.MOMENTO_VIRTUAL_TIME;
  return {
    ...env,
    DEMO_MODE: "1",
    SHOPIFY_APP_URL: APP_URL,
    DATABASE_URL: `file:${DB_FILE}`,
    WHATSAPP_API_BASE_URL: `http://127.0.0.1:${SIM_PORT}`,
    CHECKPOINT_DISABLE: "1",
  };
}

// ---------------------------------------------------------------------------------------------
// 2–4. Database, history, build
// ---------------------------------------------------------------------------------------------
function freshDatabase(env: NodeJS.ProcessEnv): void {
  mkdirSync(DATA, { recursive: true });
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${DB_FILE}${suffix}`, { force: true });
  try {
    execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], { cwd: root, env, stdio: "pipe" });
  } catch (error) {
    fail(`prisma migrate deploy failed:\n${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  say(`fresh database ${path.relative(root, DB_FILE)} (migrated)`);
}

/** The generated Prisma client follows the last `prisma generate`; the PostgreSQL test pass switches it. */
function ensureSqliteClient(env: NodeJS.ProcessEnv): void {
  const generated = path.join(root, "node_modules", ".prisma", "client", "schema.prisma");
  if (existsSync(generated) && /provider\s*=\s*"sqlite"/.test(readFileSync(generated, "utf8"))) return;
  say("the generated Prisma client is not for SQLite; running prisma generate…");
  try {
    execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "generate"], { cwd: root, env, stdio: "pipe" });
  } catch (error) {
    fail(`prisma generate failed:\n${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function replayHistory(env: NodeJS.ProcessEnv): Promise<void> {
  // The bundled history is dated; moved forward by whole weeks it ends just before today, so the
  // dashboard's recent periods show it (weekdays and times of day stay as they were).
  const shifted = shiftHistory(readFileSync(HISTORY, "utf8"), new Date());
  const file = path.join(DATA, "demo-history.jsonl");
  writeFileSync(file, shifted.text);
  const messagesFile = path.join(DATA, "demo-messages.jsonl");
  say(`replaying ${path.relative(root, HISTORY)} (moved ${shifted.weeks} weeks forward) into the demo database…`);
  const started = Date.now();
  const result = await run("npm", ["run", "--silent", "replay", "--", path.relative(root, file), "--messages", path.relative(root, messagesFile)], env);
  if (result.code !== 0) {
    process.stderr.write(redact(result.stderr.split("\n").slice(-30).join("\n")) + "\n");
    fail(`the replay failed (exit ${result.code}); is \`npm run replay\` (scripts/replay.ts) there and working?`);
  }
  for (const line of result.stderr.split("\n")) if (line.startsWith("[replay]")) console.log(redact(line));
  try {
    const stats = JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as { messages?: { total?: Record<string, number> }; consent?: Record<string, number> };
    const total = stats.messages?.total ?? {};
    const summary = Object.entries(total)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    say(`replayed in ${((Date.now() - started) / 1000).toFixed(1)} s: messages ${summary || "none"}; consent ${JSON.stringify(stats.consent ?? {})}`);
  } catch {
    say("replayed (no stats printed)");
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Two demos starting at once (e.g. two browser tests) must not both write build/. */
async function withBuildLock(work: () => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      const fd = openSync(BUILD_LOCK, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(BUILD_LOCK, "utf8").trim());
      if (!holder || !processAlive(holder)) {
        rmSync(BUILD_LOCK, { force: true }); // left behind by a demo that died mid-build
        continue;
      }
      if (Date.now() > deadline) fail(`another demo has been building for 5 minutes (${path.relative(root, BUILD_LOCK)}, pid ${holder})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    await work();
  } finally {
    rmSync(BUILD_LOCK, { force: true });
  }
}

async function buildIfStale(env: NodeJS.ProcessEnv): Promise<void> {
  await withBuildLock(() => buildIfStaleUnlocked(env));
}

async function buildIfStaleUnlocked(env: NodeJS.ProcessEnv): Promise<void> {
  const output = path.join(root, "build", "server", "index.js");
  const inputs = Math.max(newestMtime(path.join(root, "app")), ...["vite.config.ts", "package-lock.json"].map((f) => statSync(path.join(root, f)).mtimeMs));
  if (existsSync(output) && statSync(output).mtimeMs > inputs) {
    say("build/ is up to date");
    return;
  }
  say("building the app (npm run build)…");
  const result = await run("npm", ["run", "--silent", "build"], env);
  if (result.code !== 0) {
    process.stderr.write(`${result.stdout}\n${result.stderr}\n`);
    fail("npm run build failed");
  }
}

// ---------------------------------------------------------------------------------------------
// 5. Children
// ---------------------------------------------------------------------------------------------
interface Child {
  name: string;
  process: ChildProcess;
  exited: boolean;
}
const children: Child[] = [];
let stopping = false;

/** Session tokens travel in the app's URLs; they never reach the terminal. */
function redact(line: string): string {
  return line.replace(/(id_token=)[^&\s"]+/g, "$1…").replace(/(Bearer\s+)[\w.-]+/g, "$1…");
}

function prefixLines(name: string, colorCode: number, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let buffered = "";
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      const tagged = line.startsWith(`[${name}]`) ? line : `[${name}] ${line}`;
      out.write(`${color(colorCode, redact(tagged))}\n`);
    }
  });
}

function start(name: string, colorCode: number, cmd: string, args: string[], env: NodeJS.ProcessEnv): Child {
  // Each child leads its own process group, so stopping it also stops what npm/npx/tsx started under it.
  const proc = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const child: Child = { name, process: proc, exited: false };
  prefixLines(name, colorCode, proc.stdout!, process.stdout);
  prefixLines(name, colorCode, proc.stderr!, process.stderr);
  proc.on("exit", (code, signal) => {
    child.exited = true;
    if (stopping) return;
    console.error(color(31, `[demo] ${name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the demo`));
    stopAll(1);
  });
  children.push(child);
  return child;
}

/** The group outlives its leader when a grandchild lingers (the server waits for idle keep-alive sockets). */
function signalGroup(child: Child, signal: NodeJS.Signals): void {
  if (child.process.pid === undefined) return;
  try {
    process.kill(-child.process.pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(child: Child): boolean {
  if (child.process.pid === undefined) return false;
  try {
    process.kill(-child.process.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter(groupAlive);
  if (running.length) say(`stopping ${running.map((c) => c.name).join(", ")}…`);
  for (const child of running) signalGroup(child, "SIGTERM");
  const deadline = Date.now() + 5000;
  const poll = setInterval(() => {
    if (!children.some(groupAlive) || Date.now() > deadline) {
      clearInterval(poll);
      for (const child of children) signalGroup(child, "SIGKILL");
      process.exit(code);
    }
  }, 100);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stopAll(0));
// Last resort if this process is torn down some other way: no orphaned servers holding the ports.
process.on("exit", () => children.forEach((c) => signalGroup(c, "SIGKILL")));

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new DemoStopped();
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`${what} did not answer within ${timeoutMs / 1000} s`);
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

async function assertPortFree(port: number, what: string): Promise<void> {
  if (await portOpen(port)) fail(`port ${port} (${what}) is already in use; choose another with ${what === "app" ? "PORT" : "SIM_PORT"}=…`);
}

// ---------------------------------------------------------------------------------------------
// 6. The check (CI smoke test)
// ---------------------------------------------------------------------------------------------
async function smokeCheck(): Promise<boolean> {
  const headers = { "User-Agent": BROWSER_UA, Accept: "text/html" };
  const page = await fetch(`${APP_URL}/demo`, { headers, redirect: "follow" });
  const html = await page.text();
  const landed = new URL(page.url);
  const pageOk = page.status === 200 && landed.pathname === "/app" && /text\/html/.test(page.headers.get("content-type") ?? "") && html.includes("Momento");
  say(`check: GET /demo → ${landed.pathname} ${page.status} ${page.headers.get("content-type") ?? "?"} (${html.length} bytes) ${pageOk ? "ok" : "FAILED"}`);
  const script = await fetch(`${APP_URL}/demo/app-bridge.js`, { headers: { "User-Agent": BROWSER_UA } });
  const scriptOk = script.status === 200 && (await script.text()).includes("shopify");
  say(`check: GET /demo/app-bridge.js → ${script.status} ${scriptOk ? "ok" : "FAILED"}`);
  const sim = await fetch(`http://127.0.0.1:${SIM_PORT}/_sim/messages`).then((r) => r.status, () => 0);
  const simOk = sim === 200;
  say(`check: simulator GET /_sim/messages → ${sim || "no answer"} ${simOk ? "ok" : "FAILED"}`);
  // Every merchant page, as the admin would open it (the same signed parameters /demo redirected to).
  let pagesOk = pageOk;
  for (const pathname of MERCHANT_PAGES) {
    const response = await fetch(`${APP_URL}${pathname}${landed.search}`, { headers });
    // Every page renders its title into App Bridge's title bar.
    const ok = response.status === 200 && (await response.text()).includes("<ui-title-bar");
    pagesOk &&= ok;
    say(`check: GET ${pathname} → ${response.status} ${ok ? "ok" : "FAILED"}`);
  }
  const phone = await fetch(`http://127.0.0.1:${SIM_PORT}/_sim/phone`).then(async (r) => r.status === 200 && (await r.text()).includes("Shoppers' phones"), () => false);
  say(`check: phone view GET /_sim/phone → ${phone ? "ok" : "FAILED"}`);
  // The live shoppers' opt-in requests reach the simulator within seconds (worker → Cloud API).
  const chatsOk = await waitUntil(async () => {
    const body = (await (await fetch(`http://127.0.0.1:${SIM_PORT}/_sim/messages`)).json()) as { messages: { template: string }[] };
    return body.messages.filter((m) => m.template === "momento_opt_in_confirmation").length >= LIVE_SHOPPERS.length;
  }, 30_000);
  say(`check: the live shoppers' opt-in requests are on their phones ${chatsOk ? "ok" : "FAILED"}`);
  const workerOk = children.some((c) => c.name === "worker" && !c.exited);
  say(`check: worker ${workerOk ? "running ok" : "NOT running"}`);
  return pageOk && scriptOk && simOk && workerOk && pagesOk && phone && chatsOk;
}

const MERCHANT_PAGES = ["/app/onboarding", "/app/automations", "/app/cart-recovery", "/app/messages", "/app/subscribers", "/app/settings"];

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const env = demoEnv();
  await assertPortFree(PORT, "app");
  await assertPortFree(SIM_PORT, "simulator");
  ensureSqliteClient(env);
  freshDatabase(env);
  await replayHistory(env);
  await buildIfStale(env);

  start("simulator", 35, "npm", ["run", "--silent", "simulator"], { ...env, SIMULATOR_PORT: String(SIM_PORT), SIMULATOR_WEBHOOK_URL: `${APP_URL}/webhooks/whatsapp` });
  start("app", 36, process.execPath, ["server.mjs"], { ...env, PORT: String(PORT), HOST: "127.0.0.1" });
  start("worker", 33, "npm", ["run", "--silent", "worker"], env);

  await waitFor("the app", async () => (await fetch(`${APP_URL}/demo/app-bridge.js`)).status > 0, 60_000);
  await waitFor("the simulator", () => portOpen(SIM_PORT), 30_000);
  // A few shoppers order right now with the WhatsApp box ticked: their chats wait in the phone view.
  const seeded = await seedLiveShoppers(APP_URL, env.SHOPIFY_API_SECRET ?? "", DEMO_SHOP);
  say(`${seeded} live shoppers just ordered with WhatsApp opt-in; their confirmation requests go out now`);

  if (check) {
    const ok = await smokeCheck().catch((error: unknown) => {
      console.error(color(31, `[demo] check failed: ${String(error)}`));
      return false;
    });
    say(ok ? "check passed" : "check FAILED");
    stopAll(ok ? 0 : 1);
    return;
  }

  const rule = "─".repeat(64);
  console.log(
    color(
      32,
      [
        "",
        rule,
        `  Momento demo is running — open  ${APP_URL}/demo`,
        "",
        "  Demo shop momento-demo.myshopify.com with two weeks of replayed orders.",
        `  App ${APP_URL} · worker · WhatsApp simulator http://127.0.0.1:${SIM_PORT}`,
        `  Shoppers' phones (tap, reply, open links):  http://127.0.0.1:${SIM_PORT}/_sim/phone`,
        `  In German:  ${APP_URL}/demo?locale=de`,
        "  Press Ctrl+C to stop everything.",
        rule,
        "",
      ].join("\n"),
    ),
  );
}

main().catch((error: unknown) => {
  if (error instanceof DemoStopped) return;
  console.error(color(31, `[demo] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
  stopAll(1);
});
