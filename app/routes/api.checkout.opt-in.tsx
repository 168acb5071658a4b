import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveCheckoutOptIn, shopFromSessionTokenDest } from "../.server/consent/opt-in-api";
import { withLimitedBody } from "../.server/http/body-limit";
import { authenticate } from "../shopify.server";
import { ingestDeps } from "../webhooks.server";

/**
 * POST /api/checkout/opt-in from the checkout extension (and its OPTIONS preflight). The library answers the
 * preflight (204) and a missing or invalid session token (401) by throwing; those get the CORS origin header
 * too, so the extension can read the status. Everything else is receiveCheckoutOptIn.
 */
export const action = async ({ request: incoming }: ActionFunctionArgs) => {
  let request: Request;
  try {
    // Refused before the token is even checked; the header lets the extension read the status.
    request = await withLimitedBody(incoming);
  } catch (thrown) {
    if (thrown instanceof Response) thrown.headers.set("Access-Control-Allow-Origin", "*");
    throw thrown;
  }
  try {
    const { sessionToken, cors } = await authenticate.public.checkout(request);
    if (request.method !== "POST") {
      return cors(Response.json({ ok: false, error: "Use POST." }, { status: 405, headers: { Allow: "POST, OPTIONS" } }));
    }
    const shop = shopFromSessionTokenDest(sessionToken.dest);
    if (!shop) return cors(Response.json({ ok: false, error: "The session token names no shop." }, { status: 401 }));

    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return cors(Response.json({ ok: false, error: "The body is not JSON." }, { status: 400 }));
    }
    const result = await receiveCheckoutOptIn(ingestDeps(), shop, body, { customerGid: sessionToken.sub, sessionTokenId: sessionToken.jti });
    return cors(Response.json(result.body, { status: result.status }));
  } catch (thrown) {
    if (thrown instanceof Response && request.headers.has("Origin") && !thrown.headers.has("Access-Control-Allow-Origin")) {
      thrown.headers.set("Access-Control-Allow-Origin", "*");
    }
    throw thrown;
  }
};
