// Which shops one inbound WhatsApp signal may touch (decision 004, step 0). The webhook route checked the
// signature with the app secret of the receiving number (webhook-secret.ts), so a signal may only change the
// shops that secret speaks for: the shops whose own connection has that number, or, for any number no
// connection has (the app-wide one from the environment), the shops without a connection of their own.
import type { DbTx } from "../db";
import type { Receiver } from "../whatsapp/types";

/** A Prisma `shop` filter; every lookup and write for the signal goes through it. */
export type ShopFilter = { in: string[] } | { notIn: string[] };

export interface ShopScope {
  /** "own": the receiving number is these shops' own connection; "shared": the app-wide number. */
  kind: "own" | "shared";
  shops: ShopFilter;
}

/** Signals reaching the same number (or, without one, the same WABA) share a scope. */
export function receiverKey(receiver: Receiver): string {
  return receiver.phoneNumberId !== null ? `phone:${receiver.phoneNumberId}` : `waba:${receiver.wabaId}`;
}

/**
 * The scope of each receiver, by receiverKey. A number matches connections by phoneNumberId, a change without
 * one by wabaId, exactly as the secret was chosen; a stored connection wins over the environment's number,
 * because its secret (not the app-wide one) is what the signature was checked with.
 */
export async function resolveShopScopes(db: DbTx, receivers: Receiver[]): Promise<Map<string, ShopScope>> {
  const phoneNumberIds = [...new Set(receivers.flatMap((r) => (r.phoneNumberId !== null ? [r.phoneNumberId] : [])))];
  const wabaIds = [...new Set(receivers.flatMap((r) => (r.phoneNumberId === null ? [r.wabaId] : [])))];
  const matching = phoneNumberIds.length + wabaIds.length === 0
    ? []
    : await db.whatsAppConnection.findMany({
        where: { OR: [{ phoneNumberId: { in: phoneNumberIds } }, { wabaId: { in: wabaIds } }] },
        select: { shop: true, phoneNumberId: true, wabaId: true },
      });
  let connectedShops: string[] | null = null;
  const scopes = new Map<string, ShopScope>();
  for (const receiver of receivers) {
    const key = receiverKey(receiver);
    if (scopes.has(key)) continue;
    const own = matching.filter((c) => (receiver.phoneNumberId !== null ? c.phoneNumberId === receiver.phoneNumberId : c.wabaId === receiver.wabaId));
    if (own.length > 0) {
      scopes.set(key, { kind: "own", shops: { in: own.map((c) => c.shop).sort() } });
      continue;
    }
    connectedShops ??= (await db.whatsAppConnection.findMany({ select: { shop: true } })).map((c) => c.shop).sort();
    scopes.set(key, { kind: "shared", shops: { notIn: connectedShops } });
  }
  return scopes;
}
