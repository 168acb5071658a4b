// Two shops with the same shopper (same phone) and the same order id: what one shop's admin pages show and what its
// outbox sends never comes from the other shop. Real signed webhooks and session tokens through the real routes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb } from "~/.server/db";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { signSessionToken } from "~/.server/demo/session-token";
import { OPT_IN_ATTRIBUTE } from "~/.server/ingest/shopify-payloads";
import { dispatchDueMessages } from "~/.server/outbox/dispatch";
import { defaultOutboxPolicy } from "~/.server/outbox/policy";
import { createTokenBucket } from "~/.server/outbox/token-bucket";
import { sessionStorage } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { deliverShopifyWebhook, germanOrder } from "../helpers/shopify";
import { createFakeSender, createMessage } from "../outbox/helpers";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());

const APP_URL = process.env.SHOPIFY_APP_URL!;
const SHOP_A = "isolation-a.myshopify.com";
const SHOP_B = "isolation-b.myshopify.com";
const PHONE = "+49 151 12345678";
// What only shop B's data contains: if any of it shows up on a page of shop A, a query is not scoped by shop.
const B_MARKERS = ["Berta", "#B-7777", "berta-only@example.com"];
const PAGES = ["app._index.tsx", "app.messages.tsx", "app.subscribers.tsx", "app.subscribers[.]csv.tsx", "app.cart-recovery.tsx", "app.automations.tsx", "app.settings.tsx", "app.onboarding.tsx"];
const PATH_OF: Record<string, string> = {
  "app._index.tsx": "/app", "app.messages.tsx": "/app/messages", "app.subscribers.tsx": "/app/subscribers", "app.subscribers[.]csv.tsx": "/app/subscribers.csv",
  "app.cart-recovery.tsx": "/app/cart-recovery", "app.automations.tsx": "/app/automations", "app.settings.tsx": "/app/settings", "app.onboarding.tsx": "/app/onboarding",
};

function order(shop: "A" | "B") {
  const base = germanOrder();
  const customer = (base as { customer?: Record<string, unknown> }).customer ?? {};
  return germanOrder({
    // The same Shopify order id and the same phone in both shops.
    name: shop === "A" ? "#A-1111" : "#B-7777",
    email: shop === "A" ? "anna-only@example.com" : "berta-only@example.com",
    phone: PHONE,
    note_attributes: [{ name: OPT_IN_ATTRIBUTE, value: "1" }],
    customer: { ...customer, first_name: shop === "A" ? "Anna" : "Berta", last_name: shop === "A" ? "Annasurname" : "Bertasurname", email: shop === "A" ? "anna-only@example.com" : "berta-only@example.com", phone: PHONE },
  });
}

async function page(shop: string, file: string): Promise<string> {
  const token = signSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  const response = await callRoute(new Request(`${APP_URL}${PATH_OF[file]}?period=all`, { headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 Chrome/156.0" } }), { file: routeFile(file) });
  expect(response.status, `${shop} ${file}`).toBeLessThan(400);
  return await response.text();
}

beforeAll(async () => {
  for (const shop of [SHOP_A, SHOP_B]) await ensureDemoSession(sessionStorage, shop, process.env.SCOPES!);
  expect((await deliverShopifyWebhook({ topic: "orders/create", shop: SHOP_A, payload: order("A") })).status).toBe(200);
  expect((await deliverShopifyWebhook({ topic: "orders/create", shop: SHOP_B, payload: order("B") })).status).toBe(200);
});

describe("two shops, one shopper, one order id", () => {
  it("each shop has its own order, consent and messages", async () => {
    const orders = await db.order.findMany({ select: { shop: true, shopifyOrderId: true, name: true } });
    expect(orders).toHaveLength(2);
    expect(new Set(orders.map((o) => o.shopifyOrderId)).size).toBe(1);
    expect((await db.consent.findMany({ select: { shop: true } })).map((c) => c.shop).sort()).toEqual([SHOP_A, SHOP_B]);
    const messages = await db.message.groupBy({ by: ["shop"], _count: true });
    expect(messages.map((m) => m.shop).sort()).toEqual([SHOP_A, SHOP_B]);
  });

  it("no admin page of shop A shows anything of shop B, while B's own pages do", async () => {
    const leaks: string[] = [];
    let shownToB = 0;
    for (const file of PAGES) {
      const seenByA = await page(SHOP_A, file);
      for (const marker of B_MARKERS) if (seenByA.includes(marker)) leaks.push(`${file}: ${marker}`);
      const seenByB = await page(SHOP_B, file);
      if (B_MARKERS.some((marker) => seenByB.includes(marker))) shownToB += 1;
    }
    expect(leaks).toEqual([]);
    // The markers are real: B's own pages show them (otherwise the check above would prove nothing).
    expect(shownToB).toBeGreaterThanOrEqual(1);
  });

  it("a shopper's consent in shop B never lets shop A message them", async () => {
    // The shopper confirmed in shop B only; in shop A the request is still open. Both shops queue a marketing message.
    await db.consent.updateMany({ where: { shop: SHOP_B }, data: { state: "CONFIRMED" } });
    expect((await db.consent.findFirstOrThrow({ where: { shop: SHOP_A } })).state).toBe("REQUESTED");
    await db.message.deleteMany();
    const phone = "+4915112345678";
    const a = await createMessage(db, { shop: SHOP_A, to: phone, category: "MARKETING", sendAfter: new Date("2026-03-03T11:00:00Z") });
    const b = await createMessage(db, { shop: SHOP_B, to: phone, category: "MARKETING", sendAfter: new Date("2026-03-03T11:00:00Z") });
    const sender = createFakeSender();
    const clock = createVirtualClock(new Date("2026-03-03T12:00:00Z"));
    await dispatchDueMessages({ db, clock, sender, policy: defaultOutboxPolicy, workerId: "iso", bucket: createTokenBucket(defaultOutboxPolicy), random: () => 0.5 });
    expect(sender.calls.map((c) => c.bizOpaqueCallbackData)).toEqual([b.id]);
    expect((await db.message.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("SKIPPED");
    expect((await db.message.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("SENT");
  });
});
