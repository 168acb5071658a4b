// The offline session Shopify would have stored at install time, so the demo shop passes
// `authenticate.admin` without a real install or token exchange.
import { Session } from "@shopify/shopify-api";

interface SessionStore {
  storeSession(session: Session): Promise<boolean>;
}

/** Not a Shopify token: calls to the Admin API with it fail, which the demo never makes. */
export const DEMO_ACCESS_TOKEN = "momento-demo-offline-token";

export function offlineSessionId(shop: string): string {
  return `offline_${shop}`;
}

/** Stores (or refreshes) a non-expiring offline session for `shop`; idempotent. */
export async function ensureDemoSession(storage: SessionStore, shop: string, scope: string): Promise<Session> {
  const session = new Session({ id: offlineSessionId(shop), shop, state: "demo", isOnline: false, scope, accessToken: DEMO_ACCESS_TOKEN });
  if (!(await storage.storeSession(session))) throw new Error(`could not store the demo session for ${shop}`);
  return session;
}
