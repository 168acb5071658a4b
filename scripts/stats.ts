// npm run stats -- --shop <domain> --from YYYY-MM-DD --to YYYY-MM-DD [--db <url>]
// Prints the stats JSON (METRICS.md; the same object the replay prints) of one shop for P = [from, to), the shop's
// local days, read from DATABASE_URL (or --db). Reads only: it neither migrates nor writes.
import { existsSync } from "node:fs";
import path from "node:path";
import { createDb, isPostgresUrl } from "../app/.server/db";
import { periodError, statsForDates } from "../app/.server/exports/stats-period";
import { loadEnvDefaults } from "./lib/load-env";

const USAGE = "usage: npm run stats -- --shop <domain> --from YYYY-MM-DD --to YYYY-MM-DD [--db <url>]";

function fail(message: string, code = 2): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(code);
}

function options(argv: string[]): Record<string, string> {
  const known = new Set(["--shop", "--from", "--to", "--db"]);
  const found: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (!known.has(name)) fail(`unknown argument ${name}`);
    if (value === undefined || value.startsWith("--")) fail(`${name} needs a value`);
    found[name.slice(2)] = value;
  }
  return found;
}

const args = options(process.argv.slice(2));
if (!args.shop) fail("--shop is missing");
if (!args.from || !args.to) fail("--from and --to are both needed");
const problem = periodError(args.from, args.to);
if (problem) fail(problem);

loadEnvDefaults();
const url = args.db ?? process.env.DATABASE_URL!;
// Opening a SQLite file that is not there would create an empty one.
if (!isPostgresUrl(url) && !existsSync(path.resolve(url.replace(/^file:(\/\/)?/, "").replace(/\?.*$/, "")))) fail(`no database at ${url}`, 1);
const db = createDb(url);
try {
  const shop = await db.shop.findUnique({ where: { domain: args.shop }, select: { domain: true } });
  if (!shop) fail(`no shop ${args.shop} in this database`, 1);
  const stats = await statsForDates(db, args.shop, args.from, args.to);
  process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
} catch (error) {
  // Prisma's messages can quote query arguments: the name and code are enough to act on.
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  fail(`could not read the stats: ${name ?? "error"}${code ? ` ${code}` : ""} (is ${isPostgresUrl(url) ? "the database" : "the file"} migrated? npm run setup)`, 1);
} finally {
  await db.$disconnect();
}
