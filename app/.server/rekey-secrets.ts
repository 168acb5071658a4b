// `npm run rekey-secrets`: brings every secret at rest under the current TOKEN_ENCRYPTION_KEY (docs/decisions/009).
// Session tokens written in plain text (before encryption) or under the previous key, and WhatsApp credentials
// under the previous key, are re-encrypted; what the current key already opens is left alone, so a second run
// changes nothing. A row neither key opens is left as it is and named in the answer.
import type { Db } from "./db";
import { decryptSecret, encryptSecret } from "./crypto";
import { openToken, sealToken } from "./shopify-admin/session-tokens";

export interface RekeyKeys {
  current: Buffer;
  /** The key being retired; null when only plain Session rows are to be encrypted. */
  previous: Buffer | null;
}

export interface RekeyCounts {
  sessions: number;
  connections: number;
  /** Session ids and connection shops that neither key opens. */
  unreadable: string[];
}

/** The token sealed under the current key, or unchanged when it already is; null when no key opens it. */
function resealToken(stored: string, keys: RekeyKeys): string | null {
  const current = openToken(stored, keys.current);
  if (current.ok) return current.legacyPlain ? sealToken(current.token, keys.current) : stored;
  const previous = keys.previous ? openToken(stored, keys.previous) : null;
  return previous?.ok ? sealToken(previous.token, keys.current) : null;
}

function resealSecret(stored: string, keys: RekeyKeys): string | null {
  for (const key of [keys.current, keys.previous]) {
    if (!key) continue;
    try {
      const plain = decryptSecret(stored, key);
      return key === keys.current ? stored : encryptSecret(plain, keys.current);
    } catch {
      // not this key
    }
  }
  return null;
}

export async function rekeySecrets(db: Db, keys: RekeyKeys): Promise<RekeyCounts> {
  const counts: RekeyCounts = { sessions: 0, connections: 0, unreadable: [] };
  for (const row of await db.session.findMany({ select: { id: true, accessToken: true, refreshToken: true } })) {
    const accessToken = row.accessToken ? resealToken(row.accessToken, keys) : row.accessToken;
    const refreshToken = row.refreshToken ? resealToken(row.refreshToken, keys) : row.refreshToken;
    if (accessToken === null || (row.refreshToken && refreshToken === null)) {
      counts.unreadable.push(`Session ${row.id}`);
      continue;
    }
    if (accessToken === row.accessToken && refreshToken === row.refreshToken) continue;
    // Only if the app did not store the session meanwhile (a refresh writes a token under the current key).
    const { count } = await db.session.updateMany({ where: { id: row.id, accessToken: row.accessToken, refreshToken: row.refreshToken }, data: { accessToken, refreshToken } });
    counts.sessions += count;
  }
  for (const row of await db.whatsAppConnection.findMany({ select: { shop: true, accessTokenEnc: true, appSecretEnc: true } })) {
    const accessTokenEnc = resealSecret(row.accessTokenEnc, keys);
    const appSecretEnc = resealSecret(row.appSecretEnc, keys);
    if (accessTokenEnc === null || appSecretEnc === null) {
      counts.unreadable.push(`WhatsAppConnection ${row.shop}`);
      continue;
    }
    if (accessTokenEnc === row.accessTokenEnc && appSecretEnc === row.appSecretEnc) continue;
    const { count } = await db.whatsAppConnection.updateMany({ where: { shop: row.shop, accessTokenEnc: row.accessTokenEnc, appSecretEnc: row.appSecretEnc }, data: { accessTokenEnc, appSecretEnc } });
    counts.connections += count;
  }
  return counts;
}
