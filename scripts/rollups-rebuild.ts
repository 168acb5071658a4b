// npm run rollups:rebuild -- --shop <domain> [--all]
// Recomputes a shop's rollups (decision 010) from its orders, messages and consent events, in one transaction.
// For shops whose rows were written around the write points (an import, a restore) or whose time zone changed.
import { loadEnvDefaults } from "./lib/load-env";

function usage(message: string): never {
  console.error(`${message}\nusage: npm run rollups:rebuild -- --shop <domain> | --all`);
  process.exit(2);
}

const args = process.argv.slice(2);
const shopIndex = args.indexOf("--shop");
const all = args.includes("--all");
const shopArg = shopIndex >= 0 ? args[shopIndex + 1] : undefined;
if (!all && !shopArg) usage("name a shop with --shop, or --all");
if (shopArg !== undefined && !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shopArg)) usage(`not a shop domain: ${shopArg}`);

loadEnvDefaults();
const { createDb } = await import("../app/.server/db");
const { rebuildRollups } = await import("../app/.server/analytics/rebuild");
const db = createDb(process.env.DATABASE_URL!);
try {
  const shops = all ? (await db.shop.findMany({ select: { domain: true } })).map((s) => s.domain) : [shopArg!];
  for (const shop of shops) {
    if (!(await db.shop.findUnique({ where: { domain: shop } }))) usage(`no shop ${shop} in this database`);
    const started = Date.now();
    const counts = await rebuildRollups(db, shop);
    console.log(`${shop}: rebuilt from ${counts.orders} orders, ${counts.messages} messages, ${counts.consentEvents} consent events (${counts.customers} customers) in ${Date.now() - started} ms`);
  }
} finally {
  await db.$disconnect();
}
