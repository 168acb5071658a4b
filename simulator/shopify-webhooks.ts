// Signed Shopify webhook deliveries, exactly as Shopify sends them (API-FACTS.md B2): shared by tests,
// replay, the demo and the ingest benchmark.
import { createHmac } from "node:crypto";

export interface ShopifyDelivery {
  topic: string;
  shop: string;
  webhookId: string;
  /** The body; a string is sent as-is (to test malformed JSON), anything else is JSON-encoded. */
  payload: unknown;
  apiVersion?: string;
  triggeredAt?: Date;
}

export function shopifyHmac(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("base64");
}

export function topicPath(topic: string): string {
  return `/webhooks/${topic.replace(/\//g, "/")}`;
}

export function shopifyWebhookRequest(
  appUrl: string,
  secret: string,
  delivery: ShopifyDelivery,
  options: { path?: string; hmac?: string } = {},
): Request {
  const body = typeof delivery.payload === "string" ? delivery.payload : JSON.stringify(delivery.payload);
  return new Request(new URL(options.path ?? topicPath(delivery.topic), appUrl), {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": delivery.topic,
      "X-Shopify-Hmac-Sha256": options.hmac ?? shopifyHmac(body, secret),
      "X-Shopify-Shop-Domain": delivery.shop,
      "X-Shopify-API-Version": delivery.apiVersion ?? "2026-07",
      "X-Shopify-Webhook-Id": delivery.webhookId,
      "X-Shopify-Triggered-At": (delivery.triggeredAt ?? new Date()).toISOString(),
      "X-Shopify-Event-Id": `event-${delivery.webhookId}`,
    },
    body,
  });
}
