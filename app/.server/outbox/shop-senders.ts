// Which WhatsApp sender and token bucket send a shop's messages: the shop's own connection (onboarding,
// WhatsAppConnection) when it has one, else the app-wide number from the environment. Senders are built once
// per shop and rebuilt when the connection's updatedAt changes (re-connected with new credentials); one token
// bucket per business phone number, shared by every shop that sends from it.
import { decryptSecret } from "../crypto";
import type { DbTx } from "../db";
import { createWhatsAppClient } from "../whatsapp/client";
import type { WhatsAppSender } from "../whatsapp/types";
import { createTokenBucket, type TokenBucket, type TokenBucketLimits } from "./token-bucket";

export interface ShopRoute {
  sender: WhatsAppSender;
  /** The bucket of the business phone number the sender sends from. */
  bucket: TokenBucket;
  phoneNumberId: string;
}

/** Finds the route for a shop's next message; called by dispatch once per message. */
export type SenderForShop = (shop: string) => Promise<ShopRoute>;

export interface ShopSendersOptions {
  db: DbTx;
  secretsKey: Buffer;
  cloudApi: { baseUrl: string; apiVersion: string; fetch?: typeof fetch };
  /** The app-wide number, for shops without a connection of their own. */
  fallback: { phoneNumberId: string; sender: WhatsAppSender };
  limits: TokenBucketLimits;
}

export function createShopSenders(options: ShopSendersOptions): SenderForShop {
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (phoneNumberId: string) => {
    let bucket = buckets.get(phoneNumberId);
    if (!bucket) buckets.set(phoneNumberId, (bucket = createTokenBucket(options.limits)));
    return bucket;
  };
  const fallback: ShopRoute = { sender: options.fallback.sender, bucket: bucketOf(options.fallback.phoneNumberId), phoneNumberId: options.fallback.phoneNumberId };
  /** shop → the route and the connection version it was built from (null: no connection). */
  const cache = new Map<string, { version: number | null; route: ShopRoute }>();

  return async (shop) => {
    const current = await options.db.whatsAppConnection.findUnique({ where: { shop }, select: { updatedAt: true } });
    const version = current ? current.updatedAt.getTime() : null;
    const cached = cache.get(shop);
    if (cached && cached.version === version) return cached.route;

    const row = version === null ? null : await options.db.whatsAppConnection.findUnique({ where: { shop }, select: { phoneNumberId: true, accessTokenEnc: true, updatedAt: true } });
    const route: ShopRoute = row
      ? {
          sender: createWhatsAppClient({ ...options.cloudApi, phoneNumberId: row.phoneNumberId, accessToken: decryptSecret(row.accessTokenEnc, options.secretsKey) }),
          bucket: bucketOf(row.phoneNumberId),
          phoneNumberId: row.phoneNumberId,
        }
      : fallback;
    cache.set(shop, { version: row ? row.updatedAt.getTime() : null, route });
    return route;
  };
}
