// The webhook inbox (decision 012): a delivery is stored in one insert and answered; its projection runs afterwards
// in the web process or, for whatever that left (a crash between the two), in the worker — exactly once either way.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock } from "~/.server/clock";
import { createDb, isPostgresClient } from "~/.server/db";
import { acceptShopifyEvent, createGroupedAccept, MAX_PROJECTION_ATTEMPTS, projectPendingShopifyEvents } from "~/.server/ingest/inbox";
import type { ShopifyEvent } from "~/.server/ingest/receive-shopify-event";
import { callRoute } from "../../simulator/in-process-app";
import { shopifyWebhookRequest } from "../../simulator/shopify-webhooks";
import { germanOrder, nextWebhookId, TEST_SHOP } from "../helpers/shopify";

const db = createDb(process.env.DATABASE_URL!);
const worker = createDb(process.env.DATABASE_URL!); // a second process's connection
afterAll(async () => {
  await db.$disconnect();
  await worker.$disconnect();
});

const T0 = new Date("2026-03-02T09:00:00Z");
const clock = createVirtualClock(T0);
const deps = { db, clock };

beforeEach(async () => {
  for (const table of ["messageEvent", "message", "webhookEvent", "order", "customer", "shop"] as const) {
    await (db[table] as { deleteMany(): Promise<unknown> }).deleteMany();
  }
});

const orderEvent = (webhookId = nextWebhookId()): ShopifyEvent => ({ shop: TEST_SHOP, topic: "orders/create", webhookId, apiVersion: "2026-07", triggeredAt: null, payload: germanOrder() });

async function counts() {
  return { pending: await db.webhookEvent.count({ where: { processedAt: null } }), events: await db.webhookEvent.count(), orders: await db.order.count(), messages: await db.message.count() };
}

describe("accepting", () => {
  it("stores the event unprojected, and a second copy of the delivery is a duplicate", async () => {
    const event = orderEvent();
    expect(await acceptShopifyEvent(deps, event)).toBe("accepted");
    expect(await acceptShopifyEvent(deps, event)).toBe("duplicate");
    expect(await counts()).toEqual({ pending: 1, events: 1, orders: 0, messages: 0 });
    expect(await db.webhookEvent.findFirstOrThrow()).toMatchObject({ topic: "orders/create", receivedAt: T0, processedAt: null, attempts: 0, note: null });
  });

  it("deliveries verified at the same moment share one statement (at most 100 each); duplicates among them are ignored", async () => {
    let statements = 0;
    const accept = createGroupedAccept(() => (statements++, deps));
    const events = Array.from({ length: 30 }, () => orderEvent());
    await Promise.all([...events, ...events.slice(0, 5)].map(accept));
    expect(statements).toBe(1);
    expect(await db.webhookEvent.count()).toBe(30);
    await Promise.all(Array.from({ length: 250 }, () => accept(orderEvent())));
    expect(statements).toBe(4);
    expect(await db.webhookEvent.count()).toBe(280);
    // Later deliveries: a statement of their own.
    await accept(orderEvent());
    expect(statements).toBe(5);
  });

  it("a statement the database refuses refuses every delivery in it, and stores none of them", async () => {
    const accept = createGroupedAccept(() => deps);
    const broken = { ...orderEvent(), topic: null as unknown as string }; // WebhookEvent.topic is NOT NULL
    const outcomes = await Promise.allSettled([accept(orderEvent()), accept(broken), accept(orderEvent())]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await db.webhookEvent.count()).toBe(0);
    await accept(orderEvent());
    expect(await db.webhookEvent.count()).toBe(1);
  });

  it("the route answers 200 once stored; the web process projects the event after its answer", async () => {
    const request = shopifyWebhookRequest(process.env.SHOPIFY_APP_URL!, process.env.SHOPIFY_API_SECRET!, { topic: "orders/create", shop: TEST_SHOP, webhookId: nextWebhookId(), payload: germanOrder() });
    const response = await callRoute(request, { settle: false });
    expect(response.status).toBe(200);
    expect(await db.webhookEvent.count()).toBe(1);
    const { settleShopifyInbox } = await import("~/webhooks.server");
    await settleShopifyInbox();
    expect(await counts()).toEqual({ pending: 0, events: 1, orders: 1, messages: 1 });
  });
});

describe("projecting what was accepted", () => {
  it("a crash between accepting and projecting loses nothing: the worker projects the stored event once", async () => {
    await acceptShopifyEvent(deps, orderEvent()); // the web process died right after its insert
    clock.advance(60_000);
    expect(await projectPendingShopifyEvents({ db: worker, clock }, { receivedBefore: new Date(clock.now().getTime() - 5_000) })).toEqual({ projected: 1, failed: 0, contended: false });
    expect(await counts()).toEqual({ pending: 0, events: 1, orders: 1, messages: 1 });
    // Planned as of the delivery, not of the late projection.
    expect((await db.message.findFirstOrThrow()).createdAt).toEqual(T0);
    expect(await projectPendingShopifyEvents({ db: worker, clock })).toEqual({ projected: 0, failed: 0, contended: false });
    expect(await counts()).toEqual({ pending: 0, events: 1, orders: 1, messages: 1 });
  });

  it("leaves events younger than the worker's grace period to the web process", async () => {
    await acceptShopifyEvent(deps, orderEvent());
    expect(await projectPendingShopifyEvents({ db: worker, clock }, { receivedBefore: new Date(clock.now().getTime() - 5_000) })).toMatchObject({ projected: 0 });
    expect(await counts()).toMatchObject({ pending: 1, orders: 0 });
  });

  it("the web process and the worker draining at once project every event exactly once", async () => {
    for (let i = 0; i < 12; i++) await acceptShopifyEvent(deps, { ...orderEvent(), payload: germanOrder({ admin_graphql_api_id: `gid://shopify/Order/${700 + i}`, name: `#${700 + i}` }) });
    const [web, other] = await Promise.all([projectPendingShopifyEvents(deps), projectPendingShopifyEvents({ db: worker, clock })]);
    expect(web.failed + other.failed).toBe(0);
    expect(web.projected + other.projected).toBe(12);
    expect(await counts()).toEqual({ pending: 0, events: 12, orders: 12, messages: 12 });
  });
});

describe("an event that cannot be projected", () => {
  // A real database failure inside the projection: a trigger refusing every new order.
  async function refuseOrders(): Promise<() => Promise<void>> {
    if (isPostgresClient(db)) {
      await db.$executeRawUnsafe(`CREATE FUNCTION momento_refuse_order() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'orders refused by the test'; END $$ LANGUAGE plpgsql`);
      await db.$executeRawUnsafe(`CREATE TRIGGER momento_refuse_order BEFORE INSERT ON "Order" FOR EACH ROW EXECUTE FUNCTION momento_refuse_order()`);
      return async () => {
        await db.$executeRawUnsafe(`DROP TRIGGER momento_refuse_order ON "Order"`);
        await db.$executeRawUnsafe(`DROP FUNCTION momento_refuse_order()`);
      };
    }
    await db.$executeRawUnsafe(`CREATE TRIGGER momento_refuse_order BEFORE INSERT ON "Order" BEGIN SELECT RAISE(ABORT, 'orders refused by the test'); END`);
    return async () => void (await db.$executeRawUnsafe(`DROP TRIGGER momento_refuse_order`));
  }

  it("is tried a few times, each failure noted, then given up with its reason — no retry storm, nothing half-written", async () => {
    await acceptShopifyEvent(deps, orderEvent());
    const allowOrders = await refuseOrders();
    try {
      expect(await projectPendingShopifyEvents(deps)).toEqual({ projected: 0, failed: 1, contended: false });
      expect(await db.webhookEvent.findFirstOrThrow()).toMatchObject({ processedAt: null, attempts: 1, note: expect.stringMatching(/^projection failed \(try 1 of 5\): /) });
      expect(await counts()).toMatchObject({ orders: 0, messages: 0 });
      for (let i = 2; i <= MAX_PROJECTION_ATTEMPTS; i++) await projectPendingShopifyEvents(deps);
      const given = await db.webhookEvent.findFirstOrThrow();
      expect(given).toMatchObject({ attempts: MAX_PROJECTION_ATTEMPTS, note: expect.stringMatching(/^skipped: projection failed 5 times \(/), processedAt: clock.now() });
      expect(await projectPendingShopifyEvents(deps)).toEqual({ projected: 0, failed: 0, contended: false });
    } finally {
      await allowOrders();
    }
    expect(await counts()).toEqual({ pending: 0, events: 1, orders: 0, messages: 0 });
  });

  it("projects on a later try once the cause is gone, and clears the note", async () => {
    await acceptShopifyEvent(deps, orderEvent());
    const allowOrders = await refuseOrders();
    await projectPendingShopifyEvents(deps).finally(allowOrders);
    expect(await projectPendingShopifyEvents(deps)).toEqual({ projected: 1, failed: 0, contended: false });
    expect(await db.webhookEvent.findFirstOrThrow()).toMatchObject({ attempts: 1, note: null, processedAt: clock.now() });
    expect(await counts()).toEqual({ pending: 0, events: 1, orders: 1, messages: 1 });
  });
});
