// Adapters shared by the webhook routes: verify a request, turn it into a domain event, hand it to the inbox.
import { db, getClock } from "./shopify.server";
import { getEnv } from "./env.server";
import { createShopifyInbox } from "./.server/ingest/inbox";
import type { IngestDeps } from "./.server/ingest/receive-shopify-event";
import { verifyShopifyWebhook } from "./.server/ingest/verify-shopify-webhook";

export function ingestDeps(): IngestDeps {
  return { db, clock: getClock() };
}

declare global {
  // One inbox per process, across Vite's hot reloads in development (like the Prisma client).
  var __momentoShopifyInbox: ReturnType<typeof createShopifyInbox> | undefined;
}
const inbox = (globalThis.__momentoShopifyInbox ??= createShopifyInbox(ingestDeps));

/**
 * Every Shopify webhook route: verify (4xx for bad input, verify-shopify-webhook.ts), store the event (a duplicate
 * delivery is answered the same) and answer 200; the projection runs after the response (decision 012). Database
 * down: the insert throws, Remix answers 500 and Shopify delivers again.
 */
export async function receiveShopifyWebhook(request: Request): Promise<Response> {
  await inbox.answering(async () => inbox.accept(await verifyShopifyWebhook(request, getEnv().SHOPIFY_API_SECRET)));
  inbox.kick();
  return new Response();
}

/** Waits until every event accepted so far is projected: whoever delivers in-process and then reads the result. */
export function settleShopifyInbox(): Promise<void> {
  return inbox.settle();
}
