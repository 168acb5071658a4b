import { describe, expect, it } from "vitest";
import {
  chooseShops,
  classifyMessage,
  consentInboundsFromWebhook,
  normalizeReply,
  type ConsentAction,
  type ShopCandidates,
} from "~/.server/consent/inbound";
import { parseWhatsAppWebhook } from "~/.server/whatsapp/parse-webhook";
import type { InboundMessage, ParsedWebhook } from "~/.server/whatsapp/types";
import { fixture } from "../fixtures";
import { buttonWebhook, failedStatusWebhook, textWebhook, userPreferenceWebhook } from "./helpers";

const AT = new Date("2026-03-02T10:00:00.000Z");

describe("normalizeReply", () => {
  it.each([
    ["JA", "ja"],
    ["  Ja,   bitte! ", "ja bitte"],
    ["„Ja, anmelden“", "ja anmelden"],
    ["Yes, subscribe.", "yes subscribe"],
    ["STOPP 👋", "stopp"],
    ["ＳＴＯＰ", "stop"],
    ["ja\n\tbitte", "ja bitte"],
  ])("%j → %j", (input, expected) => expect(normalizeReply(input)).toBe(expected));
});

describe("classifyMessage: text replies", () => {
  const cases: [string, ConsentAction | null, string | null][] = [
    ["JA", "confirm", "text:JA"],
    ["ja", "confirm", "text:JA"],
    ["Ja bitte", "confirm", "text:JA BITTE"],
    ["ja, bitte!!", "confirm", "text:JA BITTE"],
    ["„Ja, anmelden“", "confirm", "text:JA ANMELDEN"],
    ["YES", "confirm", "text:YES"],
    ["Yes, subscribe", "confirm", "text:YES SUBSCRIBE"],
    ["yes 👍", "confirm", "text:YES"],
    ["Nein", "decline", "text:NEIN"],
    ["no thanks", "decline", "text:NO THANKS"],
    ["STOP", "revoke", "text:STOP"],
    ["stop.", "revoke", "text:STOP"],
    ["Stopp", "revoke", "text:STOPP"],
    ["ABMELDEN", "revoke", "text:ABMELDEN"],
    ["unsubscribe", "revoke", "text:UNSUBSCRIBE"],
    ["START", "resume", "text:START"],
    ["Resume", "resume", "text:RESUME"],
    // Not ours: a sentence that merely contains a keyword is not a decision.
    ["ja klar, aber wann kommt mein Paket?", null, null],
    ["please stop sending the wrong size", null, null],
    ["Hallo", null, null],
    ["", null, null],
    ["!!!", null, null],
  ];
  it.each(cases)("%j → %s", (text, action, matched) => {
    expect(classifyMessage({ type: "text", text })).toEqual({ action, source: "whatsapp_reply", matched });
  });
});

describe("classifyMessage: buttons", () => {
  const cases: [string, Partial<InboundMessage>, ConsentAction | null, string | null][] = [
    ["our yes payload", { buttonPayload: "CONSENT_YES", buttonText: "Ja, anmelden" }, "confirm", "button:CONSENT_YES"],
    ["our no payload", { buttonPayload: "CONSENT_NO", buttonText: "Nein, danke" }, "decline", "button:CONSENT_NO"],
    ["payload wins over the title", { buttonPayload: "CONSENT_NO", buttonText: "Yes, subscribe" }, "decline", "button:CONSENT_NO"],
    ["no payload parameter: the title is the payload", { buttonPayload: "Ja, anmelden", buttonText: "Ja, anmelden" }, "confirm", "button:JA ANMELDEN"],
    ["an English title", { buttonPayload: "Yes, subscribe", buttonText: "Yes, subscribe" }, "confirm", "button:YES SUBSCRIBE"],
    ["an interactive reply titled STOP", { type: "interactive", buttonPayload: "opt-out-1", buttonText: "STOP" }, "revoke", "button:STOP"],
    ["another template's button", { buttonPayload: "Send me the invite", buttonText: "Send me the invite" }, null, null],
  ];
  it.each(cases)("%s", (_name, message, action, matched) => {
    expect(classifyMessage({ type: "button", ...message })).toEqual({ action, source: "whatsapp_button", matched });
  });
});

function parsed(body: unknown): ParsedWebhook {
  const result = parseWhatsAppWebhook(body);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe("consentInboundsFromWebhook (real webhook shapes)", () => {
  it("a text reply: the sender's E.164, the wamid as proof and signal id", () => {
    const { body, wamid } = textWebhook("+4915112345678", "Ja bitte", AT);
    expect(consentInboundsFromWebhook(parsed(body))).toEqual([
      {
        signalId: wamid, phone: "+4915112345678", waUserId: null, action: "confirm", source: "whatsapp_reply", matched: "text:JA BITTE",
        inboundWaMessageId: wamid, contextWaMessageId: null, contextMessageId: null, at: AT,
      },
    ]);
  });

  it("a quick-reply tap keeps the wamid of the message it answers", () => {
    const { body, wamid } = buttonWebhook("+4915112345678", "CONSENT_YES", "Ja, anmelden", "wamid.doi", AT);
    expect(consentInboundsFromWebhook(parsed(body))[0]).toMatchObject({ signalId: wamid, action: "confirm", source: "whatsapp_button", contextWaMessageId: "wamid.doi" });
  });

  it("a username-only sender is matched by the business-scoped user id", () => {
    const [signal] = consentInboundsFromWebhook(parsed(fixture("whatsapp/webhook_inbound_text_username_bsuid_meta_docs.json")));
    expect(signal.phone).toBeNull();
    expect(signal.waUserId).toMatch(/\./);
  });

  it("user_preferences stop/resume, with an id made of who, what and when", () => {
    const [stop] = consentInboundsFromWebhook(parsed(userPreferenceWebhook("+4915112345678", "stop", AT)));
    expect(stop).toMatchObject({ phone: "+4915112345678", action: "revoke", source: "user_preferences", matched: "user_preferences:stop", inboundWaMessageId: null });
    expect(stop.signalId).toBe(`user_preferences:4915112345678:stop:${AT.getTime()}`);
    const [resume] = consentInboundsFromWebhook(parsed(fixture("whatsapp/webhook_user_preferences_resume_pywa.json")));
    expect(resume).toMatchObject({ phone: "+16505551234", action: "resume", source: "user_preferences" });
  });

  it("a failed status with 131050 revokes; other failures and statuses are not consent signals", () => {
    const signals = consentInboundsFromWebhook(parsed(failedStatusWebhook("wamid.m1", "+4915112345678", 131050, AT)));
    expect(signals).toEqual([
      expect.objectContaining({ signalId: "error_131050:wamid.m1", phone: "+4915112345678", action: "revoke", source: "error_131050", contextWaMessageId: "wamid.m1" }),
    ]);
    expect(consentInboundsFromWebhook(parsed(failedStatusWebhook("wamid.m2", "+4915112345678", 131049, AT)))).toEqual([]);
    expect(consentInboundsFromWebhook(parsed(fixture("whatsapp/webhook_status_delivered_recorded.json")))).toEqual([]);
  });
});

describe("chooseShops (decision 004)", () => {
  const none: ShopCandidates = { contextShop: null, latestMessageShop: null, consents: [] };
  const cases: [string, ConsentAction, ShopCandidates, string[]][] = [
    ["nobody knows the number", "confirm", none, []],
    ["revoke: nobody knows the number", "revoke", none, []],
    ["confirm: the tapped message's shop", "confirm", { ...none, contextShop: "a", consents: [{ shop: "b", state: "REQUESTED" }] }, ["a"]],
    ["confirm: the shop with the pending request", "confirm", { ...none, latestMessageShop: "a", consents: [{ shop: "a", state: "CONFIRMED" }, { shop: "b", state: "REQUESTED" }] }, ["b"]],
    ["confirm: the latest pending request of two", "confirm", { ...none, consents: [{ shop: "c", state: "REQUESTED" }, { shop: "b", state: "REQUESTED" }] }, ["c"]],
    ["confirm: else the latest message's shop", "confirm", { ...none, latestMessageShop: "a", consents: [{ shop: "b", state: "CONFIRMED" }] }, ["a"]],
    ["confirm: else the latest consent", "confirm", { ...none, consents: [{ shop: "b", state: "CONFIRMED" }] }, ["b"]],
    ["decline: like confirm", "decline", { ...none, latestMessageShop: "a", consents: [{ shop: "b", state: "REQUESTED" }] }, ["b"]],
    ["revoke: every shop that knows the number", "revoke", { ...none, latestMessageShop: "a", consents: [{ shop: "a", state: "CONFIRMED" }, { shop: "b", state: "REQUESTED" }, { shop: "c", state: "REVOKED" }] }, ["a", "b", "c"]],
    ["revoke: not where the data is erased", "revoke", { ...none, consents: [{ shop: "a", state: "REDACTED" }, { shop: "b", state: "CONFIRMED" }] }, ["b"]],
    ["revoke: plus the failed message's shop", "revoke", { ...none, contextShop: "x", consents: [{ shop: "b", state: "CONFIRMED" }] }, ["b", "x"]],
    ["revoke: without consent rows, the latest message's shop", "revoke", { ...none, latestMessageShop: "a" }, ["a"]],
    ["resume: the shop where it was revoked", "resume", { ...none, latestMessageShop: "a", consents: [{ shop: "a", state: "CONFIRMED" }, { shop: "b", state: "REVOKED" }] }, ["b"]],
    ["resume: else the latest message's shop", "resume", { ...none, latestMessageShop: "a" }, ["a"]],
  ];
  it.each(cases)("%s", (_name, action, candidates, expected) => {
    expect(chooseShops(action, candidates)).toEqual(expected);
  });
});
