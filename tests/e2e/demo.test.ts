// `npm run demo` in a real browser: Debian's Chromium (scripts/ci/chromium.sh) driven by playwright-core,
// which gives each launch a fresh temporary profile.
// The demo runs as a child on its own ports; the page must render the app's home with no page error.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserSkipReason, DESKTOP_UA, launchChromium, screenshot, startDemo, type RunningDemo } from "./demo-harness";

const PORT = 3310;
const SIM_PORT = 4310;

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e] ${skipReason}`);

let demo: RunningDemo | undefined;
let browser: Browser | undefined;

describe("npm run demo in Chromium", () => {
  beforeAll(async () => {
    if (skipReason) return;
    // The ports and the data directory of a person's `npm run demo`.
    demo = await startDemo(PORT, SIM_PORT);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  }, 30_000);

  it.skipIf(skipReason !== null)(skipReason ?? "opens /demo and shows the app's home page for the demo shop", async () => {
    const context = await browser!.newContext({ userAgent: DESKTOP_UA, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const response = await page.goto(`${demo!.appUrl}/demo`, { waitUntil: "load" });
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

    await screenshot(page, "demo-home");
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
