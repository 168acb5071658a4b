import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseWhatsAppWebhook } from "~/.server/whatsapp/parse-webhook";
import type { ParsedWebhook } from "~/.server/whatsapp/types";
import { fixture } from "../fixtures";

type WebhookFixture = `whatsapp/webhook_${string}.json`;
interface Envelope {
  object: string;
  entry: { id: string; changes: { field: string; value: Record<string, unknown> }[] }[];
}

function parsedWithReceivers(body: unknown): ParsedWebhook {
  const result = parseWhatsAppWebhook(body);
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.value;
}

/** The signals without their receiving number (tested on its own below), so shapes can be compared exactly. */
function parsed(body: unknown): ParsedWebhook {
  const value = parsedWithReceivers(body);
  const strip = <T extends { receivedBy: unknown }>(signal: T) => {
    const { receivedBy: _receivedBy, ...rest } = signal;
    return rest as T;
  };
  return { ...value, statuses: value.statuses.map(strip), inbound: value.inbound.map(strip), userPreferences: value.userPreferences.map(strip) };
}

function failureReason(body: unknown): string {
  const result = parseWhatsAppWebhook(body);
  if (result.ok) throw new Error("expected the body to be rejected");
  return result.reason;
}

const seconds = (s: number) => new Date(s * 1000);

// What each real webhook fixture must turn into: [statuses, inbound, userPreferences, errors].
const counts: Record<string, [number, number, number, number]> = {
  webhook_inbound_button_quick_reply_pywa: [0, 1, 0, 0],
  webhook_inbound_button_quick_reply_recorded: [0, 1, 0, 0],
  webhook_inbound_interactive_button_reply_pywa: [0, 1, 0, 0],
  webhook_inbound_text_pywa: [0, 1, 0, 0],
  webhook_inbound_text_username_bsuid_meta_docs: [0, 1, 0, 0],
  webhook_inbound_unsupported_with_errors_131000_pywa: [0, 1, 0, 1],
  webhook_status_delivered_pmp_bsuid_meta_docs: [1, 0, 0, 0],
  webhook_status_delivered_pywa: [1, 0, 0, 0],
  webhook_status_delivered_recorded: [1, 0, 0, 0],
  webhook_status_failed_130472_pywa: [1, 0, 0, 0],
  webhook_status_failed_131049_meta_docs: [1, 0, 0, 0],
  webhook_status_read_pywa: [1, 0, 0, 0],
  webhook_status_read_recorded: [1, 0, 0, 0],
  webhook_status_sent_cbp_utility_recorded: [1, 0, 0, 0],
  webhook_status_sent_pmp_meta_docs: [1, 0, 0, 0],
  webhook_status_sent_pywa: [1, 0, 0, 0],
  webhook_status_sent_v24_no_pricing_meta_docs: [1, 0, 0, 0],
  webhook_template_category_update_pywa: [0, 0, 0, 0],
  webhook_template_quality_update_pywa: [0, 0, 0, 0],
  webhook_template_status_approved_pywa: [0, 0, 0, 0],
  webhook_template_status_rejected_pywa: [0, 0, 0, 0],
  webhook_user_preferences_resume_pywa: [0, 0, 1, 0],
};

const webhookFixtures = readdirSync(new URL("../fixtures/whatsapp/", import.meta.url))
  .filter((name) => name.startsWith("webhook_") && name.endsWith(".json"))
  .map((name) => name.replace(/\.json$/, ""));

describe("parseWhatsAppWebhook over every webhook fixture", () => {
  it("has an expectation for every webhook_* fixture", () => {
    expect(webhookFixtures.sort()).toEqual(Object.keys(counts).sort());
  });

  it.each(webhookFixtures)("%s", (name) => {
    const value = parsed(fixture(`whatsapp/${name}.json` as WebhookFixture));
    expect([value.statuses.length, value.inbound.length, value.userPreferences.length, value.errors.length]).toEqual(counts[name]);
  });
});

describe("parseWhatsAppWebhook: the receiving number (decision 004, step 0)", () => {
  it("carries each change's metadata.phone_number_id and the entry's WABA into statuses, messages and preferences", () => {
    const status = parsedWithReceivers(fixture("whatsapp/webhook_status_delivered_pywa.json")).statuses[0];
    const message = parsedWithReceivers(fixture("whatsapp/webhook_inbound_text_pywa.json")).inbound[0];
    const preference = parsedWithReceivers(fixture("whatsapp/webhook_user_preferences_resume_pywa.json")).userPreferences[0];
    expect(preference.receivedBy).toEqual({ phoneNumberId: "106540352242922", wabaId: "102290129340398" });
    for (const signal of [status, message]) expect(signal.receivedBy.phoneNumberId).toMatch(/^\d+$/);
  });

  it("attributes a change without metadata to its entry's WABA, as the signature check does", () => {
    const body = fixture<Envelope>("whatsapp/webhook_inbound_text_pywa.json");
    delete body.entry[0].changes[0].value.metadata;
    body.entry[0].id = "555000555";
    expect(parsedWithReceivers(body).inbound[0].receivedBy).toEqual({ phoneNumberId: null, wabaId: "555000555" });
  });
});

describe("parseWhatsAppWebhook: statuses", () => {
  it("reads a recorded sent status with its pricing category", () => {
    expect(parsed(fixture("whatsapp/webhook_status_sent_cbp_utility_recorded.json")).statuses).toEqual([
      {
        waMessageId: "wamid.HBgJOTcxNTA5MzY0MTc4FQIAEhggOTlCRjc0N0IyRjVBNzBCRTUyODRBQjM1RTczQkQxNUIA",
        status: "sent",
        timestamp: seconds(1736960889),
        recipientId: "971509364178",
        errors: [],
        pricingCategory: "utility",
      },
    ]);
  });

  it("reads delivered and read statuses without pricing", () => {
    const [delivered] = parsed(fixture("whatsapp/webhook_status_delivered_recorded.json")).statuses;
    const [read] = parsed(fixture("whatsapp/webhook_status_read_recorded.json")).statuses;
    expect(delivered).toMatchObject({ status: "delivered", timestamp: seconds(1736960889) });
    expect(delivered).not.toHaveProperty("pricingCategory");
    expect(read).toMatchObject({ status: "read", timestamp: seconds(1736960892), recipientId: "971509364178" });
  });

  it("reads the v24 sent status that has neither conversation nor pricing", () => {
    const [sent] = parsed(fixture("whatsapp/webhook_status_sent_v24_no_pricing_meta_docs.json")).statuses;
    expect(sent).toEqual({
      waMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
      status: "sent",
      timestamp: seconds(1750030073),
      recipientId: "16505551234",
      errors: [],
    });
  });

  it("reads a PMP marketing status", () => {
    expect(parsed(fixture("whatsapp/webhook_status_sent_pmp_meta_docs.json")).statuses[0].pricingCategory).toBe("marketing");
  });

  it("takes the business-scoped user id of the recipient from the change's contacts", () => {
    const [delivered] = parsed(fixture("whatsapp/webhook_status_delivered_pmp_bsuid_meta_docs.json")).statuses;
    expect(delivered).toMatchObject({
      status: "delivered",
      recipientId: "16505551234",
      userId: "user.9373795779eb6441c8adb2eaee5b848e7dd174ddd302d7db62142f4722d574b6",
      pricingCategory: "marketing",
    });
  });

  it("reads failed statuses with their errors", () => {
    expect(parsed(fixture("whatsapp/webhook_status_failed_131049_meta_docs.json")).statuses[0]).toMatchObject({
      status: "failed",
      timestamp: seconds(1751142888),
      errors: [
        {
          code: 131049,
          title: "This message was not delivered to maintain healthy ecosystem engagement.",
          details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
        },
      ],
    });
    expect(parsed(fixture("whatsapp/webhook_status_failed_130472_pywa.json")).statuses[0].errors).toEqual([
      {
        code: 130472,
        title: "User's number is part of an experiment",
        details: "Failed to send message because this user's phone number is part of an experiment",
      },
    ]);
  });

  it("reads biz_opaque_callback_data, recipient_user_id and an empty recipient_id", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_sent_v24_no_pricing_meta_docs.json");
    Object.assign((body.entry[0].changes[0].value.statuses as Record<string, unknown>[])[0], {
      recipient_id: "",
      recipient_user_id: "US.13491208655302741918",
      biz_opaque_callback_data: "msg_42",
    });
    expect(parsed(body).statuses[0]).toMatchObject({
      recipientId: "",
      userId: "US.13491208655302741918",
      bizOpaqueCallbackData: "msg_42",
    });
  });

  it("skips statuses Momento does not track (played, deleted) instead of failing", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_read_recorded.json");
    const statuses = body.entry[0].changes[0].value.statuses as Record<string, unknown>[];
    statuses.push({ ...statuses[0], id: "wamid.voice", status: "played" }, { id: "wamid.gone", status: "deleted" });
    expect(parsed(body).statuses.map((s) => s.waMessageId)).toEqual([statuses[0].id]);
  });
});

describe("parseWhatsAppWebhook: inbound messages", () => {
  it("reads a text message and the sender's user id", () => {
    expect(parsed(fixture("whatsapp/webhook_inbound_text_pywa.json")).inbound).toEqual([
      {
        waMessageId: "wamid.xyzxyz",
        from: "972987654321",
        userId: "US.13491208655302741918",
        timestamp: seconds(1697043223),
        type: "text",
        text: "Body Text",
      },
    ]);
  });

  it("reads a text from a username user whose phone is empty", () => {
    expect(parsed(fixture("whatsapp/webhook_inbound_text_username_bsuid_meta_docs.json")).inbound).toEqual([
      {
        waMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
        from: "",
        userId: "user.93737...",
        timestamp: seconds(1749416383),
        type: "text",
        text: "Does it come in another color?",
      },
    ]);
  });

  it("reads a recorded template quick-reply tap with the template's wamid as context", () => {
    expect(parsed(fixture("whatsapp/webhook_inbound_button_quick_reply_recorded.json")).inbound).toEqual([
      {
        waMessageId: "wamid.HBgJOTcxNTA5MzY0MTc4FQIAEhggMzZGRUJGMThGRDQ3MkZCQUQ5RjY1OEJGQTlEMDQ1NDMA",
        from: "971509364178",
        timestamp: seconds(1736960900),
        type: "button",
        buttonPayload: "Send me the invite",
        buttonText: "Send me the invite",
        contextWaMessageId: "wamid.HBgJOTcxNTA5MzY0MTc4FQIAEhggOTlCRjc0N0IyRjVBNzBCRTUyODRBQjM1RTczQkQxNUIA",
      },
    ]);
    expect(parsed(fixture("whatsapp/webhook_inbound_button_quick_reply_pywa.json")).inbound[0]).toMatchObject({
      type: "button",
      buttonPayload: "callback_data",
      buttonText: "title",
      contextWaMessageId: "wamid.xyzxyz==",
      userId: "US.13491208655302741918",
    });
  });

  it("reads an interactive button_reply as payload id and title", () => {
    expect(parsed(fixture("whatsapp/webhook_inbound_interactive_button_reply_pywa.json")).inbound[0]).toEqual({
      waMessageId: "wamid.xyzxyz",
      from: "972987654321",
      userId: "US.13491208655302741918",
      timestamp: seconds(1698266730),
      type: "interactive",
      buttonPayload: "callback_data",
      buttonText: "title",
      contextWaMessageId: "wamid.xyzxyz",
    });
  });

  it("keeps an unsupported message with its type only and collects value.errors", () => {
    const value = parsed(fixture("whatsapp/webhook_inbound_unsupported_with_errors_131000_pywa.json"));
    expect(value.inbound[0]).toEqual({
      waMessageId: "wamid.wegrchytvwcggt=",
      from: "972987654321",
      userId: "US.13491208655302741918",
      timestamp: seconds(1700505494),
      type: "interactive",
      contextWaMessageId: "wamid.gvwegfretge==",
    });
    expect(value.errors).toEqual([{ code: 131000, title: "Something went wrong", details: "Unsupported webhook payload" }]);
  });

  it("keeps other message types (image, reaction, …) with their type", () => {
    const body = fixture<Envelope>("whatsapp/webhook_inbound_text_pywa.json");
    body.entry[0].changes[0].value.messages = [
      { from: "972987654321", id: "wamid.img", timestamp: "1697043300", type: "image", image: { id: "123", mime_type: "image/jpeg" } },
    ];
    expect(parsed(body).inbound).toEqual([
      { waMessageId: "wamid.img", from: "972987654321", userId: "US.13491208655302741918", timestamp: seconds(1697043300), type: "image" },
    ]);
  });
});

describe("parseWhatsAppWebhook: user preferences", () => {
  it("reads a marketing resume with its numeric timestamp", () => {
    expect(parsed(fixture("whatsapp/webhook_user_preferences_resume_pywa.json")).userPreferences).toEqual([
      { waId: "16505551234", category: "marketing_messages", value: "resume", timestamp: seconds(1731705721) },
    ]);
  });

  it("reads a stop (same shape, value stop)", () => {
    const body = fixture<Envelope>("whatsapp/webhook_user_preferences_resume_pywa.json");
    Object.assign((body.entry[0].changes[0].value.user_preferences as Record<string, unknown>[])[0], {
      wa_id: "972987654321",
      value: "stop",
      detail: "User requested to stop marketing messages",
    });
    expect(parsed(body).userPreferences).toEqual([
      {
        waId: "972987654321",
        userId: "US.13491208655302741918",
        category: "marketing_messages",
        value: "stop",
        timestamp: seconds(1731705721),
      },
    ]);
  });
});

describe("parseWhatsAppWebhook: batches", () => {
  it("flattens several entries and changes from one POST, in order, ignoring template updates", () => {
    const parts: WebhookFixture[] = [
      "whatsapp/webhook_status_sent_cbp_utility_recorded.json",
      "whatsapp/webhook_template_status_approved_pywa.json",
      "whatsapp/webhook_status_delivered_recorded.json",
      "whatsapp/webhook_inbound_button_quick_reply_recorded.json",
      "whatsapp/webhook_user_preferences_resume_pywa.json",
      "whatsapp/webhook_template_quality_update_pywa.json",
      "whatsapp/webhook_status_read_recorded.json",
      "whatsapp/webhook_inbound_unsupported_with_errors_131000_pywa.json",
    ];
    const entries = parts.flatMap((name) => fixture<Envelope>(name).entry);
    // Several changes in one entry as well.
    const twoChanges = { id: "583457838212229", changes: entries.slice(0, 3).flatMap((e) => e.changes) };
    const body = { object: "whatsapp_business_account", entry: [twoChanges, ...entries.slice(3)] };

    const value = parsed(body);
    expect(value.statuses.map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
    expect(value.inbound.map((m) => m.type)).toEqual(["button", "interactive"]);
    expect(value.userPreferences.map((p) => p.value)).toEqual(["resume"]);
    expect(value.errors.map((e) => e.code)).toEqual([131000]);
  });

  it("handles a batch of 1,000 status updates", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_delivered_recorded.json");
    const template = (body.entry[0].changes[0].value.statuses as Record<string, unknown>[])[0];
    body.entry[0].changes[0].value.statuses = Array.from({ length: 1000 }, (_, i) => ({ ...template, id: `wamid.${i}` }));
    const value = parsed(body);
    expect(value.statuses).toHaveLength(1000);
    expect(value.statuses[999].waMessageId).toBe("wamid.999");
  });

  it("accepts an empty entry list", () => {
    expect(parsed({ object: "whatsapp_business_account", entry: [] })).toEqual({ statuses: [], inbound: [], userPreferences: [], templateStatuses: [], errors: [] });
  });
});

describe("parseWhatsAppWebhook: malformed bodies", () => {
  it.each([
    ["a string", "hello"],
    ["null", null],
    ["an array", [1, 2]],
    ["a number", 42],
  ])("rejects %s", (_label, body) => {
    expect(failureReason(body)).toMatch(/^body: .*expected object/);
  });

  it("rejects another object type", () => {
    const body = { ...fixture<Envelope>("whatsapp/webhook_status_read_recorded.json"), object: "page" };
    expect(failureReason(body)).toMatch(/^body\.object: .*whatsapp_business_account/);
  });

  it("rejects a body without entry", () => {
    expect(failureReason({ object: "whatsapp_business_account" })).toMatch(/^body\.entry: /);
  });

  it("rejects a change without field", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_read_recorded.json");
    delete (body.entry[0].changes[0] as Partial<Envelope["entry"][0]["changes"][0]>).field;
    expect(failureReason(body)).toMatch(/^body\.entry\[0\]\.changes\[0\]\.field: /);
  });

  it("names the malformed status and never echoes its values", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_read_recorded.json");
    Object.assign((body.entry[0].changes[0].value.statuses as Record<string, unknown>[])[0], { recipient_id: 971509364178 });
    const reason = failureReason(body);
    expect(reason).toMatch(/^body\.entry\[0\]\.changes\[0\]\.value\.statuses\[0\]\.recipient_id: /);
    expect(reason).not.toContain("971509364178");
  });

  it("rejects a status timestamp that is not unix seconds", () => {
    const body = fixture<Envelope>("whatsapp/webhook_status_sent_pywa.json");
    Object.assign((body.entry[0].changes[0].value.statuses as Record<string, unknown>[])[0], { timestamp: "2026-01-01T00:00:00Z" });
    expect(failureReason(body)).toMatch(/statuses\[0\]\.timestamp: expected unix seconds/);
  });

  it("rejects an inbound message without id, and a text without body", () => {
    const noId = fixture<Envelope>("whatsapp/webhook_inbound_text_pywa.json");
    delete (noId.entry[0].changes[0].value.messages as Record<string, unknown>[])[0].id;
    expect(failureReason(noId)).toMatch(/messages\[0\]\.id: /);

    const noBody = fixture<Envelope>("whatsapp/webhook_inbound_text_pywa.json");
    (noBody.entry[0].changes[0].value.messages as Record<string, unknown>[])[0].text = {};
    const reason = failureReason(noBody);
    expect(reason).toMatch(/messages\[0\]\.text\.body: /);
  });

  it("rejects user_preferences without a value", () => {
    const body = fixture<Envelope>("whatsapp/webhook_user_preferences_resume_pywa.json");
    delete (body.entry[0].changes[0].value.user_preferences as Record<string, unknown>[])[0].value;
    expect(failureReason(body)).toMatch(/user_preferences\[0\]\.value: /);
  });
});
