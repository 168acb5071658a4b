// npm run replay -- <file.jsonl> [--messages FILE]
// Runs a store's life through the real app in virtual time and prints the stats JSON (METRICS.md).
// Writes into DATABASE_URL when it is set in the environment, else into a fresh file under .data/replay/.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { loadEnvDefaults } from "./lib/load-env";
import { migrateDatabase, repoRoot } from "./lib/migrate";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run replay -- <file.jsonl> [--messages FILE]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const messagesIndex = args.indexOf("--messages");
const messagesFile = messagesIndex >= 0 ? args[messagesIndex + 1] : undefined;
if (messagesIndex >= 0 && !messagesFile) usage("--messages needs a file name");
const file = args.find((a, i) => !a.startsWith("--") && (messagesIndex < 0 || i !== messagesIndex + 1));
if (!file) usage("no replay file given");

if (!process.env.DATABASE_URL) {
  const dir = path.join(repoRoot, ".data", "replay");
  mkdirSync(dir, { recursive: true });
  process.env.DATABASE_URL = `file:${path.join(dir, `replay-${Date.now()}.sqlite`)}`;
}
loadEnvDefaults();
process.env.MOMENTO_VIRTUAL_TIME = "1";
// stdout carries the stats JSON alone, so it can be piped; the app's own log lines go to stderr.
console.log = console.error;
process.env.DEMO_MODE = "0";
migrateDatabase(process.env.DATABASE_URL);

const { readReplayFile, runReplay, writeMessagesFile } = await import("../simulator/replay");
let script;
try {
  script = readReplayFile(path.resolve(process.cwd(), file));
} catch (error) {
  usage(`cannot replay ${file}: ${(error as Error).message}`);
}
const result = await runReplay(script);
for (const warning of result.warnings) console.error(`[replay] ${warning}`);
if (messagesFile) writeMessagesFile(messagesFile, result.messages);
process.stdout.write(`${JSON.stringify(result.stats, null, 2)}\n`);
process.exit(0);
