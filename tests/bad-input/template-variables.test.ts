// Bad input (issue 5): a template with a missing variable. The merchant maps a flow to their own template, then edits
// it at Meta to need one more value than the flow fills in (or a value arrives empty): the message must not go to
// Meta, it ends SKIPPED with a reason the message log can show, the log line names no phone number or text, and
// the other messages keep flowing — through the real routes, the real worker and client, and the Cloud API
// simulator, which refuses such a send itself with Meta's codes (the second line of defence).
import { beforeEach, describe, expect, it } from "vitest";
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { reasonText } from "~/.server/message-log/log";
import { MESSAGES } from "~/.server/i18n/messages";
import { writeSettings } from "~/.server/settings/store";
import { suggestedTemplates, TEMPLATE_NAMES } from "~/.server/templates/catalogue";
import { createWhatsAppClient } from "~/.server/whatsapp/client";
import { bodyText } from "~/.server/automations/types";
import { getEnv } from "~/env.server";
import { db, useVirtualClock } from "~/shopify.server";
import type { SimulatorTemplate } from "../../simulator/cloud-api";
import { consentFor } from "../cart-recovery/helpers";
import { createWhatsAppHarness } from "../consent/helpers";
import { deliver, orderAt, PHONE, resetFlows } from "../flows/helpers";
import { TEST_SHOP } from "../helpers/shopify";
import { syncShopTemplates } from "../helpers/templates";

const T0 = new Date("2026-03-02T10:00:00.000Z");
const OTHER_PHONE = "+4915199999999";
const MAPPED = "shop_order_thanks";
const APP = process.env.SHOPIFY_APP_URL!;

/** The merchant's own order confirmation in German: Momento's, reworded, with `body` as its text. */
function merchantTemplate(body: string): SimulatorTemplate {
  const suggested = suggestedTemplates(APP).find((t) => t.name === TEMPLATE_NAMES.orderConfirmation && t.language === "de")!;
  return { ...suggested, name: MAPPED, components: suggested.components.map((c) => (c.type === "BODY" ? { type: "BODY", text: body } : c)) };
}
const BEFORE_EDIT = merchantTemplate("Danke {{1}}! Deine Bestellung {{2}} über {{3}} ist bei uns.");
const AFTER_EDIT = merchantTemplate("Danke {{1}}! Deine Bestellung {{2}} über {{3}} ist bei uns. Lieferung bis {{4}}.");

let clock: VirtualClock;
let logged: string[];
let harness: ReturnType<typeof createWhatsAppHarness>;
beforeEach(async () => {
  await resetFlows();
  await db.whatsAppTemplate.deleteMany();
  await db.whatsAppConnection.deleteMany();
  clock = createVirtualClock(T0);
  useVirtualClock(clock);
  logged = [];
  // The merchant's WABA as it is now: their template already edited.
  harness = createWhatsAppHarness(clock, [AFTER_EDIT], { log: (line) => logged.push(line) });
  await consentFor(PHONE, "CONFIRMED", T0);
  await consentFor(OTHER_PHONE, "CONFIRMED", T0);
});

const messageOf = (to: string) => db.message.findFirstOrThrow({ where: { flow: "order_confirmation", to }, include: { events: { orderBy: { id: "asc" } } } });

describe("a template with a missing variable", () => {
  it("a mapped template edited at Meta to need more values: not sent, a readable reason, the other messages flow", async () => {
    // Mapped in Automations while it fitted (three values and a link, like Momento's own).
    await syncShopTemplates(db, TEST_SHOP, [...suggestedTemplates(APP), BEFORE_EDIT], T0);
    await writeSettings(db, TEST_SHOP, { flows: { order_confirmation: { template: MAPPED } } });
    await deliver("orders/create", orderAt(T0));
    await deliver("orders/create", orderAt(T0, { admin_graphql_api_id: "gid://shopify/Order/5551234", id: 5551234, name: "#1234", phone: OTHER_PHONE, customer: null, customer_locale: "en" }));
    expect((await messageOf(PHONE)).template).toBe(MAPPED);

    // The merchant adds a fourth placeholder at Meta; the next sync brings it.
    await syncShopTemplates(db, TEST_SHOP, [...suggestedTemplates(APP), AFTER_EDIT], T0);
    await harness.advance(60_000);

    const german = await messageOf(PHONE);
    expect(german).toMatchObject({ status: "SKIPPED", statusReason: "template_variable_missing", sentAt: null, errorCode: null });
    expect(german.events.at(-1)?.reason).toBe(
      "template_variable_missing: shop_order_thanks in de needs 4 values, the flow gives 3; Meta would refuse the send (132000). The template in WhatsApp has more placeholders than the flow fills.",
    );
    expect(reasonText(german.events.at(-1)!.reason, MESSAGES.de)).toBe(
      "Nicht gesendet: die Vorlage shop_order_thanks (Deutsch) braucht 4 Werte, der Ablauf füllt 3; Meta würde sie ablehnen. Prüfe die Vorlage in WhatsApp und ihre Zuordnung unter Automationen.",
    );
    // Nothing of it reached Meta; the English order's confirmation (Momento's own template) went out.
    expect(harness.sim.rejected).toEqual([]);
    expect(harness.sim.sent.map((m) => [m.template, m.language])).toEqual([[TEMPLATE_NAMES.orderConfirmation, "en"]]);
    expect((await messageOf(OTHER_PHONE)).sentAt).not.toBeNull();

    const line = logged.find((l) => l.includes("template_variable_missing"));
    expect(line).toContain(`message ${german.id} skipped: template_variable_missing (shop_order_thanks in de needs 4 values, the flow gives 3`);
    for (const entry of logged) {
      for (const phone of [PHONE, OTHER_PHONE]) expect(entry).not.toContain(phone.slice(3));
      expect(entry).not.toContain("Danke");
    }
  });

  it("an empty value is not sent (Meta refuses it with 131008), without a sync too", async () => {
    const components = [bodyText("", "#1001", "49,90 €"), { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "m1" }] }];
    const empty = await db.message.create({
      data: {
        shop: TEST_SHOP, flow: "order_confirmation", dedupeKey: "order_confirmation:empty", to: PHONE, category: "UTILITY", template: TEMPLATE_NAMES.orderConfirmation,
        language: "de", components: JSON.stringify(components), status: "SCHEDULED", sendAfter: T0, createdAt: T0,
      },
    });
    await harness.advance(60_000);
    const row = await db.message.findUniqueOrThrow({ where: { id: empty.id }, include: { events: { orderBy: { id: "asc" } } } });
    expect(row).toMatchObject({ status: "SKIPPED", statusReason: "template_variable_missing" });
    expect(row.events.at(-1)?.reason).toBe("template_variable_missing: momento_order_confirmation in de: value {{1}} is empty; Meta refuses empty text values (131008).");
    expect(harness.sim.sent).toEqual([]);
    expect(harness.sim.rejected).toEqual([]);
  });

  it("the simulator refuses both sends itself, with Meta's codes", async () => {
    const env = getEnv();
    const client = createWhatsAppClient({
      baseUrl: env.WHATSAPP_API_BASE_URL, apiVersion: env.WHATSAPP_API_VERSION, phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID, accessToken: env.WHATSAPP_ACCESS_TOKEN, fetch: harness.sim.fetch,
    });
    const link = { type: "button" as const, sub_type: "url" as const, index: "0", parameters: [{ type: "text" as const, text: "m1" }] };
    const tooFew = await client.sendTemplate({ to: PHONE, template: MAPPED, language: "de", components: [bodyText("Anna", "#1001", "49,90 €"), link] });
    expect(tooFew).toMatchObject({ ok: false, code: 132000, retry: "never" });
    const blank = await client.sendTemplate({ to: PHONE, template: MAPPED, language: "de", components: [bodyText("Anna", "", "49,90 €", "Freitag"), link] });
    expect(blank).toMatchObject({ ok: false, code: 131008, retry: "never" });
    expect(harness.sim.sent).toEqual([]);
  });
});
