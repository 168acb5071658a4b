// npm run rekey-secrets [-- --previous-key <base64>]
// Re-encrypts the secrets at rest (Shopify session tokens, WhatsApp credentials) under TOKEN_ENCRYPTION_KEY: plain
// session tokens from before encryption, and, with --previous-key, everything under the key being retired
// (docs/decisions/009). Reads DATABASE_URL. Prints counts and the ids of rows it could not open; never a secret.
import { encryptionKey } from "../app/.server/crypto";
import { createDb } from "../app/.server/db";
import { rekeySecrets } from "../app/.server/rekey-secrets";

const USAGE = "usage: npm run rekey-secrets [-- --previous-key <base64>]";
const argv = process.argv.slice(2);
if (argv.length !== 0 && (argv.length !== 2 || argv[0] !== "--previous-key")) {
  console.error(USAGE);
  process.exit(2);
}

// Both from the environment as the app and the worker get them, never from .env.example's demo key.
if (!process.env.TOKEN_ENCRYPTION_KEY || !process.env.DATABASE_URL) {
  console.error(`TOKEN_ENCRYPTION_KEY (the new key) and DATABASE_URL must be set\n${USAGE}`);
  process.exit(2);
}
const current = encryptionKey(process.env.TOKEN_ENCRYPTION_KEY);
const previous = argv.length === 2 ? encryptionKey(argv[1]) : null;
if (previous?.equals(current)) {
  console.error("--previous-key is the same as TOKEN_ENCRYPTION_KEY");
  process.exit(2);
}
const db = createDb(process.env.DATABASE_URL);
try {
  const counts = await rekeySecrets(db, { current, previous });
  console.log(`re-encrypted: ${counts.sessions} session(s), ${counts.connections} WhatsApp connection(s)`);
  if (counts.unreadable.length > 0) {
    console.log(`not readable with either key (left as they are): ${counts.unreadable.join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  await db.$disconnect();
}
