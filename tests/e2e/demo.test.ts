// `npm run demo` in a real browser: Debian's Chromium (scripts/ci/chromium.sh) driven by playwright-core,
// which gives each launch a fresh temporary profile.
// The demo runs as a child on its own ports; the page must render the app's home with no page error.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const PORT = 3310;
const SIM_PORT = 4310;
const APP_URL = `http://localhost:${PORT}`;
const DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const root = path.resolve(import.meta.dirname, "../..");
const SCREENSHOT = path.join(root, ".data", "screenshots", "demo-home.png");

const hasChromium = existsSync(CHROMIUM);
// The demo always runs on SQLite; running it again in the PostgreSQL pass would prove nothing new.
const onPostgres = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? "");
const skipReason = !hasChromium
  ? `SKIPPED: ${CHROMIUM} is missing — install Debian's chromium with scripts/ci/chromium.sh`
  : onPostgres
    ? "SKIPPED in the PostgreSQL pass: the demo uses SQLite and already ran in the SQLite pass"
    : null;
if (skipReason) console.warn(`[e2e] ${skipReason}`);

let demo: ChildProcess | undefined;
let output = "";
let browser: Browser | undefined;

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

function demoEnv(): NodeJS.ProcessEnv {
  // The test runner's own settings (per-file database, virtual time) must not leak into the demo.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST|NODE_OPTIONS$|DATABASE_URL$|MOMENTO_)/.test(key)),
  ) as NodeJS.ProcessEnv;
  return { ...env, PORT: String(PORT), SIM_PORT: String(SIM_PORT), FORCE_COLOR: "0" };
}

async function startDemo(): Promise<void> {
  for (const port of [PORT, SIM_PORT]) if (await portOpen(port)) throw new Error(`port ${port} is in use; the e2e demo needs it`);
  // Its own process group, so that stopping it reaches npm, tsx and the demo script alike.
  demo = spawn("npm", ["run", "--silent", "demo"], { cwd: root, env: demoEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  demo.stdout!.on("data", (d: Buffer) => (output += d));
  demo.stderr!.on("data", (d: Buffer) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Momento demo is running")) done();
      else if (demo!.exitCode !== null) done(new Error(`npm run demo exited with ${demo!.exitCode}:\n${output}`));
    }, 200);
    const deadline = setTimeout(() => done(new Error(`the demo did not start within 4 minutes:\n${output}`)), 240_000);
    function done(error?: Error) {
      clearInterval(timer);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    }
  });
}

async function stopDemo(): Promise<void> {
  if (!demo?.pid) return;
  try {
    process.kill(-demo.pid, "SIGTERM");
  } catch {
    return;
  }
  // The demo stops its own children, which may take a few seconds; wait for its whole process group.
  const deadline = Date.now() + 15_000;
  const running = async () => {
    try {
      process.kill(-demo!.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline && ((await running()) || (await portOpen(PORT)) || (await portOpen(SIM_PORT)))) await new Promise((r) => setTimeout(r, 200));
  try {
    process.kill(-demo.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

describe("npm run demo in Chromium", () => {
  beforeAll(async () => {
    if (skipReason) return;
    await startDemo();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stopDemo();
  }, 30_000);

  it.skipIf(skipReason !== null)(skipReason ?? "opens /demo and shows the app's home page for the demo shop", async () => {
    const context = await browser!.newContext({ userAgent: DESKTOP_UA, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const response = await page.goto(`${APP_URL}/demo`, { waitUntil: "load" });
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/app");

    await expect(page.getByRole("heading", { name: "Messages over time" }).waitFor({ timeout: 15_000 })).resolves.toBeUndefined();
    await expect(page.getByText(/in the shop's time zone \(Europe\/Berlin\)/).waitFor()).resolves.toBeUndefined();
    // The replayed history's messages went out: the figure on screen is the stats function's, not 0
    // (tests/e2e/dashboard.test.ts checks every figure against the stats JSON).
    const sent = Number(await page.locator('[data-figure="sent"]').textContent());
    expect(sent).toBeGreaterThan(0);
    // Hydrated, with the App Bridge stand-in in place of Shopify's.
    await page.waitForFunction(() => typeof (window as { shopify?: { idToken?: unknown } }).shopify?.idToken === "function");
    const shopify = await page.evaluate(async () => {
      const s = (window as unknown as { shopify: { config: { shop: string }; idToken(): Promise<string> } }).shopify;
      return { shop: s.config.shop, tokenParts: (await s.idToken()).split(".").length };
    });
    expect(shopify).toEqual({ shop: "momento-demo.myshopify.com", tokenParts: 3 });

    // Client-side navigation fetches route data; the stand-in's bearer token must get it through.
    await page.locator('ui-nav-menu a[rel="home"]').click();
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("heading", { name: "Messages over time" }).waitFor()).resolves.toBeUndefined();
    const dataStatus = await page.evaluate(async () => (await fetch("/app.data")).status);
    expect(dataStatus).toBe(200);

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
