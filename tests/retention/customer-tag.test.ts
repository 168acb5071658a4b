// The VIP tag through the ShopifySync outbox: tagsAdd with the customer's GID, done once; Shopify's refusals and a
// missing scope end the row with a readable reason, throttling retries.
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createAdminGraphql } from "~/.server/shopify-admin/client";
import { processShopifySyncs } from "~/.server/shopify-admin/consent-write-back";
import { CUSTOMER_TAG_KIND, customerTagDedupeKey } from "~/.server/shopify-admin/customer-tag";
import { db } from "~/shopify.server";
import { createShopifyAdminSimulator } from "../../simulator/shopify-admin";
import { installSession, resetDatabase, SHOP } from "../back-in-stock/helpers";
import { secretsKey } from "../helpers/session-key";

const T0 = new Date("2026-03-02T10:00:00.000Z");

beforeEach(async () => {
  await resetDatabase();
  await installSession(SHOP, "read_orders,read_customers,write_customers");
});

async function queue(payload: unknown, customerId = "42") {
  await db.shopifySync.create({ data: { shop: SHOP, kind: CUSTOMER_TAG_KIND, dedupeKey: customerTagDedupeKey(customerId, "whatsapp-vip"), payload: JSON.stringify(payload), nextAttemptAt: T0, createdAt: T0 } });
}

function run(admin = createShopifyAdminSimulator()) {
  return { admin, result: processShopifySyncs({ db, clock: createVirtualClock(T0), adminGraphql: createAdminGraphql({ fetch: admin.fetch }), secretsKey, batch: 10, random: () => 0.5 }) };
}

describe("customer tag sync", () => {
  it("adds the tag to the customer in Shopify", async () => {
    await queue({ customerId: "42", tags: ["whatsapp-vip"] });
    const { admin, result } = run();
    expect(await result).toMatchObject({ done: 1 });
    expect(admin.tagsOf(SHOP, "gid://shopify/Customer/42")).toEqual(["whatsapp-vip"]);
    expect(await db.shopifySync.findFirstOrThrow()).toMatchObject({ status: "DONE" });
  });

  it.each([
    ["a payload that is not a customer tag", { customerId: "x", tags: [] }, "FAILED", "the queued payload is not a customer tag"],
    ["Shopify's userErrors", { customerId: "42", tags: [" "] }, "FAILED", "Tags can't be blank"],
  ])("ends the row on %s", async (_name, payload, status, reason) => {
    await queue(payload);
    await run().result;
    expect(await db.shopifySync.findFirstOrThrow()).toMatchObject({ status, reason });
  });

  it("skips without the write_customers scope, and retries when throttled", async () => {
    await queue({ customerId: "42", tags: ["whatsapp-vip"] });
    const admin = createShopifyAdminSimulator();
    admin.failNext("throttled");
    await run(admin).result;
    expect(await db.shopifySync.findFirstOrThrow()).toMatchObject({ status: "PENDING", reason: expect.stringContaining("throttled") });

    await db.shopifySync.deleteMany();
    await installSession(SHOP, "read_orders,read_customers");
    await queue({ customerId: "42", tags: ["whatsapp-vip"] });
    await run().result;
    expect(await db.shopifySync.findFirstOrThrow()).toMatchObject({ status: "SKIPPED", reason: expect.stringContaining("write_customers") });
  });
});
