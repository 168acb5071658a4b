// Verifies a Shopify webhook delivery: the HMAC of the raw body and the headers every delivery carries. What
// authenticate.webhook from @shopify/shopify-app-remix checks, without what it also does per delivery and the
// webhook routes never use: loading and decrypting the shop's offline session (maybe refreshing its token over the
// network) and building an Admin API client (decision 012).
import { createHmac, timingSafeEqual } from "node:crypto";
import { readLimitedBody } from "../http/body-limit";
import type { ShopifyEvent } from "./receive-shopify-event";

const REQUIRED_HEADERS = ["x-shopify-topic", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id"] as const;

function reject(status: 400 | 401 | 405, reason: string): Response {
  return new Response(reason, { status });
}

/**
 * The verified event, or throws a Response (as the library answers): 405 not a POST, 413 over 1 MB, 400 an empty body,
 * no HMAC, missing headers or not JSON, 401 a wrong HMAC.
 */
export async function verifyShopifyWebhook(request: Request, secret: string): Promise<ShopifyEvent> {
  if (request.method !== "POST") throw reject(405, "Method not allowed");
  const body = await readLimitedBody(request);
  if (body.byteLength === 0) throw reject(400, "Empty body");
  const hmac = request.headers.get("x-shopify-hmac-sha256");
  if (!hmac) throw reject(400, "Missing HMAC header");
  const given = Buffer.from(hmac, "base64");
  const expected = createHmac("sha256", secret).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw reject(401, "Invalid HMAC");
  const missing = REQUIRED_HEADERS.filter((name) => !request.headers.get(name));
  if (missing.length > 0) throw reject(400, `Missing headers: ${missing.join(", ")}`);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw reject(400, "Malformed JSON body");
  }
  const triggeredAt = request.headers.get("x-shopify-triggered-at");
  return {
    shop: request.headers.get("x-shopify-shop-domain")!,
    topic: request.headers.get("x-shopify-topic")!,
    webhookId: request.headers.get("x-shopify-webhook-id")!,
    apiVersion: request.headers.get("x-shopify-api-version"),
    triggeredAt: triggeredAt && !Number.isNaN(Date.parse(triggeredAt)) ? new Date(triggeredAt) : null,
    payload,
    payloadJson: text,
  };
}
