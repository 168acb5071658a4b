// A shop's own WhatsApp Business connection (WhatsAppConnection): the token and the app secret are
// encrypted at rest and leave this module decrypted only for a call to the Cloud API. Pages get a
// summary with the last four characters of each secret.
import { decryptSecret, encryptSecret, lastFour } from "../crypto";
import type { DbTx } from "../db";

export interface WhatsAppCredentials {
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

export interface StoredConnection extends WhatsAppCredentials {
  displayPhone: string | null;
  verifiedAt: Date | null;
}

/** What a page shows of a connection: the ids, the last four characters of each secret, and when it was checked. */
export interface ConnectionView {
  phoneNumberId: string;
  wabaId: string;
  tokenHint: string;
  appSecretHint: string;
  verifyTokenHint: string;
  displayPhone: string | null;
  checked: string;
}

export async function saveConnection(
  db: DbTx,
  key: Buffer,
  shop: string,
  credentials: WhatsAppCredentials,
  checked: { displayPhone: string | null; verifiedAt: Date },
): Promise<void> {
  const data = {
    phoneNumberId: credentials.phoneNumberId,
    wabaId: credentials.wabaId,
    accessTokenEnc: encryptSecret(credentials.accessToken, key),
    appSecretEnc: encryptSecret(credentials.appSecret, key),
    verifyToken: credentials.verifyToken,
    displayPhone: checked.displayPhone,
    verifiedAt: checked.verifiedAt,
    updatedAt: checked.verifiedAt,
  };
  await db.whatsAppConnection.upsert({ where: { shop }, create: { shop, ...data }, update: data });
}

export async function loadConnection(db: DbTx, key: Buffer, shop: string): Promise<StoredConnection | null> {
  const row = await db.whatsAppConnection.findUnique({ where: { shop } });
  if (!row) return null;
  return {
    phoneNumberId: row.phoneNumberId,
    wabaId: row.wabaId,
    accessToken: decryptSecret(row.accessTokenEnc, key),
    appSecret: decryptSecret(row.appSecretEnc, key),
    verifyToken: row.verifyToken,
    displayPhone: row.displayPhone,
    verifiedAt: row.verifiedAt,
  };
}

/** `when` formats the time it was last checked; `never` stands in when it was not. */
export async function connectionView(db: DbTx, key: Buffer, shop: string, when: (at: Date) => string, never: string): Promise<ConnectionView | null> {
  const connection = await loadConnection(db, key, shop);
  if (!connection) return null;
  return {
    phoneNumberId: connection.phoneNumberId,
    wabaId: connection.wabaId,
    tokenHint: lastFour(connection.accessToken),
    appSecretHint: lastFour(connection.appSecret),
    verifyTokenHint: lastFour(connection.verifyToken),
    displayPhone: connection.displayPhone,
    checked: connection.verifiedAt ? when(connection.verifiedAt) : never,
  };
}
