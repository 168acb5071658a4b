// Storefront requests as Shopify's app proxy forwards them: the query carries shop, logged_in_customer_id,
// path_prefix and timestamp, signed with the app's secret. The signature (as @shopify/shopify-api's
// validateHmac checks it with signator "appProxy") is the hex HMAC-SHA256 of the query parameters other than
// `signature`, sorted by name, each written "name=value" (several values joined by ","), concatenated without a
// separator. The timestamp must be within 90 s of the real clock (not the virtual one), so it is taken from it.
import { createHmac } from "node:crypto";
import { callRoute } from "../../simulator/in-process-app";
import { TEST_SHOP } from "./shopify";

export function appProxySignature(params: Record<string, string>, secret: string): string {
  const message = Object.keys(params)
    .filter((k) => k !== "signature")
    .sort((a, b) => a.localeCompare(b))
    .map((k) => `${k}=${params[k]}`)
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

export interface AppProxyOptions {
  shop?: string;
  loggedInCustomerId?: string;
  /** Seconds since the epoch; defaults to now (the library allows ±90 s). */
  timestamp?: number;
  secret?: string;
  /** Replaces the computed signature (tests of a forged request). */
  signature?: string | null;
}

/** A POST through the app proxy to `path` (e.g. "/proxy/back-in-stock") with a JSON body. */
export function appProxyRequest(path: string, body: unknown, options: AppProxyOptions = {}): Request {
  const params: Record<string, string> = {
    shop: options.shop ?? TEST_SHOP,
    logged_in_customer_id: options.loggedInCustomerId ?? "",
    path_prefix: "/apps/momento",
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  const signature = options.signature === undefined ? appProxySignature(params, options.secret ?? process.env.SHOPIFY_API_SECRET!) : options.signature;
  const url = new URL(path, process.env.SHOPIFY_APP_URL);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (signature !== null) url.searchParams.set("signature", signature);
  return new Request(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

export function postThroughAppProxy(path: string, body: unknown, options: AppProxyOptions = {}): Promise<Response> {
  return callRoute(appProxyRequest(path, body, options));
}
