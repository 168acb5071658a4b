// The dashboard in a real browser (Debian's Chromium via playwright-core) on a running `npm run demo`: every
// figure on screen equals the stats JSON computed from the demo's database for the same period, the period
// picker (a preset and a custom range) changes them, the charts render, and there is no console error.
// Screenshots under .data/screenshots/.
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "~/.server/db";
import { dashboardData } from "~/.server/analytics/dashboard";
import type { Stats } from "~/.server/analytics/stats";
import { DEMO_SHOP } from "~/.server/demo/session-token";
import { formatCount, formatMoney, formatPercent, formatPoints, formatScore } from "~/components/dashboard-format";
import { browserSkipReason, openDemoSession, openFromNav, screenshot, type DemoSession } from "./demo-harness";

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e dashboard] ${skipReason}`);
const test = it.skipIf(skipReason !== null);
const LOCALE = "en-US";

let session: DemoSession | undefined;
let page: Page;
let errors: string[] = [];
let demoDb: Db | undefined;

/** What the page must print for each figure, from the stats JSON (the same formatting rules, not the page's values). */
function expectedFigures(stats: Stats) {
  const lift = stats.cartRecovery.incrementalLift;
  return {
    sent: formatCount(stats.messages.sent, LOCALE),
    readRate: formatPercent(stats.messages.readRate, LOCALE),
    optInRate: formatPercent(stats.orders.optInRate, LOCALE),
    confirmationRate: formatPercent(stats.consent.confirmationRate, LOCALE),
    recoveredWindow: formatMoney(stats.cartRecovery.recoveredRevenueWindow, "EUR", LOCALE),
    recoveredClick: `Click: ${formatMoney(stats.cartRecovery.recoveredRevenueClick, "EUR", LOCALE)}`,
    lift: lift === null ? "Not enough data" : formatPoints(lift, LOCALE),
    returning: formatPercent(stats.retention.returningCustomerRate, LOCALE),
    churn: formatPercent(stats.retention.churnRate, LOCALE),
    nps: stats.nps.score === null ? "Not enough data" : formatScore(stats.nps.score, LOCALE),
    subscribersReturning: formatPercent(stats.retention.subscribers.returningCustomerRate, LOCALE),
    othersReturning: formatPercent(stats.retention.others.returningCustomerRate, LOCALE),
    subscribersCustomers: `${formatCount(stats.retention.subscribers.customers, LOCALE)} customers`,
    othersCustomers: `${formatCount(stats.retention.others.customers, LOCALE)} customers`,
  };
}

async function onScreen(): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const el of document.querySelectorAll("[data-figure]")) out[el.getAttribute("data-figure")!] = (el.textContent ?? "").trim();
    return out;
  });
}

const statsJson = async (query: string) => JSON.stringify(await dashboardData(demoDb!, { now: () => new Date() }, DEMO_SHOP, new URLSearchParams(query)));

/**
 * The demo keeps working (its worker sends, the simulator answers), and a page loaded a moment before its figures
 * change cannot equal stats computed a moment after: wait until the figures of `query` stood still for a second
 * (at most 30 s) before the page loads them. Returns them, for `checkAgainstStats` to see whether they still stand.
 */
async function demoAtRest(query: string): Promise<string> {
  let last = await statsJson(query);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = await statsJson(query);
    if (now === last) return now;
    last = now;
  }
  return last;
}

const nav = (href: string, title: string) => openFromNav(page, href, title);

/**
 * Compares the page with the stats of `query` — once they are the same as before the page loaded (`before`). `load`
 * loads the page afresh (away to another page first: the demo opens on the dashboard, and a click on the page one is
 * on may load nothing; a browser reload would lose the admin's URL parameters). If the demo moved a figure during the
 * load (a loaded machine stretches the second of rest), the page is loaded again.
 */
async function checkAgainstStats(query: string, before: string, load: () => Promise<void>) {
  await nav("/app/messages", "Message log");
  await load();
  let data = await dashboardData(demoDb!, { now: () => new Date() }, DEMO_SHOP, new URLSearchParams(query));
  for (let loads = 1; JSON.stringify(data) !== before && loads < 5; loads++) {
    before = JSON.stringify(data);
    await nav("/app/messages", "Message log");
    await load();
    data = await dashboardData(demoDb!, { now: () => new Date() }, DEMO_SHOP, new URLSearchParams(query));
  }
  // The URL changes with the new data; React may commit it a moment later: wait until the page names the period.
  await page.locator("[data-period]").filter({ hasText: `${data.period.first} – ${data.period.last}` }).waitFor();
  const expected = expectedFigures(data.stats);
  expect(await onScreen()).toEqual(expected);
  // The comparison figures too (the previous period of the same length).
  const previous = expectedFigures(data.previous);
  const shownPrevious = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll("[data-previous]")].map((el) => [el.getAttribute("data-previous"), (el.textContent ?? "").trim()])));
  for (const [key, text] of Object.entries(shownPrevious)) expect(text).toBe(`previous period: ${previous[key as keyof typeof previous]}`);
  // The cohort table: one row per cohort, each share as the stats say.
  const rows = await page.locator("[data-cohort]").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim())));
  expect(rows).toEqual(data.stats.retention.cohorts.map((c) => [c.month, formatCount(c.customers, LOCALE), ...c.retention.map((r) => formatPercent(r, LOCALE))]));
  return data;
}

describe("the dashboard in Chromium", () => {
  beforeAll(async () => {
    if (skipReason) return;
    session = await openDemoSession("e2e-dashboard");
    ({ page, errors } = session);
    demoDb = createDb(`file:${path.join(session.dataDir, "demo.sqlite")}`);
  }, 300_000);

  afterAll(async () => {
    await demoDb?.$disconnect();
    await session?.close();
  }, 30_000);

  test(skipReason ?? "shows the stats JSON's figures for the last 30 days, with charts and definitions", async () => {
    const before = await demoAtRest("preset=30d");
    const data = await checkAgainstStats("preset=30d", before, () => nav("/app", "Dashboard"));
    // The replayed history has orders and messages: no empty state, and the charts drew something.
    expect(data.stats.messages.sent).toBeGreaterThan(0);
    await expect(page.getByText("Nothing to show yet").count()).resolves.toBe(0);
    for (const chart of ["messages", "revenue", "funnel"]) await expect(page.locator(`[data-chart="${chart}"] svg`).first().waitFor()).resolves.toBeUndefined();
    await expect(page.getByText("This is a correlation, not a cause", { exact: false }).isVisible()).resolves.toBe(true);
    await expect(page.getByText("Read ÷ delivered or read.", { exact: false }).isVisible()).resolves.toBe(true);
    await screenshot(page, "dashboard-30-days");
    expect(errors).toEqual([]);
  }, 120_000);

  test(skipReason ?? "the period picker: a preset and a custom range change the figures to the stats of that period", async () => {
    const before7 = await demoAtRest("preset=7d");
    const sevenDays = async () => {
      await nav("/app", "Dashboard");
      await page.getByLabel("Period").selectOption("7d");
      await page.waitForURL((url) => url.searchParams.get("preset") === "7d");
      await page.waitForLoadState("networkidle");
    };
    await checkAgainstStats("preset=7d", before7, sevenDays);
    await screenshot(page, "dashboard-7-days");

    const { period } = await dashboardData(demoDb!, { now: () => new Date() }, DEMO_SHOP, new URLSearchParams("preset=90d"));
    const custom = `preset=custom&from=${period.first}&to=${period.last}`;
    const beforeCustom = await demoAtRest(custom);
    const customRange = async () => {
      await nav("/app", "Dashboard");
      await page.getByLabel("Period").selectOption("custom");
      await page.getByLabel("From").fill(period.first);
      await page.getByLabel("To (inclusive)").fill(period.last);
      await page.getByRole("button", { name: "Show" }).click();
      await page.waitForURL((url) => url.searchParams.get("preset") === "custom");
      await page.waitForLoadState("networkidle");
    };
    await checkAgainstStats(custom, beforeCustom, customRange);
    await screenshot(page, "dashboard-custom");
    expect(errors).toEqual([]);
  }, 120_000);
});
