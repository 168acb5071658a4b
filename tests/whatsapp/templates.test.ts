// Template sync and approval, the pure parts: Meta's list pages, status webhooks, the event → status mapping,
// the approval verdict and the send-time step it drives, and the ids that choose a webhook's app secret.
import { describe, expect, it } from "vitest";
import { templateCheck } from "~/.server/outbox/gate";
import type { SyncedTemplate } from "~/.server/settings/schema";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { fallbackLanguage, parseTemplatePage, statusAfterEvent, templateApproval, toSyncedTemplate } from "~/.server/templates/whatsapp-templates";
import { parseWhatsAppWebhook } from "~/.server/whatsapp/parse-webhook";
import { webhookIds } from "~/.server/whatsapp/webhook-secret";
import { fixture, rawFixture } from "../fixtures";

describe("parseTemplatePage (GET /{waba-id}/message_templates)", () => {
  it("reads Meta's full list sample: names, languages, statuses, components kept whole, the next page", () => {
    const page = parseTemplatePage(fixture("whatsapp/template_list_full_response_meta_docs.json"));
    expect(page.ok).toBe(true);
    if (!page.ok) return;
    expect(page.next).toMatch(/^https:\/\/graph\.facebook\.com\//);
    expect(page.templates.map((t) => [t.name, t.language, t.status, t.category])).toContainEqual(["coupon_expiration_reminder_number_vars", "en", "APPROVED", "MARKETING"]);
    const coupon = page.templates.find((t) => t.name === "coupon_expiration_reminder_number_vars")!;
    expect(coupon.metaId).toBe("1304694804498707");
    expect(coupon.components.map((c) => (c as { type: string }).type)).toEqual(["HEADER", "BODY", "FOOTER", "BUTTONS"]);
    expect(toSyncedTemplate(coupon)).toMatchObject({ parameters: 2, buttons: [{ type: "URL", text: "See deals" }, { type: "QUICK_REPLY", text: "Unsubscribe" }] });
  });

  it.each([
    ["a page without languages (fields=name,category,status)", fixture("whatsapp/template_list_fields_response_meta_docs.json"), /language/],
    ["no data array", { paging: {} }, /data/],
    ["a status that is not a string", { data: [{ name: "a", language: "de", category: "UTILITY", status: 1 }] }, /status/],
    ["not an object", "nope", /body|expected/],
  ])("refuses %s", (_label, json, reason) => {
    const page = parseTemplatePage(json);
    expect(page.ok).toBe(false);
    if (!page.ok) expect(page.reason).toMatch(reason);
  });

  it.each([
    [{ rejected_reason: "NONE", status: "approved" }, { rejectedReason: null, status: "APPROVED" }],
    [{ rejected_reason: "INVALID_FORMAT", status: "REJECTED" }, { rejectedReason: "INVALID_FORMAT", status: "REJECTED" }],
    [{ status: "PENDING" }, { rejectedReason: null, status: "PENDING", next: null }],
  ])("reads %o as %o", (fields, expected) => {
    const page = parseTemplatePage({ data: [{ name: "t", language: "de", category: "UTILITY", ...fields }] });
    expect(page.ok && { ...page.templates[0], next: page.next }).toMatchObject(expected);
  });
});

describe("message_template_status_update webhooks", () => {
  it.each([
    ["whatsapp/webhook_template_status_approved_pywa.json", { wabaId: "102290129340398", event: "APPROVED", name: "order_confirmation", language: "en_US", category: "UTILITY", reason: "NONE", metaId: "1689556908129832" }],
    ["whatsapp/webhook_template_status_rejected_pywa.json", { wabaId: "102290129340398", event: "REJECTED", name: "abandoned_cart", language: "en", category: "MARKETING", reason: "INVALID_FORMAT", metaId: "1689556908129835" }],
  ] as const)("parses %s", (name, expected) => {
    const parsed = parseWhatsAppWebhook(fixture(name));
    expect(parsed).toEqual({ ok: true, value: { statuses: [], inbound: [], userPreferences: [], errors: [], templateStatuses: [expected] } });
  });

  it("ignores quality and category updates, and names the field of a malformed status update", () => {
    expect(parseWhatsAppWebhook(fixture("whatsapp/webhook_template_quality_update_pywa.json"))).toMatchObject({ ok: true, value: { templateStatuses: [] } });
    expect(parseWhatsAppWebhook(fixture("whatsapp/webhook_template_category_update_pywa.json"))).toMatchObject({ ok: true, value: { templateStatuses: [] } });
    const body = fixture<{ entry: { changes: { value: Record<string, unknown> }[] }[] }>("whatsapp/webhook_template_status_approved_pywa.json");
    delete body.entry[0].changes[0].value.message_template_name;
    expect(parseWhatsAppWebhook(body)).toEqual({ ok: false, reason: expect.stringMatching(/^body\.entry\[0\]\.changes\[0\]\.value\.message_template_name: /) });
  });
});

describe("statusAfterEvent", () => {
  it.each([
    ["APPROVED", "APPROVED"],
    ["approved", "APPROVED"],
    // Meta: a flagged template is still approved until it is disabled; a reinstated one is approved again.
    ["FLAGGED", "APPROVED"],
    ["REINSTATED", "APPROVED"],
    ["PENDING", "PENDING"],
    ["REJECTED", "REJECTED"],
    ["PAUSED", "PAUSED"],
    ["DISABLED", "DISABLED"],
    ["IN_APPEAL", "IN_APPEAL"],
    ["PENDING_DELETION", "PENDING_DELETION"],
    ["ARCHIVED", "ARCHIVED"],
    ["DELETED", "DELETED"],
    ["LIMIT_EXCEEDED", "LIMIT_EXCEEDED"],
    // Events that do not say whether the template can be sent: the next sync tells.
    ["UNARCHIVED", null],
    ["LOCKED", null],
    ["UNLOCKED", null],
    ["SOMETHING_NEW", null],
  ])("%s → %s", (event, status) => {
    expect(statusAfterEvent(event)).toBe(status);
  });
});

describe("templateApproval and the send-time template step", () => {
  const SYNCED = new Date("2026-03-02T09:00:00Z");
  it.each([
    ["never synced, no row", null, null, { state: "not_synced" }, null],
    ["never synced, a PENDING row (submitted, not yet synced)", null, { status: "PENDING", rejectedReason: null }, { state: "not_synced" }, null],
    ["synced and APPROVED", SYNCED, { status: "APPROVED", rejectedReason: null }, { state: "approved" }, null],
    ["synced and PENDING", SYNCED, { status: "PENDING", rejectedReason: null }, { state: "not_approved", status: "PENDING", rejectedReason: null }, /is PENDING/],
    ["synced and REJECTED", SYNCED, { status: "REJECTED", rejectedReason: "INVALID_FORMAT" }, { state: "not_approved", status: "REJECTED", rejectedReason: "INVALID_FORMAT" }, /is REJECTED/],
    ["synced and PAUSED", SYNCED, { status: "PAUSED", rejectedReason: null }, { state: "not_approved", status: "PAUSED", rejectedReason: null }, /is PAUSED/],
    ["synced but missing", SYNCED, null, { state: "not_approved", status: "MISSING", rejectedReason: null }, /not in the shop's WhatsApp account/],
  ] as const)("%s", (_label, syncedAt, row, approval, skipDetail) => {
    expect(templateApproval(syncedAt, row)).toEqual(approval);
    const decision = templateCheck(templateApproval(syncedAt, row));
    if (skipDetail === null) expect(decision).toBeNull();
    else expect(decision).toEqual({ action: "skip", reason: "template_not_approved", detail: expect.stringMatching(skipDetail) });
  });

  it("pauses nothing when the facts carry no template verdict (replays, the demo)", () => {
    expect(templateCheck(undefined)).toBeNull();
  });
});

describe("fallbackLanguage: where a template not approved in the message's language can go out instead", () => {
  const ORDER = TEMPLATE_NAMES.orderConfirmation;
  const synced = (language: string, status: string, change: Partial<SyncedTemplate> = {}): SyncedTemplate => ({
    ...toSyncedTemplate({ ...suggestedTemplates("https://app.example").find((t) => t.name === ORDER && t.language === language)!, status }),
    ...change,
  });
  const oneParameterLess = { parameters: 2 };
  const noButton = { buttons: [] };
  type Row = [string, SyncedTemplate[], string, string | null, string | null];
  const rows: Row[] = [
    ["de rejected, shop de → English", [synced("de", "REJECTED"), synced("en", "APPROVED")], "de", "de", "en"],
    ["de rejected, shop de-CH → English", [synced("de", "REJECTED"), synced("en", "APPROVED")], "de", "de-CH", "en"],
    ["en paused, shop de-AT → German", [synced("de", "APPROVED"), synced("en", "PAUSED")], "en", "de-AT", "de"],
    ["en rejected, shop en-US → nothing (English is the one rejected)", [synced("de", "APPROVED"), synced("en", "REJECTED")], "en", "en-US", null],
    ["en rejected, shop fr → English again → nothing", [synced("de", "APPROVED"), synced("en", "REJECTED")], "en", "fr", null],
    ["de missing (catalogue shape), shop fr → English", [synced("en", "APPROVED")], "de", "fr", "en"],
    ["de rejected, English only PENDING → nothing", [synced("de", "REJECTED"), synced("en", "PENDING")], "de", "de", null],
    ["de rejected, English with a placeholder less → nothing", [synced("de", "REJECTED"), synced("en", "APPROVED", oneParameterLess)], "de", "de", null],
    ["de rejected, English without the URL button → nothing", [synced("de", "REJECTED"), synced("en", "APPROVED", noButton)], "de", "de", null],
    ["de rejected and its shape unknown (webhook-only row): the catalogue's shape → English", [synced("de", "REJECTED", { body: "", parameters: 0, buttons: [] }), synced("en", "APPROVED")], "de", "de", "en"],
  ];
  it.each(rows)("%s", (_label, templates, language, shopLocale, expected) => {
    expect(fallbackLanguage(templates, ORDER, language, shopLocale)).toBe(expected);
  });

  it("a merchant's own template missing in the message's language has no shape to compare with: nothing", () => {
    expect(fallbackLanguage([{ ...synced("en", "APPROVED"), name: "shop_own" }], "shop_own", "de", "de")).toBeNull();
  });

  it("the gate sends in the fallback language and says why", () => {
    expect(templateCheck({ state: "not_approved", status: "REJECTED", rejectedReason: null, fallback: { language: "en" } }, "de")).toEqual({
      action: "send",
      language: "en",
      reason: "language_fallback",
      detail: expect.stringMatching(/^The template is REJECTED in de; sent in en instead/),
    });
  });
});

describe("webhookIds (what chooses the app secret, read before the signature check)", () => {
  const messages = (phoneNumberId: unknown, entryId = "waba-1") => JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: entryId, changes: [{ field: "messages", value: { metadata: { phone_number_id: phoneNumberId } } }] }] });
  it.each([
    ["a status webhook: its phone_number_id", rawFixture("whatsapp/webhook_status_sent_pywa.json"), { phoneNumberIds: [expect.any(String)], wabaIds: [] }],
    ["a template status update: the entry's WABA id", rawFixture("whatsapp/webhook_template_status_approved_pywa.json"), { phoneNumberIds: [], wabaIds: ["102290129340398"] }],
    ["two changes of one number: one id", JSON.stringify({ entry: [{ id: "w", changes: [{ value: { metadata: { phone_number_id: "1" } } }, { value: { metadata: { phone_number_id: "1" } } }] }] }), { phoneNumberIds: ["1"], wabaIds: [] }],
    ["a metadata id that is not a string: the WABA id instead", messages(123), { phoneNumberIds: [], wabaIds: ["waba-1"] }],
    [
      "a template status update carrying a phone number id: still the entry's WABA id",
      JSON.stringify({ entry: [{ id: "waba-b", changes: [{ field: "message_template_status_update", value: { metadata: { phone_number_id: "phone-a" }, event: "APPROVED" } }] }] }),
      { phoneNumberIds: [], wabaIds: ["waba-b"] },
    ],
    ["no entries", JSON.stringify({ object: "whatsapp_business_account", entry: [] }), { phoneNumberIds: [], wabaIds: [] }],
    ["entries of the wrong shape", JSON.stringify({ entry: [null, 3, { changes: "x" }] }), { phoneNumberIds: [], wabaIds: [] }],
  ])("%s", (_label, raw, expected) => {
    expect(webhookIds(raw)).toEqual(expected);
  });

  it("is null for a body that is not JSON", () => {
    expect(webhookIds("{not json")).toBeNull();
  });
});
