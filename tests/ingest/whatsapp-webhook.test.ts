import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "~/.server/db";
import { signWhatsAppBody } from "~/.server/whatsapp/signature";
import { callRoute } from "../../simulator/in-process-app";
import { fixture } from "../fixtures";

const db = createDb(process.env.DATABASE_URL!);
afterAll(() => db.$disconnect());
const url = new URL("/webhooks/whatsapp", process.env.SHOPIFY_APP_URL).toString();

function post(raw: string, signature = signWhatsAppBody(raw, process.env.WHATSAPP_APP_SECRET!)) {
  return callRoute(new Request(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature }, body: raw }));
}

/** The real "sent" status sample with its wamid replaced by ours. */
function statusBody(waMessageId: string, status: "sent" | "delivered" | "read", timestamp: number) {
  const body = fixture<{ entry: { changes: { value: { statuses: Record<string, unknown>[] } }[] }[] }>("whatsapp/webhook_status_sent_pmp_meta_docs.json");
  Object.assign(body.entry[0].changes[0].value.statuses[0], { id: waMessageId, status, timestamp: String(timestamp) });
  return JSON.stringify(body);
}

describe("GET /webhooks/whatsapp (Meta's verification handshake)", () => {
  it("echoes hub.challenge for our verify token", async () => {
    const response = await callRoute(new Request(`${url}?hub.mode=subscribe&hub.verify_token=${process.env.WHATSAPP_VERIFY_TOKEN}&hub.challenge=1158201444`));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("1158201444");
  });

  it("refuses a wrong token", async () => {
    const response = await callRoute(new Request(`${url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`));
    expect(response.status).toBe(403);
  });
});

describe("POST /webhooks/whatsapp", () => {
  it("applies a status to the message with that wamid, and never moves it backwards", async () => {
    const message = await db.message.create({
      data: { shop: "s.myshopify.com", flow: "order_confirmation", dedupeKey: "k1", category: "UTILITY", template: "t", language: "de", components: "[]", status: "SENT", waMessageId: "wamid.route-test", sendAfter: new Date(), createdAt: new Date(), sentAt: new Date(1_750_000_000_000) },
    });
    expect((await post(statusBody("wamid.route-test", "read", 1_750_000_100))).status).toBe(200);
    expect((await post(statusBody("wamid.route-test", "delivered", 1_750_000_050))).status).toBe(200);
    const after = await db.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(after.status).toBe("READ");
    expect(after.readAt?.toISOString()).toBe(new Date(1_750_000_100_000).toISOString());
    expect(after.deliveredAt).not.toBeNull();
  });

  it("answers 401 to a bad signature and changes nothing", async () => {
    const before = await db.messageEvent.count();
    const response = await post(statusBody("wamid.route-test", "read", 1), "sha256=" + "0".repeat(64));
    expect(response.status).toBe(401);
    expect(await db.messageEvent.count()).toBe(before);
  });

  it("answers 400 to malformed JSON and to a body that is not a WhatsApp webhook", async () => {
    expect((await post("{not json")).status).toBe(400);
    const response = await post(JSON.stringify({ object: "page", entry: [] }));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/^Unexpected webhook body: /);
  });

  it("accepts inbound messages and statuses for unknown messages without failing", async () => {
    expect((await post(JSON.stringify(fixture("whatsapp/webhook_inbound_text_pywa.json")))).status).toBe(200);
    expect((await post(statusBody("wamid.unknown", "delivered", 1)) ).status).toBe(200);
  });
});
