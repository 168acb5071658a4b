// `npm run simulator`: the local WhatsApp Cloud API on the system clock. Point the app at it with
// WHATSAPP_API_BASE_URL=http://127.0.0.1:4010; it posts signed webhooks to SIMULATOR_WEBHOOK_URL.
import { existsSync } from "node:fs";
import { systemClock } from "../app/.server/clock";
import { suggestedTemplates } from "../app/.server/templates/catalogue";
import { createCloudApiSimulator, type SimulatorActivity } from "../simulator/cloud-api";
import { serveSimulator, startRealTimeFlusher } from "../simulator/http";

if (existsSync(".env")) process.loadEnvFile(".env");

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`[simulator] ${name} is not set (see .env.example)`);
    process.exit(1);
  }
  return value;
}

const appUrl = process.env.SHOPIFY_APP_URL ?? "http://localhost:3000";
const webhookUrl = process.env.SIMULATOR_WEBHOOK_URL ?? `${appUrl.replace(/\/$/, "")}/webhooks/whatsapp`;
const port = Number(process.env.SIMULATOR_PORT ?? 4010);

function logActivity(activity: SimulatorActivity): void {
  // Never the phone number, the parameters or a body: template, language and ids only.
  switch (activity.kind) {
    case "accepted":
      console.log(
        `[simulator] accepted ${activity.template} (${activity.language}) ${activity.wamid}` +
          (activity.asyncFailure !== null ? ` — will fail with ${activity.asyncFailure}` : ""),
      );
      break;
    case "rejected":
      console.log(`[simulator] rejected ${activity.template ?? "?"} (${activity.language ?? "?"}) with error ${activity.code}`);
      break;
    case "webhook_failed":
      console.log(
        `[simulator] webhook with ${activity.events} event(s) failed (attempt ${activity.attempt}): ${activity.error}` +
          (activity.dropped ? " — dropped after 7 days" : " — will retry"),
      );
      break;
  }
}

const sim = createCloudApiSimulator({
  clock: systemClock,
  appSecret: required("WHATSAPP_APP_SECRET"),
  accessToken: required("WHATSAPP_ACCESS_TOKEN"),
  phoneNumberId: required("WHATSAPP_PHONE_NUMBER_ID"),
  wabaId: process.env.WHATSAPP_BUSINESS_ACCOUNT_ID || undefined,
  appId: process.env.WHATSAPP_APP_ID || undefined,
  templates: suggestedTemplates(appUrl),
  onActivity: logActivity,
  deliverWebhook: async (rawBody, signature) => {
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature },
      body: rawBody,
    });
    if (!response.ok) throw new Error(`webhook endpoint answered HTTP ${response.status}`);
  },
});

const server = await serveSimulator(sim, { port });
const stopFlusher = startRealTimeFlusher(sim);
console.log(`[simulator] WhatsApp Cloud API simulator on ${server.url}, webhooks to ${webhookUrl}`);
console.log(`[simulator] act as a shopper: POST ${server.url}/_sim/reply {"from","text"}, /_sim/tap {"from","button"}, /_sim/click {"from"}; GET ${server.url}/_sim/messages`);

async function shutdown(): Promise<void> {
  stopFlusher();
  await server.close();
  process.exit(0);
}
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
