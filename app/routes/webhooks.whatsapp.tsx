import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getEnv } from "../env.server";
import { withLimitedBody } from "../.server/http/body-limit";
import { receiveWhatsAppWebhook } from "../.server/ingest/receive-whatsapp-webhook";
import { isValidWhatsAppSignature } from "../.server/whatsapp/signature";
import { parseWhatsAppWebhook } from "../.server/whatsapp/parse-webhook";
import { ingestDeps } from "../webhooks.server";

/** Meta's verification handshake: echo hub.challenge when hub.verify_token is ours (API-FACTS.md A4). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const params = new URL(request.url).searchParams;
  if (params.get("hub.mode") !== "subscribe" || params.get("hub.verify_token") !== getEnv().WHATSAPP_VERIFY_TOKEN) {
    return new Response("Verification failed: wrong hub.mode or hub.verify_token", { status: 403 });
  }
  return new Response(params.get("hub.challenge") ?? "", { status: 200, headers: { "Content-Type": "text/plain" } });
};

/** Statuses and inbound messages from Meta, signed with X-Hub-Signature-256 over the raw body. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const raw = await (await withLimitedBody(request)).text();
  if (!isValidWhatsAppSignature(raw, request.headers.get("x-hub-signature-256"), getEnv().WHATSAPP_APP_SECRET)) {
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
  await receiveWhatsAppWebhook(ingestDeps(), parsed.value);
  return new Response();
};
