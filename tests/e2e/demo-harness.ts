// Runs `npm run demo` for a browser test on its own ports (and data directory), and launches Debian's
// Chromium through playwright-core with the flags from STACK.md ("Browser tests").
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
export const root = path.resolve(import.meta.dirname, "../..");
export const SCREENSHOTS = path.join(root, ".data", "screenshots");

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `SKIPPED: ${CHROMIUM} is missing — install Debian's chromium with scripts/ci/chromium.sh`;
  // The demo always runs on SQLite; running it again in the PostgreSQL pass would prove nothing new.
  if (/^postgres(ql)?:/.test(process.env.DATABASE_URL ?? "")) return "SKIPPED in the PostgreSQL pass: the demo uses SQLite and already ran in the SQLite pass";
  return null;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

/** A port nobody listens on right now (the OS picks it), so parallel test runs never collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningDemo {
  appUrl: string;
  simUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** Without `dataDir` the demo keeps its data where `npm run demo` does for a person (.data). */
export async function startDemo(port: number, simPort: number, dataDir?: string): Promise<RunningDemo> {
  for (const p of [port, simPort]) if (await portOpen(p)) throw new Error(`port ${p} is in use; this browser test needs it`);
  // The test runner's own settings (per-file database, virtual time) must not leak into the demo.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|TEST|NODE_OPTIONS$|DATABASE_URL$|MOMENTO_)/.test(key))) as NodeJS.ProcessEnv;
  const child: ChildProcess = spawn("npm", ["run", "--silent", "demo"], {
    cwd: root,
    env: { ...env, PORT: String(port), SIM_PORT: String(simPort), ...(dataDir ? { DEMO_DATA_DIR: dataDir } : {}), FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that stopping it reaches npm, tsx and the demo script alike.
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d));
  child.stderr!.on("data", (d: Buffer) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Momento demo is running")) done();
      else if (child.exitCode !== null) done(new Error(`npm run demo exited with ${child.exitCode}:\n${output}`));
    }, 200);
    const deadline = setTimeout(() => done(new Error(`the demo did not start within 4 minutes:\n${output}`)), 240_000);
    function done(error?: Error) {
      clearInterval(timer);
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    }
  });

  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    appUrl: `http://localhost:${port}`,
    simUrl: `http://127.0.0.1:${simPort}`,
    output: () => output,
    async stop() {
      if (!child.pid) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      // The demo stops its own children, which may take a few seconds; wait for the ports to close.
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (groupAlive() || (await portOpen(port)) || (await portOpen(simPort)))) await new Promise((r) => setTimeout(r, 200));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

export interface DemoSession {
  demo: RunningDemo;
  dataDir: string;
  context: BrowserContext;
  page: Page;
  /** The page's console errors (watchConsole). */
  errors: string[];
  close(): Promise<void>;
}

/**
 * A demo of its own — free ports and a data directory under .data named after the test (never demo.test.ts's
 * 3310/4310 or .data itself), so the test can run next to that one, next to a person's `npm run demo`, and next
 * to another test run — with one desktop Chromium page signed in to it through /demo.
 */
export async function openDemoSession(name: string): Promise<DemoSession> {
  const dataDir = mkdtempSync(path.join(root, ".data", `${name}-`));
  let demo: RunningDemo | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await demo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const appPort = await freePort();
    let simPort = await freePort();
    while (simPort === appPort) simPort = await freePort();
    demo = await startDemo(appPort, simPort, dataDir);
    browser = await launchChromium();
    const context = await desktopContext(browser);
    const page = await context.newPage();
    const errors = watchConsole(page);
    const response = await page.goto(`${demo.appUrl}/demo`, { waitUntil: "networkidle" });
    if (response?.status() !== 200) throw new Error(`/demo answered ${response?.status()}`);
    await page.waitForFunction(() => typeof (window as { shopify?: { idToken?: unknown } }).shopify?.idToken === "function");
    return { demo, dataDir, context, page, errors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * A desktop context. Shopify's library adds preload links to its CDN (App Bridge, fonts); this machine has
 * no internet, so the browser would log "failed to load resource" for them. They are answered empty here,
 * as a reachable CDN would answer; everything the app itself serves still goes over the network.
 */
export async function desktopContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ userAgent: DESKTOP_UA, viewport: { width: 1280, height: 900 } });
  await context.route("https://cdn.shopify.com/**", (route) => route.fulfill({ status: 200, body: "" }));
  return context;
}

/** Collects every console error and uncaught page error of `page`; a test asserts the list is empty. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  return errors;
}

/** Opens a page of the app's nav menu and waits until its data is on screen. */
export async function openFromNav(page: Page, href: string, title: string): Promise<void> {
  await page.locator(`ui-nav-menu a[href="${href}"]`).click();
  await page.waitForURL((url) => url.pathname === href);
  await page.locator(`ui-title-bar[title="${title}"]`).waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
