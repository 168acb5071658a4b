import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createDb, isUniqueViolation } from "~/.server/db";
import { postgresSchemaFrom, postgresSchemaPath, sqliteSchemaPath } from "../scripts/postgres-schema";

describe("database schema", () => {
  it("keeps the PostgreSQL schema generated from the SQLite one (npm run db:sync-postgres)", () => {
    expect(readFileSync(postgresSchemaPath, "utf8")).toBe(postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8")));
  });

  it("migrates a fresh database that enforces the outbox's unique dedupe key, reported as a unique violation", async () => {
    const db = createDb(process.env.DATABASE_URL!);
    const row = {
      shop: "a.myshopify.com", flow: "order_confirmation", dedupeKey: "order_confirmation:1", category: "UTILITY",
      template: "momento_order_confirmation", language: "de", components: "[]", status: "SCHEDULED",
      sendAfter: new Date(), plannedFor: new Date(), createdAt: new Date(),
    };
    await db.message.create({ data: row });
    const duplicate: unknown = await db.message.create({ data: row }).then(() => null, (error: unknown) => error);
    expect(duplicate).toMatchObject({ code: "P2002" });
    expect(isUniqueViolation(duplicate)).toBe(true);
    const inTransaction: unknown = await db.$transaction((tx) => tx.message.create({ data: row })).then(() => null, (error: unknown) => error);
    expect(isUniqueViolation(inTransaction)).toBe(true);
    expect(isUniqueViolation(new Error("no code"))).toBe(false);
    expect(await db.message.count()).toBe(1);
    await db.$disconnect();
  });
});
