import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveBackInStockSignup, signupError } from "../.server/back-in-stock/signup";
import { authenticate } from "../shopify.server";
import { ingestDeps } from "../webhooks.server";

/**
 * POST <shop>/apps/momento/back-in-stock from the theme block, proxied by Shopify to /proxy/back-in-stock with a
 * signed query (shop, logged_in_customer_id, path_prefix, timestamp, signature). authenticate.public.appProxy
 * throws 400 for a missing, wrong or outdated signature (±90 s); the body itself is not signed.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  await authenticate.public.appProxy(request);
  const shop = new URL(request.url).searchParams.get("shop");
  if (!shop) return Response.json({ ok: false, reason: "no_shop", error: "The request names no shop." }, { status: 400 });
  let body: unknown;
  try {
    const type = request.headers.get("Content-Type") ?? "";
    body = type.includes("application/json") ? await request.json() : Object.fromEntries(await request.formData());
  } catch {
    const result = signupError("not_json", request.headers.get("Accept-Language"));
    return Response.json(result.body, { status: result.status });
  }
  const result = await receiveBackInStockSignup(ingestDeps(), shop, body);
  return Response.json(result.body, { status: result.status });
};
