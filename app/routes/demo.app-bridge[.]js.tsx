import type { LoaderFunctionArgs } from "@remix-run/node";
import { getEnv } from "../env.server";
import { appBridgeStandInScript } from "../.server/demo/app-bridge-stand-in";
import { adminHostParam, DEMO_SHOP, sessionTokenClaims, signJwtHs256 } from "../.server/demo/session-token";

/**
 * GET /demo/app-bridge.js: the local App Bridge stand-in (DEMO_MODE only).
 * GET /demo/app-bridge.js?token: a fresh session token as plain text, for the stand-in's idToken().
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const env = getEnv();
  if (!env.DEMO_MODE) throw new Response("Not Found", { status: 404 });
  const claims = sessionTokenClaims({ shop: DEMO_SHOP, apiKey: env.SHOPIFY_API_KEY });
  const token = signJwtHs256(claims, env.SHOPIFY_API_SECRET);
  const headers = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
  const url = new URL(request.url);
  if (url.searchParams.has("token")) return new Response(token, { headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
  const script = appBridgeStandInScript({
    apiKey: env.SHOPIFY_API_KEY,
    shop: DEMO_SHOP,
    host: adminHostParam(DEMO_SHOP),
    locale: "en",
    token,
    tokenExpiresAt: claims.exp * 1000,
    refreshUrl: `${url.pathname}?token`,
  });
  return new Response(script, { headers: { ...headers, "Content-Type": "text/javascript; charset=utf-8" } });
};
