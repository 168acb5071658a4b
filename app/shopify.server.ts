// The composition root: the one place that reads the environment and wires Shopify, the database,
// the clock and the WhatsApp client together. Routes import from here; domain code never does.
import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { getEnv } from "./env.server";
import { createDb, type Db } from "./.server/db";
import { encryptionKey } from "./.server/crypto";
import { EncryptedSessionStorage } from "./.server/shopify-admin/session-tokens";
import { systemClock, type Clock } from "./.server/clock";
import { requestHistoryImport } from "./.server/history-import/job";

const env = getEnv();

declare global {
  // Keeps one Prisma client across Vite's hot reloads in development.
  var __momentoDb: Db | undefined;
}
export const db: Db = (globalThis.__momentoDb ??= createDb(env.DATABASE_URL));

let clock: Clock = systemClock;
/** The clock every route hands to domain code. */
export function getClock(): Clock {
  return clock;
}
/**
 * Replay and the demo drive the app in virtual time. Only their entry scripts set MOMENTO_VIRTUAL_TIME,
 * so a deployed app always runs on the system clock.
 */
export function useVirtualClock(virtual: Clock): void {
  if (process.env.MOMENTO_VIRTUAL_TIME !== "1") throw new Error("virtual time is only for replay, demo and tests");
  clock = virtual;
}

export const apiVersion = ApiVersion.July26;

const shopify = shopifyApp({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion,
  scopes: env.SCOPES.split(","),
  appUrl: env.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // Access and refresh tokens are encrypted at rest (docs/decisions/009).
  sessionStorage: new EncryptedSessionStorage(new PrismaSessionStorage(db, { connectionRetries: 2, connectionRetryIntervalMs: 50 }), encryptionKey(env.TOKEN_ENCRYPTION_KEY)),
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
  // On install: queue the import of the shop's last 12 months of orders and customers (the worker runs it; once per shop).
  hooks: { afterAuth: async ({ session }) => void (await requestHistoryImport(db, getClock(), session.shop, "install")) },
  ...(env.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [env.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
