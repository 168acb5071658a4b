// Adapters shared by the webhook routes: verify a request and turn it into a domain event.
import { authenticate, db, getClock } from "./shopify.server";
import { withLimitedBody } from "./.server/http/body-limit";
import type { IngestDeps, ShopifyEvent } from "./.server/ingest/receive-shopify-event";

/**
 * Verifies a Shopify webhook (413 over 1 MB, 401 on a bad HMAC, 400 on missing headers — thrown by the library) and
 * answers 400 with a reason for a body that is not JSON, which the library would otherwise turn into a 500.
 */
export async function authenticateShopifyEvent(incoming: Request): Promise<ShopifyEvent> {
  const request = await withLimitedBody(incoming);
  const topicHeader = request.headers.get("x-shopify-topic");
  try {
    const ctx = await authenticate.webhook(request);
    return {
      shop: ctx.shop,
      topic: topicHeader ?? ctx.topic,
      webhookId: ctx.webhookId,
      apiVersion: ctx.apiVersion,
      triggeredAt: "triggeredAt" in ctx && ctx.triggeredAt ? new Date(ctx.triggeredAt) : null,
      payload: ctx.payload,
    };
  } catch (error) {
    if (error instanceof SyntaxError) throw new Response("Malformed JSON body", { status: 400 });
    throw error;
  }
}

export function ingestDeps(): IngestDeps {
  return { db, clock: getClock() };
}
