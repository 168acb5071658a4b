// A fresh, migrated database per test file: a copy of a template SQLite file, or a PostgreSQL database
// created from a migrated template database. Which one is chosen by MOMENTO_TEST_POSTGRES_URL.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateDatabase as migrate, repoRoot as root } from "../../scripts/lib/migrate";

export const testDataDir = path.join(root, ".data", "test");
const sqliteTemplate = path.join(testDataDir, "template.sqlite");
const PG_TEMPLATE = "momento_test_template";

export function postgresBaseUrl(): string | undefined {
  return process.env.MOMENTO_TEST_POSTGRES_URL || undefined;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresBaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function buildTemplate(): Promise<void> {
  mkdirSync(testDataDir, { recursive: true });
  const pgUrl = postgresBaseUrl();
  if (pgUrl) {
    await adminQuery(`DROP DATABASE IF EXISTS ${PG_TEMPLATE} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${PG_TEMPLATE}`);
    migrate(withDatabase(pgUrl, PG_TEMPLATE));
    return;
  }
  rmSync(sqliteTemplate, { force: true });
  migrate(`file:${sqliteTemplate}`);
}

/** Creates a fresh database for one test file and returns its URL. */
export async function freshDatabaseUrl(): Promise<string> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const pgUrl = postgresBaseUrl();
  if (pgUrl) {
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE}`);
    return withDatabase(pgUrl, name);
  }
  const file = path.join(testDataDir, `${name}.sqlite`);
  copyFileSync(sqliteTemplate, file);
  return `file:${file}`;
}

export async function dropDatabase(url: string): Promise<void> {
  if (url.startsWith("file:")) {
    rmSync(url.slice("file:".length), { force: true });
    return;
  }
  await adminQuery(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}
