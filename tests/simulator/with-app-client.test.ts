// The app's own WhatsApp client and webhook parser against the simulator: what the simulator says must be
// what the app understands.
import { describe, expect, it } from "vitest";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { parseWhatsAppWebhook } from "~/.server/whatsapp/parse-webhook";
import { isValidWhatsAppSignature } from "~/.server/whatsapp/signature";
import type { ParsedWebhook, TemplateComponent } from "~/.server/whatsapp/types";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, SHOPPER, SHOPPER_DIGITS, START, createHarness } from "./helpers";

function setup() {
  const harness = createHarness();
  const client = createWhatsAppClient({ baseUrl: "http://127.0.0.1:4010", apiVersion: "v24.0", phoneNumberId: PHONE_NUMBER_ID, accessToken: ACCESS_TOKEN, fetch: harness.sim.fetch });
  const parsed = (): ParsedWebhook[] =>
    harness.delivered.map((d) => {
      expect(isValidWhatsAppSignature(d.rawBody, d.signature, APP_SECRET)).toBe(true);
      const result = parseWhatsAppWebhook(JSON.parse(d.rawBody));
      if (!result.ok) throw new Error(result.reason);
      return result.value;
    });
  return { ...harness, client, parsed };
}

const optInComponents: TemplateComponent[] = [
  { type: "body", parameters: [{ type: "text", text: "Demo Shop" }] },
  { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "OPT_IN_YES" }] },
];

describe("the app's client and parser against the simulator", () => {
  it("a send, its statuses and a button tap round-trip", async () => {
    const { client, sim, clock, parsed } = setup();
    const result = await client.sendTemplate({ to: SHOPPER, template: "momento_opt_in_confirmation", language: "de", components: optInComponents, bizOpaqueCallbackData: "msg-1" });
    expect(result).toEqual({ ok: true, waMessageId: sim.sent[0].wamid, waId: SHOPPER_DIGITS, messageStatus: "accepted" });

    clock.advance(90_000);
    sim.tapButton(SHOPPER, 0);
    await sim.flushDue();
    const [statuses, tap] = parsed();
    expect(statuses.statuses.map((s) => [s.status, s.waMessageId, s.recipientId, s.bizOpaqueCallbackData, s.timestamp.getTime() - START.getTime()])).toEqual([
      ["sent", sim.sent[0].wamid, SHOPPER_DIGITS, "msg-1", 1000],
      ["delivered", sim.sent[0].wamid, SHOPPER_DIGITS, "msg-1", 5000],
      ["read", sim.sent[0].wamid, SHOPPER_DIGITS, "msg-1", 60_000],
    ]);
    expect(statuses.statuses[0].pricingCategory).toBe("utility");
    expect(tap.inbound).toEqual([
      expect.objectContaining({ from: SHOPPER_DIGITS, type: "button", buttonPayload: "OPT_IN_YES", buttonText: "Ja, anmelden", contextWaMessageId: sim.sent[0].wamid }),
    ]);
  });

  it("sync and async failures reach the app with Meta's codes", async () => {
    const { client, sim, clock, parsed } = setup();
    sim.setRecipient(SHOPPER, { failWith: 131056 });
    expect(await client.sendTemplate({ to: SHOPPER, template: "momento_opt_in_confirmation", language: "de", components: optInComponents })).toMatchObject({ ok: false, code: 131056, httpStatus: 400, retry: "retry" });
    expect(await client.sendTemplate({ to: "+4917600000001", template: "momento_opt_in_confirmation", language: "de", components: [] })).toMatchObject({ ok: false, code: 132000, retry: "never" });

    sim.setRecipient(SHOPPER, { failWith: 131049 });
    expect(await client.sendTemplate({ to: SHOPPER, template: "momento_opt_in_confirmation", language: "de", components: optInComponents })).toMatchObject({ ok: true });
    clock.advance(2000);
    await sim.flushDue();
    const [{ statuses }] = parsed();
    expect(statuses).toEqual([expect.objectContaining({ status: "failed", errors: [expect.objectContaining({ code: 131049 })] })]);
  });

  it("a text reply parses as inbound text", async () => {
    const { sim, parsed } = setup();
    sim.reply(SHOPPER, "STOPP");
    await sim.flushDue();
    expect(parsed()[0].inbound).toEqual([expect.objectContaining({ from: SHOPPER_DIGITS, type: "text", text: "STOPP" })]);
  });
});
