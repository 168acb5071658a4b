import { buildTemplate, postgresBaseUrl } from "./test-db";

export default async function globalSetup() {
  await buildTemplate();
  console.log(`[tests] database: ${postgresBaseUrl() ? "PostgreSQL" : "SQLite"} (fresh copy per test file)`);
}
