// The set-based fan-out writes exactly what the pure planner plans: recipients, keys, languages (the locale rules of
// templateLanguage, spelled in SQL), content with the message id in the URL button, spacing across batches, and one
// "planned" event per message. Also: a repeat plans nothing, and only CONFIRMED waiting signups count.
import { beforeEach, describe, expect, it } from "vitest";
import { planBackInStockBatch } from "~/.server/automations/back-in-stock";
import { runBackInStockFanOut } from "~/.server/back-in-stock/fan-out";
import { createVirtualClock } from "~/.server/clock";
import { defaultOutboxPolicy, fanOutSpacingMs } from "~/.server/outbox/policy";
import { db } from "~/shopify.server";
import { resetDatabase, setShopSettings, SHOP } from "./helpers";
import { secretsKey } from "../helpers/session-key";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const ITEM = "5550001";
const VARIANT = "777";
const LOCALES = ["de", "en-GB", null, "fr", "deu", "DE-at", "en_US", "es"];

beforeEach(async () => {
  await resetDatabase();
  await setShopSettings({ flows: { back_in_stock: { enabled: true } } });
  await db.shop.update({ where: { domain: SHOP }, data: { locale: "en" } });
  await db.inventoryItemVariant.create({ data: { shop: SHOP, inventoryItemId: ITEM, variantId: VARIANT, productTitle: "Mütze \"Berg\"", variantTitle: "Rot", productUrl: "https://shop.example/products/muetze", fetchedAt: T0 } });
});

async function seed(count: number, state: (i: number) => string, status: (i: number) => string = () => "WAITING") {
  for (let i = 0; i < count; i++) {
    const phone = `+49151000${String(i).padStart(5, "0")}`;
    await db.consent.create({ data: { shop: SHOP, phone, state: state(i), updatedAt: T0 } });
    await db.backInStockSubscription.create({ data: { id: `sub${String(i).padStart(4, "0")}`, shop: SHOP, variantId: VARIANT, phone, locale: LOCALES[i % LOCALES.length], status: status(i), createdAt: T0 } });
  }
}

describe("set-based fan-out", () => {
  it("matches planBackInStockBatch row for row, across batches", async () => {
    await seed(23, (i) => (i % 5 === 4 ? "REQUESTED" : "CONFIRMED"), (i) => (i === 7 ? "NOTIFIED" : "WAITING"));
    const restock = await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: T0 } });
    const clock = createVirtualClock(new Date(T0.getTime() + 1000));
    const counts = await runBackInStockFanOut({ db, clock, adminGraphql: null, secretsKey, policy: defaultOutboxPolicy }, { batchSize: 5, maxBatches: Infinity });

    const subscribers = await db.backInStockSubscription.findMany({ where: { status: "WAITING" }, orderBy: { id: "asc" } });
    const confirmed = new Set((await db.consent.findMany({ where: { state: "CONFIRMED" } })).map((c) => c.phone));
    const expected = planBackInStockBatch(
      restock,
      { productTitle: "Mütze \"Berg\"", variantTitle: "Rot", productUrl: `https://shop.example/products/muetze?variant=${VARIANT}` },
      subscribers.filter((s) => confirmed.has(s.phone)).map((s) => ({ subscriptionId: s.id, phone: s.phone, locale: s.locale })),
      { locale: "en" },
      0,
      fanOutSpacingMs(defaultOutboxPolicy),
      T0,
    );
    expect(counts.planned).toBe(expected.length);
    expect(expected.length).toBe(18);
    const rows = await db.message.findMany({ where: { flow: "back_in_stock" }, orderBy: { dedupeKey: "asc" }, include: { events: true } });
    expect(rows.map((m) => ({ dedupeKey: m.dedupeKey, to: m.to, customerKey: m.customerKey, language: m.language, template: m.template, category: m.category, sendAfter: m.sendAfter, plannedFor: m.plannedFor, linkUrl: m.linkUrl, status: m.status, components: JSON.parse(m.components) }))).toEqual(
      expected.map((p, index) => ({
        dedupeKey: p.dedupeKey, to: p.to, customerKey: p.customerKey, language: p.language, template: p.template, category: p.category, sendAfter: p.sendAfter, plannedFor: p.sendAfter, linkUrl: p.linkUrl, status: "SCHEDULED",
        components: [...p.components, { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: rows[index].id }] }],
      })),
    );
    expect(rows.map((m) => m.language)).toContain("de");
    expect(new Set(rows.map((m) => m.id)).size).toBe(rows.length);
    expect(rows.every((m) => /^[0-9a-f]{32}$/.test(m.id))).toBe(true);
    expect(rows.every((m) => m.events.length === 1 && m.events[0].status === "SCHEDULED" && m.events[0].source === "planner" && m.events[0].reason?.startsWith("planned for 2026-03-02T10:00:00"))).toBe(true);
    expect(await db.restock.findFirstOrThrow()).toMatchObject({ planned: 18, note: "planned 18 alert(s)" });

    // The worker's next round: nothing more.
    expect((await runBackInStockFanOut({ db, clock, adminGraphql: null, secretsKey, policy: defaultOutboxPolicy }, { batchSize: 5, maxBatches: Infinity })).planned).toBe(0);
    expect(await db.message.count()).toBe(18);
  });

  it("stops after maxBatches and goes on from the cursor in the next round", async () => {
    await seed(12, () => "CONFIRMED");
    await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: T0 } });
    const deps = { db, clock: createVirtualClock(T0), adminGraphql: null, secretsKey, policy: defaultOutboxPolicy };
    expect((await runBackInStockFanOut(deps, { batchSize: 5, maxBatches: 1 })).planned).toBe(5);
    expect(await db.restock.findFirstOrThrow()).toMatchObject({ planned: 5, cursor: "sub0004", doneAt: null });
    expect((await runBackInStockFanOut(deps, { batchSize: 5, maxBatches: 5 })).planned).toBe(7);
    const times = (await db.message.findMany({ orderBy: { sendAfter: "asc" } })).map((m) => m.sendAfter.getTime() - T0.getTime());
    expect(times).toEqual(Array.from({ length: 12 }, (_, i) => i * 25));
  });

  it("uses the merchant's mapped template where it is approved in the message's language", async () => {
    const components = JSON.stringify([{ type: "BODY", text: "{{1}} ist da" }, { type: "BUTTONS", buttons: [{ type: "URL", text: "Ansehen", url: "https://x/r/{{1}}" }] }]);
    const template = (name: string, language: string) => ({ shop: SHOP, name, language, category: "MARKETING", status: "APPROVED", components, updatedAt: T0 });
    await db.whatsAppTemplate.createMany({ data: [template("momento_back_in_stock", "de"), template("momento_back_in_stock", "en"), template("my_restock", "de")] });
    await setShopSettings({ flows: { back_in_stock: { enabled: true, template: "my_restock" } } });
    await seed(4, () => "CONFIRMED");
    await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: T0 } });
    await runBackInStockFanOut({ db, clock: createVirtualClock(T0), adminGraphql: null, secretsKey, policy: defaultOutboxPolicy });
    const rows = await db.message.findMany({ orderBy: { dedupeKey: "asc" } });
    expect(rows.map((m) => [m.language, m.template])).toEqual([["de", "my_restock"], ["en", "momento_back_in_stock"], ["en", "momento_back_in_stock"], ["en", "momento_back_in_stock"]]);
  });
});

describe("fan-out with the image-header template mapped", () => {
  it("puts the variant's image in the header; without an image the header-less template goes out", async () => {
    const { suggestedTemplates, TEMPLATE_NAMES } = await import("~/.server/templates/catalogue");
    const { upsertTemplate } = await import("~/.server/templates/whatsapp-templates");
    await db.whatsAppTemplate.deleteMany();
    for (const t of suggestedTemplates("https://app.example").filter((t) => t.name.startsWith("momento_back_in_stock"))) {
      await upsertTemplate(db, SHOP, { name: t.name, language: t.language, category: t.category, status: "APPROVED", components: t.components, rejectedReason: null, metaId: null }, T0);
    }
    await setShopSettings({ flows: { back_in_stock: { enabled: true, template: TEMPLATE_NAMES.backInStockImage } } });
    await seed(2, () => "CONFIRMED");
    const image = "https://cdn.shopify.com/s/files/1/products/muetze-rot.png";
    const deps = { db, clock: createVirtualClock(T0), adminGraphql: null, secretsKey, policy: defaultOutboxPolicy };

    await db.inventoryItemVariant.update({ where: { shop_inventoryItemId: { shop: SHOP, inventoryItemId: ITEM } }, data: { imageUrl: image } });
    await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: T0 } });
    await runBackInStockFanOut(deps, { maxBatches: Infinity });
    const withImage = await db.message.findMany({ orderBy: { dedupeKey: "asc" } });
    expect(withImage.map((m) => [m.template, JSON.parse(m.components)[0]])).toEqual(
      withImage.map(() => [TEMPLATE_NAMES.backInStockImage, { type: "header", parameters: [{ type: "image", image: { link: image } }] }]),
    );

    await db.messageEvent.deleteMany();
    await db.message.deleteMany();
    await db.backInStockSubscription.updateMany({ data: { status: "WAITING" } });
    await db.inventoryItemVariant.update({ where: { shop_inventoryItemId: { shop: SHOP, inventoryItemId: ITEM } }, data: { imageUrl: null } });
    await db.restock.create({ data: { shop: SHOP, variantId: VARIANT, inventoryItemId: ITEM, detectedAt: new Date(T0.getTime() + 60_000) } });
    await runBackInStockFanOut(deps, { maxBatches: Infinity });
    const without = await db.message.findMany();
    expect(without.length).toBe(2);
    expect(without.map((m) => [m.template, JSON.parse(m.components).some((c: { type: string }) => c.type === "header")])).toEqual([[TEMPLATE_NAMES.backInStock, false], [TEMPLATE_NAMES.backInStock, false]]);
  });
});
