// Which app secret signs a WhatsApp webhook POST, and which verify token answers the handshake, when shops
// bring their own Meta apps (WhatsAppConnection) next to the app-wide one from the environment.
//
// The body is not trusted before its signature is checked, so only the ids that choose the secret are read
// from it: each change's metadata.phone_number_id, or the entry's id (the WABA id) for template status updates
// (applied to the shops of exactly that WABA, whatever else the change carries) and for changes without
// metadata. Every id must lead to the same secret (a stored connection's, or the environment's for an id no
// connection has); a body naming numbers of two different apps is refused, because one signature cannot
// vouch for both. Only after the check is the body parsed in full.
import { decryptSecret } from "../crypto";
import type { DbTx } from "../db";

export interface WebhookIds {
  phoneNumberIds: string[];
  wabaIds: string[];
}

/** The field applied per WABA (templates/whatsapp-templates.ts); its secret is chosen by the entry id alone. */
const WABA_LEVEL_FIELD = "message_template_status_update";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The ids that choose the secret, or null when the body is not JSON (the environment's secret checks it then). */
export function webhookIds(rawBody: string): WebhookIds | null {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return null;
  }
  const phoneNumberIds = new Set<string>();
  const wabaIds = new Set<string>();
  const entries = isRecord(body) && Array.isArray(body.entry) ? body.entry : [];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    for (const change of Array.isArray(entry.changes) ? entry.changes : []) {
      const value = isRecord(change) && isRecord(change.value) ? change.value : null;
      const phoneNumberId = value && isRecord(value.metadata) ? value.metadata.phone_number_id : undefined;
      const wabaLevel = isRecord(change) && change.field === WABA_LEVEL_FIELD;
      if (!wabaLevel && typeof phoneNumberId === "string" && phoneNumberId !== "") phoneNumberIds.add(phoneNumberId);
      else if (typeof entry.id === "string" && entry.id !== "") wabaIds.add(entry.id);
    }
  }
  return { phoneNumberIds: [...phoneNumberIds], wabaIds: [...wabaIds] };
}

/** 401: the body names several apps; 503: a stored secret cannot be decrypted (wrong key), so Meta should retry. */
export type WebhookSecret = { ok: true; appSecret: string } | { ok: false; status: 401 | 503; reason: string };

/** The one app secret the body's signature must match. */
export async function webhookAppSecret(db: DbTx, key: Buffer, rawBody: string, envAppSecret: string): Promise<WebhookSecret> {
  const ids = webhookIds(rawBody);
  if (ids === null || ids.phoneNumberIds.length + ids.wabaIds.length === 0) return { ok: true, appSecret: envAppSecret };
  const connections = await db.whatsAppConnection.findMany({
    where: { OR: [{ phoneNumberId: { in: ids.phoneNumberIds } }, { wabaId: { in: ids.wabaIds } }] },
    select: { phoneNumberId: true, wabaId: true, appSecretEnc: true },
  });
  const secrets = new Set<string>();
  const secretsOf = (matching: typeof connections) => (matching.length === 0 ? [envAppSecret] : matching.map((c) => decryptSecret(c.appSecretEnc, key)));
  try {
    for (const id of ids.phoneNumberIds) for (const secret of secretsOf(connections.filter((c) => c.phoneNumberId === id))) secrets.add(secret);
    for (const id of ids.wabaIds) for (const secret of secretsOf(connections.filter((c) => c.wabaId === id))) secrets.add(secret);
  } catch {
    return { ok: false, status: 503, reason: "A shop's stored app secret cannot be decrypted (check TOKEN_ENCRYPTION_KEY)" };
  }
  if (secrets.size !== 1) return { ok: false, status: 401, reason: "The body names WhatsApp numbers of different Meta apps" };
  return { ok: true, appSecret: [...secrets][0] };
}

/** Meta's handshake: the verify token of any stored connection, or the environment's. */
export async function isKnownVerifyToken(db: DbTx, token: string | null, envVerifyToken: string): Promise<boolean> {
  if (!token) return false;
  if (token === envVerifyToken) return true;
  return (await db.whatsAppConnection.count({ where: { verifyToken: token } })) > 0;
}
