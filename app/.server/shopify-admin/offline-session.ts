// The shop's offline access token, as the Shopify library stored it at install (Session table,
// id "offline_<shop>", isOnline false). The worker reads it; refreshing an expiring offline token is
// left to the app process (shopify-app-remix refreshes it on the merchant's next request).
import type { DbTx } from "../db";

export type OfflineToken = { status: "ok"; accessToken: string; scopes: string[] | null } | { status: "missing" } | { status: "expired" };

export function offlineSessionId(shop: string): string {
  return `offline_${shop}`;
}

export async function offlineAccessToken(db: DbTx, shop: string, now: Date): Promise<OfflineToken> {
  const session =
    (await db.session.findUnique({ where: { id: offlineSessionId(shop) } })) ??
    (await db.session.findFirst({ where: { shop, isOnline: false }, orderBy: { expires: "desc" } }));
  if (!session || session.isOnline || !session.accessToken) return { status: "missing" };
  if (session.expires && session.expires.getTime() <= now.getTime()) return { status: "expired" };
  return { status: "ok", accessToken: session.accessToken, scopes: session.scope ? session.scope.split(",").map((x) => x.trim()) : null };
}
