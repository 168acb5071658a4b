// The database going away for a moment (PostgreSQL refusing connections, every open one terminated): webhooks are
// answered with an error — a 500 from Remix, so Shopify and Meta deliver them again — nothing is half-written, and
// the redelivery after the database is back is processed exactly once.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgresClient } from "~/.server/db";
import { db } from "~/shopify.server";
import { callRoute } from "../../simulator/in-process-app";
import { shopifyWebhookRequest } from "../../simulator/shopify-webhooks";
import { postWhatsAppWebhook, textWebhook } from "../consent/helpers";
import { germanOrder, TEST_SHOP } from "../helpers/shopify";

const onPostgres = isPostgresClient(db);
const database = () => new URL(process.env.DATABASE_URL!).pathname.slice(1);
let admin: pg.Client | undefined;

beforeAll(async () => {
  if (!onPostgres) return;
  admin = new pg.Client({ connectionString: process.env.MOMENTO_TEST_POSTGRES_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin?.query(`ALTER DATABASE ${database()} WITH ALLOW_CONNECTIONS true`);
  await admin?.end();
});

async function takeDatabaseAway(): Promise<void> {
  await admin!.query(`ALTER DATABASE ${database()} WITH ALLOW_CONNECTIONS false`);
  await admin!.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database()]);
}

async function bringDatabaseBack(): Promise<void> {
  await admin!.query(`ALTER DATABASE ${database()} WITH ALLOW_CONNECTIONS true`);
}

/** What Remix answers: the route's Response, or 500 for anything it throws. */
async function statusOf(request: Request): Promise<number> {
  return callRoute(request).then((r) => r.status, () => 500);
}

const orderRequest = () =>
  shopifyWebhookRequest(process.env.SHOPIFY_APP_URL!, process.env.SHOPIFY_API_SECRET!, {
    topic: "orders/create", shop: TEST_SHOP, webhookId: "db-away-1", payload: germanOrder({ note_attributes: [{ name: "_momento_whatsapp_opt_in", value: "1" }] }),
  });

// SQLite cannot be taken away from a connection that has the file open; a held write lock only makes the webhook
// wait (the busy retries), which tests/sqlite-adapter covers.
describe.skipIf(!onPostgres)("the database briefly unavailable (PostgreSQL)", () => {
  it("a Shopify webhook gets a 5xx and leaves nothing; its redelivery is processed once", async () => {
    await db.$queryRaw`SELECT 1`;
    await takeDatabaseAway();
    try {
      expect(await statusOf(orderRequest())).toBeGreaterThanOrEqual(500);
    } finally {
      await bringDatabaseBack();
    }
    expect(await db.webhookEvent.count()).toBe(0);
    expect(await db.order.count()).toBe(0);
    expect(await db.message.count()).toBe(0);

    expect(await statusOf(orderRequest())).toBe(200);
    const planned = await db.message.count();
    expect(planned).toBeGreaterThan(0);
    expect(await statusOf(orderRequest())).toBe(200); // Shopify's second copy: a duplicate, nothing new
    expect(await db.webhookEvent.count()).toBe(1);
    expect(await db.order.count()).toBe(1);
    expect(await db.message.count()).toBe(planned);
  });

  it("a WhatsApp webhook gets a 5xx while it is away, and is applied once when Meta redelivers", async () => {
    const { body } = textWebhook("+4915112345678", "STOP", new Date());
    await db.$queryRaw`SELECT 1`;
    const eventsBefore = await db.consentEvent.count();
    await takeDatabaseAway();
    try {
      expect(await postWhatsAppWebhook(body).then((r) => r.status, () => 500)).toBeGreaterThanOrEqual(500);
    } finally {
      await bringDatabaseBack();
    }
    expect(await db.consentEvent.count()).toBe(eventsBefore);
    expect((await postWhatsAppWebhook(body)).status).toBe(200);
    const applied = await db.consentEvent.count();
    expect(applied).toBeGreaterThan(eventsBefore);
    expect((await postWhatsAppWebhook(body)).status).toBe(200); // Meta's second copy changes nothing
    expect(await db.consentEvent.count()).toBe(applied);
    expect(await db.consent.findMany({ where: { phone: "+4915112345678" }, select: { state: true } })).toEqual([{ state: "REVOKED" }]);
  });
});
