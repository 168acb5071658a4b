// The reason for the adapter (decision 005): two processes, like the web process and the worker, each run 200
// interactive transactions (read, then two inserts) against one SQLite file at the same time. None may fail,
// and every committed row must be in the file. (Through @prisma/adapter-libsql almost all of them failed.)
import { describe, expect, it } from "vitest";
import { probe } from "../../scripts/probe-sqlite-writers";
import { onPostgres } from "./helpers";

describe.skipIf(onPostgres)("two processes writing one SQLite file", () => {
  // "app" is createDb, i.e. what the web process and the worker use.
  for (const driver of ["node-sqlite", "app"] as const) {
    it(`through ${driver === "app" ? "createDb" : "the node:sqlite adapter"}: 2 × 200 transactions, none failed, all rows there`, { timeout: 120_000 }, async () => {
      const report = await probe({ n: 200, processes: 2, driver, url: process.env.DATABASE_URL!, shopPrefix: driver });
      console.log(`[probe] ${driver}: ${report.processes.map((p) => `${p.succeeded} ok/${p.failed} failed in ${p.ms} ms`).join(", ")}`);
      expect(report.processes.map((p) => ({ succeeded: p.succeeded, failed: p.failed, errors: p.errors }))).toEqual([
        { succeeded: 200, failed: 0, errors: {} },
        { succeeded: 200, failed: 0, errors: {} },
      ]);
      expect(report.rows).toEqual([
        [200, 200],
        [200, 200],
      ]);
      expect(report.missingRows).toBe(0);
      expect(report.ok).toBe(true);
    });
  }
});
