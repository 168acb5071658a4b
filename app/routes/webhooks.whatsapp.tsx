import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getEnv } from "../env.server";
import { secretsKey } from "../merchant.server";
import { receiveWhatsAppWebhook } from "../.server/ingest/receive-whatsapp-webhook";
import { isValidWhatsAppSignature } from "../.server/whatsapp/signature";
import { parseWhatsAppWebhook } from "../.server/whatsapp/parse-webhook";
import { isKnownVerifyToken, webhookAppSecret } from "../.server/whatsapp/webhook-secret";
import { ingestDeps } from "../webhooks.server";

/** Meta's verification handshake: echo hub.challenge when hub.verify_token is a shop's or the app's (API-FACTS.md A4). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const params = new URL(request.url).searchParams;
  if (params.get("hub.mode") !== "subscribe" || !(await isKnownVerifyToken(ingestDeps().db, params.get("hub.verify_token"), getEnv().WHATSAPP_VERIFY_TOKEN))) {
    return new Response("Verification failed: wrong hub.mode or hub.verify_token", { status: 403 });
  }
  return new Response(params.get("hub.challenge") ?? "", { status: 200, headers: { "Content-Type": "text/plain" } });
};

/**
 * Statuses, inbound messages and template status updates from Meta, signed with X-Hub-Signature-256 over the
 * raw body by the app of the number (or WABA) the body names: the shop's own app secret, else the app-wide one.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  const raw = await request.text();
  const deps = ingestDeps();
  const secret = await webhookAppSecret(deps.db, secretsKey(), raw, getEnv().WHATSAPP_APP_SECRET);
  if (!secret.ok) {
    if (secret.status === 503) console.error(`[whatsapp] webhook refused for now: ${secret.reason}`);
    return new Response(secret.status === 401 ? `Invalid X-Hub-Signature-256: ${secret.reason}` : secret.reason, { status: secret.status });
  }
  if (!isValidWhatsAppSignature(raw, request.headers.get("x-hub-signature-256"), secret.appSecret)) {
    return new Response("Invalid X-Hub-Signature-256", { status: 401 });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return new Response("Malformed JSON body", { status: 400 });
  }
  const parsed = parseWhatsAppWebhook(body);
  if (!parsed.ok) return new Response(`Unexpected webhook body: ${parsed.reason}`, { status: 400 });
  await receiveWhatsAppWebhook(deps, parsed.value);
  return new Response();
};
