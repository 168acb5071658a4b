// The shop's offline access token, as the Shopify library stored it at install (Session table,
// id "offline_<shop>", isOnline false, the token encrypted: session-tokens.ts). The worker reads it; refreshing an
// expiring offline token is left to the app process (shopify-app-remix refreshes it on the merchant's next request).
import type { DbTx } from "../db";
import { openToken } from "./session-tokens";

/** `reason` on "missing": the stored session is unusable (its token cannot be decrypted); absent when there is none. */
export type OfflineToken = { status: "ok"; accessToken: string; scopes: string[] | null } | { status: "missing"; reason?: string } | { status: "expired" };

export function offlineSessionId(shop: string): string {
  return `offline_${shop}`;
}

/** The one reader of Session rows outside the session storage; `secretsKey` is TOKEN_ENCRYPTION_KEY's key. */
export async function offlineAccessToken(db: DbTx, secretsKey: Buffer, shop: string, now: Date): Promise<OfflineToken> {
  const session =
    (await db.session.findUnique({ where: { id: offlineSessionId(shop) } })) ??
    (await db.session.findFirst({ where: { shop, isOnline: false }, orderBy: { expires: "desc" } }));
  if (!session || session.isOnline || !session.accessToken) return { status: "missing" };
  const opened = openToken(session.accessToken, secretsKey);
  if (!opened.ok) return { status: "missing", reason: `the offline session is unusable: ${opened.reason}` };
  if (session.expires && session.expires.getTime() <= now.getTime()) return { status: "expired" };
  return { status: "ok", accessToken: opened.token, scopes: session.scope ? session.scope.split(",").map((x) => x.trim()) : null };
}
