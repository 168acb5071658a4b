// `npm test`: lint, typecheck, `shopify app build` (validates the TOMLs offline), the suite on SQLite,
// and the suite again on PostgreSQL when MOMENTO_TEST_POSTGRES_URL is set. Ends with `N passed, N failed`.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const reports = path.join(root, ".data", "reports");
mkdirSync(reports, { recursive: true });

let passed = 0;
let failed = 0;
/** What failed, repeated just above the last line: CI keeps only the tail of the log. */
const failures: string[] = [];

function run(label: string, cmd: string, args: string[], env: Record<string, string> = {}): boolean {
  console.log(`\n=== ${label}: ${cmd} ${args.join(" ")}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } as NodeJS.ProcessEnv });
  const ok = result.status === 0;
  console.log(`=== ${label}: ${ok ? "ok" : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

function gate(label: string, cmd: string, args: string[], env: Record<string, string> = {}): void {
  if (run(label, cmd, args, env)) passed += 1;
  else {
    failed += 1;
    failures.push(label);
  }
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0].slice(0, 300);
}

function suite(label: string, env: Record<string, string>): void {
  const report = path.join(reports, `vitest-${label}.json`);
  rmSync(report, { force: true });
  const ok = run(`suite (${label})`, "vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], env);
  try {
    const json = JSON.parse(readFileSync(report, "utf8")) as VitestReport;
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    // A test file that fails to load has no failed tests but must still fail the run.
    const brokenFiles = json.testResults.filter((f) => f.status === "failed");
    if (!ok && json.numFailedTests === 0) failed += Math.max(1, brokenFiles.length);
    for (const file of brokenFiles) {
      const where = path.relative(root, file.name);
      const tests = file.assertionResults.filter((t) => t.status === "failed");
      if (tests.length === 0) failures.push(`${label}: ${where}: ${firstLine(file.message)}`);
      for (const t of tests) failures.push(`${label}: ${where} > ${t.fullName}: ${firstLine(t.failureMessages[0])}`);
    }
  } catch {
    console.log(`=== suite (${label}): no report written`);
    failed += 1;
    failures.push(`${label}: no report written`);
  }
}

const sqliteEnv = { DATABASE_URL: "file:./prisma/dev.sqlite", MOMENTO_TEST_POSTGRES_URL: "" };
gate("lint", "eslint", ["."]);
gate("typecheck", "tsc", ["--noEmit"]);
gate("typecheck (checkout extension)", "tsc", ["--noEmit", "-p", "extensions/whatsapp-opt-in/tsconfig.json"]);
gate("shopify app build", "shopify", ["app", "build", "--path", "."], { SHOPIFY_CLI_NO_ANALYTICS: "1" });

run("prisma generate (SQLite)", "prisma", ["generate"], sqliteEnv);
suite("sqlite", sqliteEnv);

const pgUrl = process.env.MOMENTO_TEST_POSTGRES_URL;
if (pgUrl) {
  const pgEnv = { DATABASE_URL: pgUrl, MOMENTO_TEST_POSTGRES_URL: pgUrl };
  run("prisma generate (PostgreSQL)", "prisma", ["generate"], pgEnv);
  suite("postgres", pgEnv);
  run("prisma generate (back to SQLite)", "prisma", ["generate"], sqliteEnv);
} else {
  console.log("\n=== suite (postgres): SKIPPED — MOMENTO_TEST_POSTGRES_URL is not set (see README, 'Tests on PostgreSQL')");
}

if (failures.length > 0) console.log(`\n=== failed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
