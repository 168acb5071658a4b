// The Cart recovery page through authenticated requests (a locally signed session token, as App Bridge sends
// it): figures with definitions, both attributions, the lift or "not enough data", a recovered checkout's
// timeline, and the settings form that saves nothing on bad input.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { cartRecoverySettings } from "~/.server/cart-recovery/settings";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { signSessionToken } from "~/.server/demo/session-token";
import { db, sessionStorage, useVirtualClock } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { checkoutPayload, consentFor, createCartHarness, HOUR, MINUTE, resetDatabase, SHOP } from "./helpers";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const PHONE = "+4915112345678";
const FILE = routeFile("app.cart-recovery.tsx");
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

function authed(path: string, init: RequestInit = {}): Request {
  const token = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, "User-Agent": BROWSER_UA, ...init.headers } });
}

async function page(query = "") {
  const response = await callRoute(authed(`/app/cart-recovery${query}`), { file: FILE });
  expect(response.status).toBe(200);
  return response.json();
}

async function post(fields: Record<string, string>) {
  const response = await callRoute(authed("/app/cart-recovery", { method: "POST", body: new URLSearchParams(fields), headers: { "Content-Type": "application/x-www-form-urlencoded" } }), { file: FILE });
  expect(response.status).toBe(200);
  return response.json();
}

let clock: VirtualClock;
beforeEach(async () => {
  await resetDatabase();
  await ensureDemoSession(sessionStorage, SHOP, process.env.SCOPES!);
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
});

describe("the Cart recovery page", () => {
  it("shows the figures with definitions, both attributions, not enough data for the lift, and the recovered checkout's timeline", async () => {
    await consentFor(PHONE, "CONFIRMED", T0);
    const token = "page-1"; // bucket 40: not held out
    await deliverShopifyWebhook({ topic: "checkouts/create", payload: checkoutPayload(token) });
    const harness = createCartHarness(clock);
    await harness.advance(HOUR + 10 * MINUTE);
    const url = harness.sim.click(PHONE)!;
    await callRoute(new Request(url), { file: routeFile("r.$id.tsx"), params: { id: url.slice(url.lastIndexOf("/") + 1) } });
    await harness.advance(20 * MINUTE);
    await deliverShopifyWebhook({ topic: "orders/create", payload: germanOrder({ checkout_token: token, name: "#1043", total_price: "89.90", created_at: clock.now().toISOString(), updated_at: clock.now().toISOString() }) });
    await harness.advance(HOUR);

    const data = await page();
    const figure = (key: string) => data.figures.find((f: { key: string }) => f.key === key);
    expect(figure("abandoned")).toMatchObject({ label: "Abandoned", value: "1", definition: expect.stringContaining("no order") });
    expect(figure("reminded").value).toBe("1");
    expect(figure("recoveryRate").value).toBe("100%");
    expect(figure("estimatedCost").value).toBe("€0.11");
    expect(data.attribution.window).toMatchObject({ count: 1, revenue: "€89.90", title: "Ordered within 5 days after a reminder" });
    expect(data.attribution.click).toMatchObject({ count: 1, revenue: "€89.90" });
    expect(data.lift).toEqual({ value: null, text: "Not enough data: 0 of at least 30 holdout checkouts so far." });
    expect(data.recovered).toEqual([
      {
        checkout: "…page-1", order: "#1043", total: "€89.90", attribution: "through the link",
        timeline: [
          { label: "Abandoned", at: "2 Mar 2026, 12:00" },
          { label: "Reminded", at: "2 Mar 2026, 12:00" },
          { label: "Clicked", at: "2 Mar 2026, 12:10" },
          { label: "Ordered", at: "2 Mar 2026, 12:30" },
        ],
      },
    ]);
    // The preview carries the real template texts and sample parameters.
    expect(data.preview.templates.momento_cart_recovery_1.de.body).toContain("{{2}}");
    expect(data.preview.parameters.de).toEqual(["Anna", "Sneaker Classic und 2 × Socken", "89,90\u00a0€"]);

    const german = await page("?locale=de");
    expect(german.strings.title).toBe("Warenkorb-Erinnerungen");
    expect(german.attribution.window.revenue).toBe("89,90\u00a0€");
  });

  it("saves timing and discount together, and nothing when a field is wrong", async () => {
    const bad = await post({ intent: "settings", step1: "90", step2: "60", discountPercent: "120", discountDays: "7" });
    expect(bad).toMatchObject({ ok: false, errors: { step2: expect.stringContaining("after the first"), discountPercent: expect.stringContaining("between 1 and 90") } });
    expect((await db.shop.findUnique({ where: { domain: SHOP } }))?.settings ?? "{}").not.toContain("cartRecovery");

    const good = await post({ intent: "settings", step1: "30", step2: "720", discountPercent: "15", discountDays: "3" });
    expect(good).toMatchObject({ ok: true, message: "Cart recovery settings saved." });
    const stored = (await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).settings;
    expect(cartRecoverySettings(stored)).toMatchObject({ stepsMinutes: [30, 720], discount: { percent: 15, expiresInDays: 3 } });
    expect((await page()).settings).toMatchObject({ step1: "30", step2: "720", discountPercent: "15", discountDays: "3" });

    await post({ intent: "settings", step1: "30", step2: "720", discountPercent: "", discountDays: "3" });
    expect(cartRecoverySettings((await db.shop.findUniqueOrThrow({ where: { domain: SHOP } })).settings).discount).toBeNull();
  });
});
