// prisma/schema.prisma (SQLite) is the one source; prisma/postgres/schema.prisma is derived from it
// by swapping the datasource block. `npm run db:sync-postgres` writes it; a test checks it is current.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SQLITE_DATASOURCE = /datasource db \{[^}]*\}/;
const POSTGRES_DATASOURCE = `datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}`;

export const sqliteSchemaPath = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));
export const postgresSchemaPath = fileURLToPath(new URL("../prisma/postgres/schema.prisma", import.meta.url));

export function postgresSchemaFrom(sqliteSchema: string): string {
  if (!SQLITE_DATASOURCE.test(sqliteSchema)) throw new Error("prisma/schema.prisma has no datasource block");
  return (
    "// GENERATED from prisma/schema.prisma by `npm run db:sync-postgres`. Do not edit by hand.\n" +
    sqliteSchema.replace(SQLITE_DATASOURCE, POSTGRES_DATASOURCE)
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(postgresSchemaPath, postgresSchemaFrom(readFileSync(sqliteSchemaPath, "utf8")));
  console.log(`wrote ${postgresSchemaPath}`);
}
