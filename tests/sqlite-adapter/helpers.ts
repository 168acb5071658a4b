// Shared by the tests of the node:sqlite driver adapter (app/.server/sqlite-adapter.ts).
import { copyFileSync, rmSync } from "node:fs";
import { PrismaClient } from "@prisma/client";
import { PrismaNodeSqlite, type NodeSqliteOptions } from "~/.server/sqlite-adapter";
import { isPostgresUrl } from "~/.server/db";

/** The tests are about SQLite: on the PostgreSQL run of the suite they are skipped. */
export const onPostgres = isPostgresUrl(process.env.DATABASE_URL ?? "");

export const fileOf = (url: string) => url.replace(/^file:/, "");

export function nodeSqliteClient(url: string, options: Omit<NodeSqliteOptions, "url"> = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaNodeSqlite({ url, ...options }) });
}

/** A copy of this test file's (still empty, migrated) database, removed with its WAL files by the returned function. */
export function copyOfDatabase(suffix: string): { url: string; remove: () => void } {
  const source = fileOf(process.env.DATABASE_URL!);
  const file = source.replace(/\.sqlite$/, `-${suffix}.sqlite`);
  copyFileSync(source, file);
  return { url: `file:${file}`, remove: () => ["", "-wal", "-shm", "-journal"].forEach((end) => rmSync(file + end, { force: true })) };
}

const at = (iso: string) => new Date(iso);

/**
 * Every model with every column filled, then with the nullable ones left empty; reads, updates, relations,
 * groupBy, aggregates, batches. Deterministic (fixed ids and times) so two runs can be compared.
 */
export async function workload(db: PrismaClient): Promise<unknown[]> {
  const out: unknown[] = [];
  const shop = "parity.myshopify.com";

  out.push(
    await db.session.create({
      data: {
        id: "offline_parity", shop, state: "s", isOnline: true, scope: "read_orders", expires: at("2026-01-02T03:04:05.678Z"),
        accessToken: "shpat_x", userId: 9_007_199_254_740_991n, firstName: "Ada", lastName: "L", email: "a@example.com",
        accountOwner: true, locale: "de", collaborator: false, emailVerified: true, refreshToken: "r", refreshTokenExpires: at("2026-02-01T00:00:00Z"),
      },
    }),
    await db.session.create({ data: { id: "minimal", shop, state: "s", accessToken: "t" } }),
    await db.session.update({ where: { id: "minimal" }, data: { userId: -5n, isOnline: true, expires: null } }),
    await db.session.findMany({ where: { shop }, orderBy: { id: "asc" } }),
  );

  out.push(
    await db.shop.create({ data: { domain: shop, installedAt: at("2025-12-31T23:59:59.999Z") } }),
    await db.shop.upsert({ where: { domain: shop }, create: { domain: shop }, update: { settings: '{"a":1}', uninstalledAt: at("2026-03-01T00:00:00Z") } }),
    await db.shop.findUnique({ where: { domain: shop } }),
  );

  for (let i = 0; i < 3; i += 1) {
    out.push(
      await db.webhookEvent.create({
        data: {
          shop, webhookId: `w${i}`, topic: i === 0 ? "orders/create" : "orders/updated", apiVersion: i === 2 ? null : "2026-07",
          triggeredAt: i === 1 ? null : at(`2026-01-0${i + 1}T10:00:00Z`), receivedAt: at(`2026-01-0${i + 1}T10:00:01Z`), payload: `{"i":${i}}`,
        },
      }),
    );
  }
  out.push(
    await db.webhookEvent.findMany({ where: { shop, topic: { startsWith: "orders/" } }, orderBy: { id: "desc" }, take: 2, skip: 1 }),
    await db.webhookEvent.groupBy({ by: ["topic"], where: { shop }, _count: { _all: true }, _max: { receivedAt: true }, orderBy: { topic: "asc" } }),
    await db.webhookEvent.aggregate({ where: { shop }, _min: { id: true, triggeredAt: true }, _avg: { id: true }, _sum: { id: true } }),
  );

  out.push(
    await db.customer.create({
      data: {
        id: "cust1", shop, key: "123", shopifyCustomerId: "123", phone: "+4915112345678", email: "c@example.com", firstName: "C",
        locale: "de", firstOrderAt: at("2026-01-01T00:00:00Z"), lastOrderAt: at("2026-01-05T00:00:00Z"), updatedAt: at("2026-01-05T00:00:00Z"),
      },
    }),
    await db.customer.createMany({
      data: [
        { id: "cust2", shop, key: "+4915100000002", updatedAt: at("2026-01-06T00:00:00Z") },
        { id: "cust3", shop, key: "x@example.com", email: "x@example.com", updatedAt: at("2026-01-07T00:00:00Z") },
      ],
    }),
  );

  out.push(
    await db.order.create({
      data: {
        id: "order1", shop, shopifyOrderId: "820982911946154508", name: "#1001", customerKey: "123", checkoutToken: "tok", phone: "+4915112345678",
        locale: "de", totalPrice: "19.99", currency: "EUR", test: true, cancelledAt: null, optInRequested: true, orderStatusUrl: "https://x",
        createdAt: at("2026-01-01T12:00:00Z"), sourceUpdatedAt: at("2026-01-01T12:00:01Z"),
      },
    }),
    await db.order.updateMany({ where: { shop, test: true }, data: { cancelledAt: at("2026-01-02T00:00:00Z") } }),
    await db.order.findFirst({ where: { shop, optInRequested: true, cancelledAt: { not: null } } }),
  );

  out.push(
    await db.checkout.create({
      data: {
        id: "co1", shop, token: "tok", cartToken: "cart", phone: "+4915112345678", email: "c@example.com", locale: "en", customerKey: "123",
        totalPrice: "5.00", currency: "EUR", abandonedCheckoutUrl: "https://y", completedAt: null, createdAt: at("2026-01-01T11:00:00Z"), sourceUpdatedAt: at("2026-01-01T11:00:00Z"),
      },
    }),
    await db.checkout.findMany({ where: { shop, createdAt: { gte: at("2026-01-01T00:00:00Z"), lt: at("2026-01-02T00:00:00Z") } } }),
  );

  out.push(
    await db.consent.create({
      data: {
        id: "consent1", shop, phone: "+4915112345678", waUserId: "US.1", state: "CONFIRMED", locale: "de", customerId: "123",
        confirmationRequestedAt: at("2026-01-01T00:00:00Z"), updatedAt: at("2026-01-01T00:00:00Z"),
        events: {
          create: [
            { shop, fromState: "NONE", toState: "REQUESTED", source: "checkout", evidence: '{"wording":"w"}', at: at("2026-01-01T00:00:00Z") },
            { shop, fromState: "REQUESTED", toState: "CONFIRMED", source: "whatsapp_button", at: at("2026-01-01T00:01:00Z") },
          ],
        },
      },
      include: { events: { orderBy: { id: "asc" } } },
    }),
    await db.consent.findUnique({ where: { shop_phone: { shop, phone: "+4915112345678" } }, include: { events: true } }),
    await db.consentEvent.findMany({ where: { consent: { state: "CONFIRMED" } }, select: { toState: true, consent: { select: { phone: true } } } }),
  );

  out.push(
    await db.message.create({
      data: {
        id: "msg1", shop, flow: "order_confirmation", dedupeKey: "order_confirmation:order1", to: "+4915112345678", waUserId: null, customerKey: "123",
        category: "UTILITY", template: "t", language: "de", components: "[]", orderId: "order1", checkoutToken: "tok", linkUrl: "https://z",
        clickedAt: null, status: "SENT", statusReason: "sent", errorCode: 131_050, sendAfter: at("2026-01-01T12:00:00Z"), plannedFor: at("2026-01-01T12:00:00Z"),
        attempts: 1, lastError: null, claimedBy: "w", claimedUntil: at("2026-01-01T12:01:00Z"), waMessageId: "wamid.1", createdAt: at("2026-01-01T12:00:00Z"),
        sentAt: at("2026-01-01T12:00:02Z"), deliveredAt: null, readAt: null, failedAt: null,
        events: { create: [{ status: "SENT", reason: "ok", errorCode: null, source: "worker", at: at("2026-01-01T12:00:02Z") }] },
      },
    }),
    await db.message.update({ where: { id: "msg1" }, data: { attempts: { increment: 2 }, status: "DELIVERED", deliveredAt: at("2026-01-01T12:00:05Z") } }),
    await db.message.findMany({ where: { status: { in: ["SENT", "DELIVERED"] } }, include: { events: true } }),
    await db.message.groupBy({ by: ["status", "category"], _count: { _all: true }, _sum: { attempts: true } }),
  );

  out.push(
    await db.shopifySync.create({
      data: { id: "sync1", shop, kind: "whatsapp_consent", dedupeKey: "whatsapp_consent:1", payload: "{}", nextAttemptAt: at("2026-01-01T00:00:00Z"), createdAt: at("2026-01-01T00:00:00Z") },
    }),
    await db.shopifySync.update({ where: { id: "sync1" }, data: { status: "DONE", doneAt: at("2026-01-01T00:00:01Z"), attempts: { increment: 1 } } }),
    await db.dataExport.create({ data: { id: "export1", shop, requestId: null, customerKey: "123", createdAt: at("2026-01-01T00:00:00Z"), content: '{"consents":[]}' } }),
    await db.dataExport.findMany({ where: { shop, requestId: null } }),
  );

  out.push(
    await db.$transaction(async (tx) => {
      const before = await tx.consent.count({ where: { shop } });
      await tx.consent.update({ where: { id: "consent1" }, data: { state: "REVOKED", updatedAt: at("2026-02-01T00:00:00Z") } });
      return [before, await tx.consentEvent.count({ where: { consentId: "consent1" } })];
    }),
    await db.$transaction([db.customer.count({ where: { shop } }), db.customer.deleteMany({ where: { id: "cust3" } })]),
    await db.consent.delete({ where: { id: "consent1" } }),
    await db.consentEvent.count(), // cascaded
    await db.$queryRaw`SELECT count(*) AS n, max("receivedAt") AS latest, ${5} AS five, ${2.5} AS half, ${true} AS yes, ${"x"} AS text FROM "WebhookEvent"`,
    await db.$executeRaw`UPDATE "WebhookEvent" SET note = ${"raw"} WHERE shop = ${shop}`,
  );

  for (const create of [
    () => db.shop.create({ data: { domain: shop } }),
    () => db.webhookEvent.create({ data: { shop, webhookId: "w0", topic: "t", receivedAt: at("2026-01-01T00:00:00Z"), payload: "{}" } }),
    () => db.consentEvent.create({ data: { consentId: "missing", shop, fromState: "A", toState: "B", source: "test", at: at("2026-01-01T00:00:00Z") } }),
  ]) {
    out.push(await create().then(() => "no error", describeError));
  }
  return out;
}

/** What a Prisma error tells the app: its code, model, and the driver error's kind and constraint. */
export function describeError(error: unknown) {
  const e = error as { code?: string; meta?: { modelName?: string; driverAdapterError?: { cause?: { kind?: string; constraint?: unknown } } } };
  const cause = e.meta?.driverAdapterError?.cause;
  return { code: e.code, modelName: e.meta?.modelName, kind: cause?.kind, constraint: cause?.constraint };
}
