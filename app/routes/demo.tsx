import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { getEnv } from "../env.server";
import { sessionStorage } from "../shopify.server";
import { ensureDemoSession } from "../.server/demo/demo-session";
import { adminHostParam, DEMO_SHOP, signSessionToken } from "../.server/demo/session-token";

/** GET /demo (?locale=de): opens the app as the Shopify admin would, for the seeded demo shop (DEMO_MODE only). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const env = getEnv();
  if (!env.DEMO_MODE) throw new Response("Not Found", { status: 404 });
  await ensureDemoSession(sessionStorage, DEMO_SHOP, env.SCOPES);
  const params = new URLSearchParams({
    embedded: "1",
    shop: DEMO_SHOP,
    host: adminHostParam(DEMO_SHOP),
    id_token: signSessionToken({ shop: DEMO_SHOP, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET }),
  });
  // The admin language, as Shopify passes it to embedded apps.
  const locale = new URL(request.url).searchParams.get("locale");
  if (locale && /^[a-z]{2}(-[A-Z]{2})?$/.test(locale)) params.set("locale", locale);
  return redirect(`/app?${params}`, { headers: { "Cache-Control": "no-store" } });
};
