import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** Runs `prisma migrate deploy` on the pinned Node against `url` (SQLite file or PostgreSQL). */
export function migrateDatabase(url: string): void {
  execFileSync(process.execPath, [require.resolve("prisma/build/index.js"), "migrate", "deploy"], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1" },
    stdio: "pipe",
  });
}
