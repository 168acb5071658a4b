import { describe, expect, it } from "vitest";
import { uploadFile } from "~/.server/onboarding/cloud-api";
import { EXAMPLE_IMAGE, exampleImagePng } from "~/.server/templates/example-image";
import { isValidWhatsAppSignature, signWhatsAppBody } from "~/.server/whatsapp/signature";
import { DEFAULT_APP_ID, type CloudApiSimulator } from "../../simulator/cloud-api";
import { fixture } from "../fixtures";
import {
  APPROVED_HARNESS_TEMPLATES,
  HARNESS_TEMPLATES,
  ACCESS_TOKEN,
  APP_SECRET,
  APP_URL,
  DISPLAY_PHONE_NUMBER,
  GRAPH,
  PHONE_NUMBER_ID,
  SHOPPER,
  SHOPPER_DIGITS,
  START,
  WABA_ID,
  body,
  createHarness,
  keyPaths,
  optIn,
  orderConfirmation,
  quickReply,
  urlButton,
} from "./helpers";

interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: string; details: string };
    fbtrace_id: string;
  };
}

async function expectMetaError(response: Response, httpStatus: number, code: number, details?: string | RegExp): Promise<MetaErrorBody> {
  expect(response.status).toBe(httpStatus);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const json = (await response.json()) as MetaErrorBody;
  expect(json.error.code).toBe(code);
  expect(json.error.fbtrace_id).toMatch(/^A[\w-]+$/);
  if (details !== undefined) {
    expect(json.error.message).toMatch(new RegExp(`^\\(#${code}\\) `));
    expect(json.error.type).toBe("OAuthException");
    expect(json.error.error_data?.messaging_product).toBe("whatsapp");
    if (typeof details === "string") expect(json.error.error_data?.details).toBe(details);
    else expect(json.error.error_data?.details).toMatch(details);
  }
  return json;
}

const OPT_IN = "momento_opt_in_confirmation";
const ORDER = "momento_order_confirmation";

describe("send endpoint: success", () => {
  it("answers like Meta's recorded success response", async () => {
    const { sim, sendTemplate } = createHarness();
    const response = await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    expect(response.status).toBe(200);
    const json = (await response.json()) as { contacts: { input: string; wa_id: string }[]; messages: { id: string; message_status: string }[] };
    expect(keyPaths(json)).toEqual(keyPaths(fixture("whatsapp/send_success_template_recorded.json")));
    expect(json.contacts).toEqual([{ input: SHOPPER, wa_id: SHOPPER_DIGITS }]);
    expect(json.messages[0].id).toMatch(/^wamid\.[A-Za-z0-9+/=]+$/);
    expect(json.messages[0].message_status).toBe("accepted");

    expect(sim.sent).toHaveLength(1);
    expect(sim.sent[0]).toMatchObject({
      wamid: json.messages[0].id,
      to: SHOPPER,
      waId: SHOPPER_DIGITS,
      template: OPT_IN,
      language: "de",
      category: "UTILITY",
      parameters: ["Demo Shop"],
      sentAt: START,
      asyncFailure: null,
    });
    expect(sim.sent[0].text).toContain("Demo Shop möchte dir");
  });

  it("gives every message its own wamid", async () => {
    const { sim, sendTemplate } = createHarness();
    for (let i = 0; i < 50; i++) await sendTemplate(SHOPPER, OPT_IN, "en", optIn());
    expect(new Set(sim.sent.map((m) => m.wamid)).size).toBe(50);
  });

  it("accepts `to` without the plus, and a business-scoped user id", async () => {
    const { sendTemplate } = createHarness();
    const plain = await sendTemplate(SHOPPER_DIGITS, OPT_IN, "de", optIn());
    expect(((await plain.json()) as { contacts: unknown }).contacts).toEqual([{ input: SHOPPER_DIGITS, wa_id: SHOPPER_DIGITS }]);
    const bsuid = await sendTemplate("US.13491208655302741918", OPT_IN, "de", optIn());
    expect(bsuid.status).toBe(200);
    expect(((await bsuid.json()) as { contacts: unknown }).contacts).toEqual([
      { input: "US.13491208655302741918", wa_id: "", user_id: "US.13491208655302741918" },
    ]);
  });

  it("takes a Request object as well as url + init", async () => {
    const { sim } = createHarness();
    const request = new Request(`${GRAPH}/${PHONE_NUMBER_ID}/messages`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", to: SHOPPER, type: "template", template: { name: OPT_IN, language: { code: "de" }, components: optIn() } }),
    });
    expect((await sim.fetch(request)).status).toBe(200);
    expect((await sim.fetch(new URL(`${GRAPH}/${WABA_ID}/message_templates?access_token=${ACCESS_TOKEN}`))).status).toBe(200);
  });
});

describe("send endpoint: validation like Meta", () => {
  it("401 with code 190 for a missing or wrong token", async () => {
    const { sim, sendTemplate, send } = createHarness();
    for (const token of [null, "wrong-token"]) {
      const response = await send({ messaging_product: "whatsapp", to: SHOPPER, type: "template", template: { name: OPT_IN, language: { code: "de" } } }, { token });
      const json = await expectMetaError(response, 401, 190);
      expect(json.error.type).toBe("OAuthException");
      expect(json.error.message).toBe("Invalid OAuth access token - Cannot parse access token");
      expect(response.headers.get("www-authenticate")).toContain("invalid_token");
    }
    expect(sim.rejected.map((r) => [r.code, r.httpStatus, r.template])).toEqual([
      [190, 401, OPT_IN],
      [190, 401, OPT_IN],
    ]);
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
  });

  it("400 GraphMethodException for an unknown phone number id", async () => {
    const { send } = createHarness();
    const json = await expectMetaError(await send({ messaging_product: "whatsapp" }, { phoneNumberId: "999" }), 400, 100);
    expect(json.error.type).toBe("GraphMethodException");
    expect(json.error.error_subcode).toBe(33);
    expect(json.error.message).toMatch(/^Unsupported post request\. Object with ID '999' does not exist/);
  });

  it("400 code 2500 for an unknown path", async () => {
    const { sim } = createHarness();
    const response = await sim.fetch(`${GRAPH}/${PHONE_NUMBER_ID}/nothing`, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } });
    await expectMetaError(response, 400, 2500);
  });

  it("checks messaging_product, to and type", async () => {
    const { send } = createHarness();
    const template = { name: OPT_IN, language: { code: "de" }, components: optIn() };
    await expectMetaError(await send("{not json"), 400, 100, "Request body is not valid JSON.");
    await expectMetaError(await send({ to: SHOPPER, type: "template", template }), 400, 100, "The parameter messaging_product is required.");
    await expectMetaError(await send({ messaging_product: "sms", to: SHOPPER, type: "template", template }), 400, 100, /messaging_product/);
    await expectMetaError(await send({ messaging_product: "whatsapp", type: "template", template }), 400, 100, "The parameter to is required.");
    await expectMetaError(await send({ messaging_product: "whatsapp", to: " ", type: "template", template }), 400, 100, "The parameter to is required.");
    await expectMetaError(await send({ messaging_product: "whatsapp", to: "call me", type: "template", template }), 400, 131009, /not a valid phone number/);
    await expectMetaError(await send({ messaging_product: "whatsapp", to: SHOPPER, type: "image", image: { link: "https://x.example/a.jpg" } }), 400, 100, "Message must be a template message.");
    await expectMetaError(await send({ messaging_product: "whatsapp", to: SHOPPER, type: "text", text: { body: " " } }), 400, 100, "The parameter text['body'] is required.");
    await expectMetaError(await send({ to: SHOPPER, type: "text", text: { body: "Hi" } }), 400, 100, "The parameter messaging_product is required.");
    await expectMetaError(await send({ messaging_product: "whatsapp", to: SHOPPER, type: "template" }), 400, 100, /template is required/);
    await expectMetaError(await send({ messaging_product: "whatsapp", to: SHOPPER, type: "template", template: { name: OPT_IN } }), 400, 100, /\['language'\]\['code'\] is required/);
  });

  it("132001 for an unknown name or a language the template does not have", async () => {
    const { sim, sendTemplate } = createHarness();
    const unknown = await expectMetaError(await sendTemplate(SHOPPER, "no_such_template", "de", [body("x")]), 400, 132001, "template name (no_such_template) does not exist in de");
    expect(unknown.error.message).toBe("(#132001) Template name does not exist in the translation");
    expect(keyPaths(unknown)).toEqual(keyPaths(fixture("whatsapp/send_error_132000_recorded.json")));
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "en_US", optIn()), 400, 132001, `template name (${OPT_IN}) does not exist in en_US`);
    expect(sim.rejected.map((r) => [r.code, r.template, r.language, r.to])).toEqual([
      [132001, "no_such_template", "de", SHOPPER],
      [132001, OPT_IN, "en_US", SHOPPER],
    ]);
    expect(sim.sent).toHaveLength(0);
  });

  it("132015 for a paused, 132016 for a disabled and 132001 for an unapproved template", async () => {
    const { sim, sendTemplate } = createHarness();
    await expectMetaError(await sendTemplate(SHOPPER, "paused_template", "de"), 400, 132015, /paused/);
    sim.setTemplateStatus(OPT_IN, "de", "DISABLED");
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 132016, /disabled/);
    for (const status of ["PENDING", "REJECTED", "PENDING_DELETION"] as const) {
      sim.setTemplateStatus(OPT_IN, "de", status);
      await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 132001, `template name (${OPT_IN}) does not exist in de`);
    }
    sim.setTemplateStatus(OPT_IN, "de", "APPROVED");
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    expect(() => sim.setTemplateStatus("nope", "de", "PAUSED")).toThrow(/no template nope/);
  });

  it("132000 when the body parameter count differs, with Meta's exact message", async () => {
    const { sendTemplate } = createHarness();
    const json = await expectMetaError(
      await sendTemplate(SHOPPER, OPT_IN, "de", []),
      400,
      132000,
      "body: number of localizable_params (0) does not match the expected number of params (1)",
    );
    expect(json).toEqual({ error: { ...fixture<MetaErrorBody>("whatsapp/send_error_132000_recorded.json").error, fbtrace_id: json.error.fbtrace_id } });
    await expectMetaError(
      await sendTemplate(SHOPPER, ORDER, "en", [body("Anna", "#1001"), urlButton(0, "m1")]),
      400,
      132000,
      "body: number of localizable_params (2) does not match the expected number of params (3)",
    );
  });

  it("an IMAGE header needs one image parameter: missing 132000, wrong type 132012, without link 131008", async () => {
    const { sim, sendTemplate } = createHarness();
    const IMAGE_TEMPLATE = "momento_back_in_stock_image";
    const rest = [body("Sneaker Classic – 42"), urlButton(0, "m1")];
    const image = (media: Record<string, unknown>) => ({ type: "header", parameters: [{ type: "image", ...media }] });
    const cases: [string, unknown[], number, string | RegExp][] = [
      ["no header", rest, 132000, "header: number of localizable_params (0) does not match the expected number of params (1)"],
      ["a text parameter", [{ type: "header", parameters: [{ type: "text", text: "x" }] }, ...rest], 132012, "header: Format mismatch, expected IMAGE, received TEXT"],
      ["a video parameter", [{ type: "header", parameters: [{ type: "video", video: { link: "https://cdn.example.com/a.mp4" } }] }, ...rest], 132012, /expected IMAGE, received VIDEO/],
      ["an image without link", [image({ image: {} }), ...rest], 131008, /image\['link'\] or image\['id'\]/],
      ["an image link that is no URL", [image({ image: { link: "sneaker.png" } }), ...rest], 131009, /not a valid URL/],
    ];
    for (const [, components, code, details] of cases) await expectMetaError(await sendTemplate(SHOPPER, IMAGE_TEMPLATE, "de", components), 400, code, details);
    expect(sim.sent).toHaveLength(0);

    const link = "https://cdn.shopify.com/s/files/1/sneaker.png";
    const ok = await sendTemplate(SHOPPER, IMAGE_TEMPLATE, "de", [image({ image: { link } }), ...rest]);
    expect(ok.status).toBe(200);
    expect(sim.sent.map((m) => [m.template, m.headerParameters])).toEqual([[IMAGE_TEMPLATE, [link]]]);
    // The header-less original takes no header parameter at all.
    await expectMetaError(await sendTemplate(SHOPPER, "momento_back_in_stock", "de", [image({ image: { link } }), ...rest]), 400, 132000, /^header: number of localizable_params \(1\)/);
  });

  it("132000 when header parameters differ from the header's placeholders", async () => {
    const { sendTemplate } = createHarness();
    const sale = [body("20", "Sonntag"), urlButton(0, "m1")];
    await expectMetaError(await sendTemplate(SHOPPER, "spring_sale", "de", sale), 400, 132000, /^header: number of localizable_params \(0\)/);
    await expectMetaError(
      await sendTemplate(SHOPPER, OPT_IN, "de", [{ type: "header", parameters: [{ type: "text", text: "x" }] }, ...optIn()]),
      400,
      132000,
      "header: number of localizable_params (1) does not match the expected number of params (0)",
    );
    const ok = await sendTemplate(SHOPPER, "spring_sale", "de", [{ type: "header", parameters: [{ type: "text", text: "Anna" }] }, ...sale]);
    expect(ok.status).toBe(200);
  });

  it("132000 unless a URL button with {{1}} gets exactly one text parameter", async () => {
    const { sim, sendTemplate } = createHarness();
    await expectMetaError(await sendTemplate(SHOPPER, ORDER, "de", [body("Anna", "#1001", "49,90 €")]), 400, 132000, "buttons: Button at index 0 of type Url requires a parameter");
    await expectMetaError(await sendTemplate(SHOPPER, ORDER, "de", [body("Anna", "#1001", "49,90 €"), urlButton(0)]), 400, 132000, /Button at index 0 of type Url requires a parameter/);
    await expectMetaError(await sendTemplate(SHOPPER, ORDER, "de", [body("Anna", "#1001", "49,90 €"), urlButton(0, "a", "b")]), 400, 132000, /number of localizable_params \(2\) does not match the expected number of params \(1\)/);
    expect((await sendTemplate(SHOPPER, ORDER, "de", orderConfirmation("abc"))).status).toBe(200);
    expect(sim.sent[0].buttons).toEqual([{ index: 0, type: "URL", text: "Bestellung ansehen", url: `${APP_URL}/r/abc` }]);
  });

  it("a URL button without a placeholder takes no parameter", async () => {
    const { sendTemplate } = createHarness();
    const base = [{ type: "header", parameters: [{ type: "text", text: "Anna" }] }, body("20", "Sonntag"), urlButton(0, "m1")];
    await expectMetaError(await sendTemplate(SHOPPER, "spring_sale", "de", [...base, urlButton(2, "x")]), 400, 132000, /index 2 of type Url: number of localizable_params \(1\)/);
  });

  it("quick-reply payloads are optional but must be one payload parameter", async () => {
    const { sim, sendTemplate } = createHarness();
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), quickReply(1, "NO")])).status).toBe(200);
    expect(sim.sent[1].buttons.map((b) => b.payload)).toEqual([undefined, "NO"]);
    await expectMetaError(
      await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "text", text: "YES" }] }]),
      400,
      100,
      /takes one parameter of type payload/,
    );
    await expectMetaError(
      await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "A" }, { type: "payload", payload: "B" }] }]),
      400,
      132000,
    );
  });

  it("rejects buttons the template does not have, and unknown components", async () => {
    const { sendTemplate } = createHarness();
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), quickReply(5, "X")]), 400, 100, /Button at index 5/);
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), urlButton(0, "x")]), 400, 100, /Button at index 0 of type url does not exist/);
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo Shop"), { type: "footer", parameters: [] }]), 400, 100, /Invalid component type/);
  });

  it("rejects empty text parameters (131008) and layout-breaking ones (132018)", async () => {
    const { sendTemplate } = createHarness();
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", [body("")]), 400, 131008, "Parameter of type text is missing text value");
    await expectMetaError(
      await sendTemplate(SHOPPER, OPT_IN, "de", [body("Demo\nShop")]),
      400,
      132018,
      "Param text cannot have new-line/tab characters or more than 4 consecutive spaces",
    );
  });
});

describe("status webhooks in virtual time", () => {
  it("sent at +1 s, delivered at +5 s, read at +60 s, signed and shaped like Meta's", async () => {
    const { sim, clock, delivered, sendTemplate } = createHarness();
    await sendTemplate(SHOPPER, ORDER, "de", orderConfirmation(), { biz_opaque_callback_data: "message-42" });
    const wamid = sim.sent[0].wamid;
    expect(sim.nextDueAt()).toEqual(new Date(START.getTime() + 1000));
    expect(await sim.flushDue()).toBe(0);

    clock.advance(999);
    expect(await sim.flushDue()).toBe(0);
    clock.advance(1);
    expect(await sim.flushDue()).toBe(1);
    expect(delivered).toHaveLength(1);
    const [sent] = delivered;
    expect(sent.signature).toBe(signWhatsAppBody(sent.rawBody, APP_SECRET));
    expect(isValidWhatsAppSignature(sent.rawBody, sent.signature, APP_SECRET)).toBe(true);
    const sentFixture = fixture<{ entry: { changes: { value: { statuses: Record<string, unknown>[] } }[] }[] }>("whatsapp/webhook_status_sent_pmp_meta_docs.json");
    delete sentFixture.entry[0].changes[0].value.statuses[0].conversation; // v24.0+ omits it
    expect(keyPaths(sent.body).filter((p) => !p.endsWith("biz_opaque_callback_data"))).toEqual(keyPaths(sentFixture));
    expect(sent.body.object).toBe("whatsapp_business_account");
    expect(sent.body.entry[0].id).toBe(WABA_ID);
    expect(sent.body.entry[0].changes[0].field).toBe("messages");
    expect(sent.body.entry[0].changes[0].value.metadata).toEqual({ display_phone_number: DISPLAY_PHONE_NUMBER, phone_number_id: PHONE_NUMBER_ID });
    expect(sent.body.entry[0].changes[0].value.statuses).toEqual([
      {
        id: wamid,
        status: "sent",
        timestamp: String(START.getTime() / 1000 + 1),
        recipient_id: SHOPPER_DIGITS,
        biz_opaque_callback_data: "message-42",
        pricing: { billable: true, pricing_model: "PMP", type: "regular", category: "utility" },
      },
    ]);

    clock.advance(4000);
    expect(await sim.flushDue()).toBe(1);
    const deliveredStatus = delivered[1].body.entry[0].changes[0].value.statuses?.[0];
    expect(deliveredStatus).toMatchObject({ id: wamid, status: "delivered", timestamp: String(START.getTime() / 1000 + 5), recipient_id: SHOPPER_DIGITS });
    expect(keyPaths(delivered[1].body).filter((p) => !p.endsWith("biz_opaque_callback_data"))).toEqual(
      keyPaths(fixture("whatsapp/webhook_status_delivered_pmp_bsuid_meta_docs.json")).filter((p) => !p.includes(".contacts")),
    );

    expect(sim.nextDueAt()).toEqual(new Date(START.getTime() + 60_000));
    clock.set(new Date(START.getTime() + 60_000));
    expect(await sim.flushDue()).toBe(1);
    const read = delivered[2].body.entry[0].changes[0].value.statuses?.[0];
    expect(read).toEqual({ id: wamid, status: "read", timestamp: String(START.getTime() / 1000 + 60), recipient_id: SHOPPER_DIGITS, biz_opaque_callback_data: "message-42" });
    expect(sim.nextDueAt()).toBeNull();
    for (const d of delivered) expect(d.signature).toBe(signWhatsAppBody(d.rawBody, APP_SECRET));
  });

  it("a late flush delivers everything due in one POST, in time order, with event timestamps", async () => {
    const { clock, delivered, sendTemplate, sim } = createHarness();
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    clock.advance(30_000);
    await sendTemplate("+4917600000001", OPT_IN, "en", optIn());
    clock.advance(10 * 60_000);
    expect(await sim.flushDue()).toBe(6);
    expect(delivered).toHaveLength(1);
    const statuses = delivered[0].body.entry[0].changes[0].value.statuses ?? [];
    const t0 = START.getTime() / 1000;
    expect(statuses.map((s) => [s.status, s.timestamp])).toEqual([
      ["sent", String(t0 + 1)],
      ["delivered", String(t0 + 5)],
      ["sent", String(t0 + 31)],
      ["delivered", String(t0 + 35)],
      ["read", String(t0 + 60)],
      ["read", String(t0 + 90)],
    ]);
  });

  it("marketing templates are priced as marketing; no biz_opaque_callback_data unless sent", async () => {
    const { clock, sendTemplate, sim, statuses } = createHarness();
    await sendTemplate(SHOPPER, "spring_sale", "de", [{ type: "header", parameters: [{ type: "text", text: "Anna" }] }, body("20", "Sonntag"), urlButton(0, "m1")]);
    clock.advance(5000);
    await sim.flushDue();
    expect(statuses().map((s) => (s.pricing as { category: string }).category)).toEqual(["marketing", "marketing"]);
    expect(statuses().every((s) => !("biz_opaque_callback_data" in s))).toBe(true);
  });

  it("a recipient with reads:false never sends a read receipt", async () => {
    const { clock, sendTemplate, sim, statuses } = createHarness();
    sim.setRecipient(SHOPPER, { reads: false });
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    clock.advance(24 * 3600_000);
    await sim.flushDue();
    expect(statuses().map((s) => s.status)).toEqual(["sent", "delivered"]);
    expect(sim.nextDueAt()).toBeNull();
  });

  it("many messages go out as one POST with many statuses, at most 1,000 per POST", async () => {
    const { clock, delivered, sendTemplate, sim } = createHarness();
    for (let i = 0; i < 1200; i++) await sendTemplate(`+49151${String(i).padStart(8, "0")}`, OPT_IN, "de", optIn());
    clock.advance(1000);
    expect(await sim.flushDue()).toBe(1200);
    expect(delivered.map((d) => d.body.entry[0].changes[0].value.statuses?.length)).toEqual([1000, 200]);
    clock.advance(4000);
    expect(await sim.flushDue()).toBe(1200);
    expect(delivered.slice(2).map((d) => d.body.entry[0].changes[0].value.statuses?.length)).toEqual([1000, 200]);
    for (const d of delivered) expect(d.signature).toBe(signWhatsAppBody(d.rawBody, APP_SECRET));
  });

  it("concurrent flushes deliver each event once", async () => {
    const { clock, sendTemplate, sim, statuses } = createHarness();
    for (let i = 0; i < 3; i++) await sendTemplate(`+4915100000${i}`, OPT_IN, "de", optIn());
    clock.advance(61_000);
    const counts = await Promise.all([sim.flushDue(), sim.flushDue(), sim.flushDue()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(9);
    expect(statuses()).toHaveLength(9);
  });

  it("retries a webhook the app did not accept, later, like Meta", async () => {
    let failuresLeft = 2;
    const received: string[] = [];
    const { clock, sendTemplate, sim } = createHarness({
      deliverWebhook: async (rawBody) => {
        if (failuresLeft-- > 0) throw new Error("HTTP 500");
        received.push(rawBody);
      },
    });
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    clock.advance(1000);
    expect(await sim.flushDue()).toBe(0);
    expect(sim.deliveryFailures).toMatchObject([{ events: 1, attempt: 1, error: "HTTP 500", dropped: false }]);
    expect(sim.nextDueAt()).toEqual(new Date(START.getTime() + 1000 + 4000));
    clock.advance(4000);
    // Only `delivered` is due (the retry of `sent` waits 5 s); the app fails once more.
    expect(await sim.flushDue()).toBe(0);
    clock.advance(30_000);
    expect(await sim.flushDue()).toBe(2);
    expect(received.map((raw) => (JSON.parse(raw) as { entry: { changes: { value: { statuses: { status: string }[] } }[] }[] }).entry[0].changes[0].value.statuses.map((s) => s.status))).toEqual([
      ["sent", "delivered"],
    ]);
  });

  it("gives up on a webhook after 7 days of failures", async () => {
    const { clock, sendTemplate, sim } = createHarness({
      deliverWebhook: async () => {
        throw new Error("down");
      },
    });
    sim.setRecipient(SHOPPER, { reads: false });
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    while (sim.nextDueAt()) {
      clock.set(sim.nextDueAt() as Date);
      await sim.flushDue();
    }
    expect(sim.deliveryFailures.at(-1)?.dropped).toBe(true);
    expect(clock.now().getTime() - START.getTime()).toBeGreaterThanOrEqual(7 * 24 * 3600_000);
  });
});

describe("error injection per recipient", () => {
  it("async codes are accepted, then fail at +1 s with a status shaped like Meta's", async () => {
    for (const code of [131047, 131026, 131049, 131050, 130472]) {
      const { clock, sendTemplate, sim, delivered } = createHarness();
      sim.setRecipient(SHOPPER, { failWith: code });
      const response = await sendTemplate(SHOPPER, OPT_IN, "de", optIn(), { biz_opaque_callback_data: "m-1" });
      expect(response.status).toBe(200);
      expect(sim.sent[0].asyncFailure).toBe(code);
      clock.advance(3600_000);
      expect(await sim.flushDue()).toBe(1);
      const [status] = delivered[0].body.entry[0].changes[0].value.statuses ?? [];
      expect(status).toMatchObject({
        id: sim.sent[0].wamid,
        status: "failed",
        timestamp: String(START.getTime() / 1000 + 1),
        recipient_id: SHOPPER_DIGITS,
        biz_opaque_callback_data: "m-1",
        errors: [{ code }],
      });
      const failedFixture = fixture("whatsapp/webhook_status_failed_131049_meta_docs.json");
      expect(keyPaths(delivered[0].body).filter((p) => !p.endsWith("biz_opaque_callback_data"))).toEqual(keyPaths(failedFixture));
      if (code === 131049) {
        const expected = (failedFixture as { entry: { changes: { value: { statuses: { errors: unknown[] }[] } }[] }[] }).entry[0].changes[0].value.statuses[0].errors[0];
        expect((status.errors as unknown[])[0]).toEqual(expected);
      }
    }
  });

  it("other codes answer 400 synchronously with Meta's body; null switches injection off", async () => {
    const { sendTemplate, sim } = createHarness();
    sim.setRecipient(SHOPPER, { failWith: 130429 });
    const json = await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 130429, "Cloud API message throughput has been reached.");
    expect(json.error.message).toBe("(#130429) Rate limit hit");
    sim.setRecipient(SHOPPER, { failWith: 131056 });
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 131056, fixture<MetaErrorBody>("whatsapp/send_error_131056_test_fixture.json").error.error_data?.details);
    sim.setRecipient(SHOPPER, { failWith: 99999 });
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 99999, /simulator/);
    // Another recipient is unaffected.
    expect((await sendTemplate("+4917600000001", OPT_IN, "de", optIn())).status).toBe(200);
    sim.setRecipient(SHOPPER, { failWith: null });
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    expect(sim.rejected.map((r) => r.code)).toEqual([130429, 131056, 99999]);
    expect(sim.sent.map((m) => m.to)).toEqual(["+4917600000001", SHOPPER]);
  });

  it("a recipient set without the plus matches sends with it", async () => {
    const { sendTemplate, sim } = createHarness();
    sim.setRecipient(SHOPPER_DIGITS, { failWith: 131000 });
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 131000);
  });

  it("template errors win over injected ones", async () => {
    const { sendTemplate, sim } = createHarness();
    sim.setRecipient(SHOPPER, { failWith: 130429 });
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", []), 400, 132000);
  });
});

describe("pair-rate emulation", () => {
  it("is off by default", async () => {
    const { sendTemplate } = createHarness();
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
  });

  it("answers 131056 for a second message to the same recipient within the window", async () => {
    const { clock, sendTemplate, sim } = createHarness({ pairLimitMs: 6000 });
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    clock.advance(5999);
    await expectMetaError(await sendTemplate(SHOPPER, OPT_IN, "de", optIn()), 400, 131056, /too many messages/);
    expect((await sendTemplate("+4917600000001", OPT_IN, "de", optIn())).status).toBe(200);
    clock.advance(1);
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
    expect(sim.sent).toHaveLength(3);
  });
});

describe("free-form text inside the 24-hour customer service window", () => {
  const text = (to: string, body: string) => ({ messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { preview_url: true, body }, biz_opaque_callback_data: "msg-1" });

  it("is delivered within 24 hours of the shopper's last message and fails with 131047 after", async () => {
    const { sim, clock, send, statuses } = createHarness();
    // Nobody wrote yet: Meta accepts the call, then fails the message (re-engagement needs a template).
    const cold = await send(text(SHOPPER, "Hallo"));
    expect(cold.status).toBe(200);
    sim.reply(SHOPPER, "Wo ist meine Bestellung?");
    clock.advance(23 * 3_600_000);
    expect((await send(text(SHOPPER, "Deine Bestellung #1001 ist unterwegs."))).status).toBe(200);
    clock.advance(2 * 3_600_000);
    expect((await send(text(SHOPPER, "Noch Fragen?"))).status).toBe(200);
    clock.advance(60_000);
    await sim.flushDue();
    expect(sim.sent.map((m) => [m.text, m.asyncFailure, m.template, m.bizOpaqueCallbackData])).toEqual([
      ["Hallo", 131047, "", "msg-1"],
      ["Deine Bestellung #1001 ist unterwegs.", null, "", "msg-1"],
      ["Noch Fragen?", 131047, "", "msg-1"],
    ]);
    const failed = statuses().filter((st) => st.status === "failed");
    expect(failed.map((st) => (st.errors as { code: number }[])[0].code)).toEqual([131047, 131047]);
  });
});

describe("the shopper's side", () => {
  it("reply() posts an inbound text webhook shaped like Meta's, due now", async () => {
    const { sim, delivered } = createHarness();
    const id = sim.reply(SHOPPER, "JA");
    expect(sim.nextDueAt()).toEqual(START);
    expect(await sim.flushDue()).toBe(1);
    const textFixture = fixture("whatsapp/webhook_inbound_text_pywa.json");
    // Phone users carry no business-scoped ids in our webhooks.
    expect(keyPaths(delivered[0].body)).toEqual(keyPaths(textFixture).filter((p) => !/user_id$/.test(p)));
    expect(delivered[0].signature).toBe(signWhatsAppBody(delivered[0].rawBody, APP_SECRET));
    const value = delivered[0].body.entry[0].changes[0].value;
    expect(value.contacts).toEqual([{ profile: { name: "Shopper" }, wa_id: SHOPPER_DIGITS }]);
    expect(value.messages).toEqual([{ from: SHOPPER_DIGITS, id, timestamp: String(START.getTime() / 1000), text: { body: "JA" }, type: "text" }]);
    expect(id).toMatch(/^wamid\./);
    expect(sim.reply(SHOPPER, "again")).not.toBe(id);
    expect(sim.inbound.map((i) => [i.type, i.text, i.from])).toEqual([
      ["text", "JA", SHOPPER_DIGITS],
      ["text", "again", SHOPPER_DIGITS],
    ]);
  });

  it("reply() from a business-scoped user id has an empty `from`, like Meta's username users", async () => {
    const { sim, delivered } = createHarness();
    sim.reply("user.93737abc", "Hallo");
    await sim.flushDue();
    const value = delivered[0].body.entry[0].changes[0].value;
    expect(keyPaths(delivered[0].body)).toEqual(
      keyPaths(fixture("whatsapp/webhook_inbound_text_username_bsuid_meta_docs.json")).filter((p) => !/profile\.(username|country_code)$/.test(p)),
    );
    expect(value.messages?.[0]).toMatchObject({ from: "", from_user_id: "user.93737abc" });
  });

  it("tapButton() answers the latest message with quick replies, like Meta's recorded button webhook", async () => {
    const { sim, delivered, sendTemplate, clock } = createHarness();
    expect(sim.tapButton(SHOPPER, 0)).toBe(false);
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn(["OPT_IN_YES", "OPT_IN_NO"]));
    const confirmation = sim.sent[0].wamid;
    await sendTemplate(SHOPPER, ORDER, "de", orderConfirmation());
    clock.advance(120_000);
    await sim.flushDue();
    delivered.length = 0;

    sim.setRecipient(SHOPPER, { name: "Anna" });
    expect(sim.tapButton(SHOPPER, 0)).toBe(true);
    expect(await sim.flushDue()).toBe(1);
    expect(keyPaths(delivered[0].body)).toEqual(keyPaths(fixture("whatsapp/webhook_inbound_button_quick_reply_recorded.json")));
    const value = delivered[0].body.entry[0].changes[0].value;
    expect(value.contacts).toEqual([{ profile: { name: "Anna" }, wa_id: SHOPPER_DIGITS }]);
    expect(value.messages?.[0]).toMatchObject({
      context: { from: DISPLAY_PHONE_NUMBER, id: confirmation },
      from: SHOPPER_DIGITS,
      timestamp: String(START.getTime() / 1000 + 120),
      type: "button",
      button: { payload: "OPT_IN_YES", text: "Ja, anmelden" },
    });
    expect(sim.tapButton(SHOPPER, 2)).toBe(false);
    expect(sim.tapButton("+4917600000001", 0)).toBe(false);
  });

  it("tapButton() falls back to the button text when no payload was sent", async () => {
    const { sim, delivered, sendTemplate } = createHarness();
    await sendTemplate(SHOPPER, OPT_IN, "en", optIn());
    expect(sim.tapButton(SHOPPER, 1)).toBe(true);
    await sim.flushDue();
    expect(delivered.at(-1)?.body.entry[0].changes[0].value.messages?.[0].button).toEqual({ payload: "No, thanks", text: "No, thanks" });
    expect(sim.inbound.at(-1)).toMatchObject({ type: "button", text: "No, thanks", payload: "No, thanks", contextWamid: sim.sent[0].wamid });
  });

  it("tapButton() uses Meta's button position and only quick-reply buttons", async () => {
    const { sim, sendTemplate } = createHarness();
    await sendTemplate(SHOPPER, "spring_sale", "de", [{ type: "header", parameters: [{ type: "text", text: "Anna" }] }, body("20", "Sonntag"), urlButton(0, "m1"), quickReply(1, "STOP_MARKETING")]);
    expect(sim.tapButton(SHOPPER, 0)).toBe(false);
    expect(sim.tapButton(SHOPPER, 1)).toBe(true);
    expect(sim.inbound[0].payload).toBe("STOP_MARKETING");
  });

  it("click() gives the full URL of the latest URL button, or null", async () => {
    const { sim, sendTemplate } = createHarness();
    expect(sim.click(SHOPPER)).toBeNull();
    await sendTemplate(SHOPPER, ORDER, "de", orderConfirmation("first"));
    await sendTemplate(SHOPPER, ORDER, "en", orderConfirmation("second"));
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    expect(sim.click(SHOPPER)).toBe(`${APP_URL}/r/second`);
    expect(sim.click(SHOPPER_DIGITS)).toBe(`${APP_URL}/r/second`);
    expect(sim.click("+4917600000001")).toBeNull();
  });

  it("a message that failed cannot be tapped or clicked", async () => {
    const { sim, sendTemplate } = createHarness();
    sim.setRecipient(SHOPPER, { failWith: 131026 });
    await sendTemplate(SHOPPER, ORDER, "de", orderConfirmation());
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    expect(sim.click(SHOPPER)).toBeNull();
    expect(sim.tapButton(SHOPPER, 0)).toBe(false);
  });

  it("keeps inbound and statuses in time order across POSTs", async () => {
    const { sim, delivered, sendTemplate, clock } = createHarness();
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    clock.advance(2000);
    sim.reply(SHOPPER, "JA");
    clock.advance(60_000);
    expect(await sim.flushDue()).toBe(4);
    expect(delivered.map((d) => {
      const value = d.body.entry[0].changes[0].value;
      return value.statuses ? value.statuses.map((s) => s.status).join(",") : `inbound:${(value.messages?.[0].text as { body: string }).body}`;
    })).toEqual(["sent", "inbound:JA", "delivered,read"]);
  });

  it("delivers events the app causes while a flush is running", async () => {
    const calls: string[] = [];
    const harness = createHarness({
      deliverWebhook: async (rawBody) => {
        calls.push(rawBody);
        if (calls.length === 1) harness.sim.reply(SHOPPER, "follow-up");
      },
    });
    harness.sim.reply(SHOPPER, "first");
    expect(await harness.sim.flushDue()).toBe(2);
    expect(calls).toHaveLength(2);
  });
});

describe("template list endpoint", () => {
  const list = (sim: ReturnType<typeof createHarness>["sim"], query = "", wabaId = WABA_ID) =>
    sim.fetch(`${GRAPH}/${wabaId}/message_templates${query}`, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } });

  it("answers like Meta's full template list", async () => {
    const { sim } = createHarness();
    // Meta pages 25 templates by default; the catalogue has more, so ask for all of them on one page.
    const response = await list(sim, `?limit=${HARNESS_TEMPLATES.length}`);
    expect(response.status).toBe(200);
    const json = (await response.json()) as { data: Record<string, unknown>[]; paging: unknown };
    expect(json.data).toHaveLength(HARNESS_TEMPLATES.length);
    const metaTemplate = fixture<{ data: Record<string, unknown>[] }>("whatsapp/template_list_full_response_meta_docs.json").data[0];
    expect(Object.keys(json.data[0])).toEqual(Object.keys(metaTemplate));
    expect(json.data[0]).toMatchObject({ name: "momento_opt_in_confirmation", language: "de", status: "APPROVED", category: "UTILITY", parameter_format: "POSITIONAL" });
    expect(json.data.find((t) => t.name === "paused_template")?.status).toBe("PAUSED");
    expect(new Set(json.data.map((t) => t.id)).size).toBe(HARNESS_TEMPLATES.length);
    expect(json.paging).toMatchObject({ cursors: { before: expect.any(String), after: expect.any(String) } });
    expect(json.paging).not.toHaveProperty("next");
  });

  it("honours fields, status and limit with cursor paging", async () => {
    const { sim } = createHarness();
    const fields = (await (await list(sim, "?fields=name,category,status&status=APPROVED&limit=100")).json()) as { data: Record<string, unknown>[] };
    const fieldsFixture = fixture<{ data: Record<string, unknown>[] }>("whatsapp/template_list_fields_response_meta_docs.json");
    expect(fields.data).toHaveLength(APPROVED_HARNESS_TEMPLATES.length);
    for (const t of fields.data) expect(Object.keys(t).sort()).toEqual(Object.keys(fieldsFixture.data[0]).sort());

    // Two pages whatever the catalogue's size: the second one (same limit) holds the rest.
    const limit = Math.ceil(HARNESS_TEMPLATES.length / 2);
    const first = (await (await list(sim, `?limit=${limit}`)).json()) as { data: { id: string }[]; paging: { next: string; cursors: { after: string } } };
    expect(first.data).toHaveLength(limit);
    const second = (await (await sim.fetch(first.paging.next, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } })).json()) as { data: { id: string }[]; paging: object };
    expect(second.data).toHaveLength(HARNESS_TEMPLATES.length - limit);
    expect(second.paging).not.toHaveProperty("next");
    expect(new Set([...first.data, ...second.data].map((t) => t.id)).size).toBe(HARNESS_TEMPLATES.length);
    expect(await (await list(sim, "?name=no_such")).json()).toEqual({ data: [] });
  });

  it("needs the token and a known WABA id", async () => {
    const { sim } = createHarness();
    await expectMetaError(await sim.fetch(`${GRAPH}/${WABA_ID}/message_templates`), 401, 190);
    const json = await expectMetaError(await list(sim, "", "123"), 400, 100);
    expect(json.error.message).toMatch(/^Unsupported get request\. Object with ID '123'/);
  });

  it("creating a template approves it at once; a duplicate name+language is refused", async () => {
    const { sim, sendTemplate } = createHarness();
    const create = (template: unknown) =>
      sim.fetch(`${GRAPH}/${WABA_ID}/message_templates`, {
        method: "POST",
        headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(template),
      });
    const template = { name: "back_in_stock", language: "en", category: "MARKETING", components: [{ type: "BODY", text: "{{1}} is back!", example: { body_text: [["Mug"]] } }] };
    const created = await create(template);
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ id: expect.any(String), status: "APPROVED", category: "MARKETING" });
    expect((await sendTemplate(SHOPPER, "back_in_stock", "en", [body("Mug")])).status).toBe(200);
    const duplicate = await expectMetaError(await create(template), 400, 100);
    expect(duplicate.error.error_subcode).toBe(2388024);
    await expectMetaError(await create({ ...template, name: "Bad Name" }), 400, 100, /name/);
  });
});

describe("template review (templateReviewMs, reviewTemplate)", () => {
  const template = { name: "back_in_stock", language: "en", category: "MARKETING", components: [{ type: "BODY", text: "{{1}} is back!", example: { body_text: [["Mug"]] } }] };
  const create = (sim: ReturnType<typeof createHarness>["sim"]) =>
    sim.fetch(`${GRAPH}/${WABA_ID}/message_templates`, { method: "POST", headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, "Content-Type": "application/json" }, body: JSON.stringify(template) });

  it("answers PENDING, refuses sends until the review is over, then approves and sends Meta's status webhook", async () => {
    const { sim, clock, delivered, sendTemplate } = createHarness({ templateReviewMs: 60_000 });
    expect(await (await create(sim)).json()).toMatchObject({ status: "PENDING", category: "MARKETING" });
    await expectMetaError(await sendTemplate(SHOPPER, "back_in_stock", "en", [body("Mug")]), 400, 132001);
    clock.advance(59_999);
    expect(await sim.flushDue()).toBe(0);
    clock.advance(1);
    expect(await sim.flushDue()).toBe(1);
    const [webhook] = delivered;
    expect(isValidWhatsAppSignature(webhook.rawBody, webhook.signature, APP_SECRET)).toBe(true);
    expect(keyPaths(webhook.body)).toEqual(keyPaths(fixture("whatsapp/webhook_template_status_approved_pywa.json")));
    expect(webhook.body.entry[0]).toMatchObject({ id: WABA_ID, changes: [{ field: "message_template_status_update", value: { event: "APPROVED", message_template_name: "back_in_stock", message_template_language: "en", message_template_category: "MARKETING" } }] });
    expect((await sendTemplate(SHOPPER, "back_in_stock", "en", [body("Mug")])).status).toBe(200);
  });

  it("decides on demand: a rejection replaces the pending review and is listed with its status", async () => {
    const { sim, clock, delivered } = createHarness({ templateReviewMs: 60_000 });
    await create(sim);
    sim.reviewTemplate("back_in_stock", "en", "REJECTED", "INVALID_FORMAT");
    expect(await sim.flushDue()).toBe(1);
    expect(delivered[0].body.entry[0].changes[0].value).toMatchObject({ event: "REJECTED", reason: "INVALID_FORMAT" });
    clock.advance(120_000);
    expect(await sim.flushDue()).toBe(0);
    const list = (await (await list_(sim, "?name=back_in_stock")).json()) as { data: { name: string; status: string }[] };
    // The name filter matches parts of names too (momento_back_in_stock is in the catalogue).
    expect(list.data.filter((t) => t.name === "back_in_stock")).toEqual([expect.objectContaining({ status: "REJECTED" })]);
    expect(() => sim.reviewTemplate("nope", "en", "APPROVED")).toThrow(/no template nope/);
  });

  const list_ = (sim: ReturnType<typeof createHarness>["sim"], query: string) =>
    sim.fetch(`${GRAPH}/${WABA_ID}/message_templates${query}`, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } });
});

describe("reset", () => {
  it("forgets messages, events, recipients and template status changes", async () => {
    const { sim, sendTemplate } = createHarness();
    sim.setRecipient(SHOPPER, { failWith: 130429 });
    await sendTemplate(SHOPPER, OPT_IN, "de", optIn());
    sim.setRecipient("+4917600000001", {});
    await sendTemplate("+4917600000001", OPT_IN, "de", optIn());
    sim.setTemplateStatus(OPT_IN, "de", "PAUSED");
    sim.reply(SHOPPER, "hi");
    sim.reset();
    expect([sim.sent.length, sim.rejected.length, sim.inbound.length, sim.nextDueAt()]).toEqual([0, 0, 0, null]);
    expect((await sendTemplate(SHOPPER, OPT_IN, "de", optIn())).status).toBe(200);
  });
});

describe("Resumable Upload API and media header examples", () => {
  const PNG = new Uint8Array(exampleImagePng());
  const start = (sim: CloudApiSimulator, query: Record<string, string>, appId = DEFAULT_APP_ID) =>
    sim.fetch(`${GRAPH}/${appId}/uploads?${new URLSearchParams(query)}`, { method: "POST" });
  const describeFile = (length: number, type = "image/png") => ({ file_name: "example.png", file_length: String(length), file_type: type, access_token: ACCESS_TOKEN });
  const send = (sim: CloudApiSimulator, session: string, bytes: Uint8Array<ArrayBuffer>, headers: Record<string, string> = { Authorization: `OAuth ${ACCESS_TOKEN}`, file_offset: "0" }) =>
    sim.fetch(`${GRAPH}/${session}`, { method: "POST", headers, body: bytes });
  const createTemplate = (sim: CloudApiSimulator, header: Record<string, unknown>) =>
    sim.fetch(`${GRAPH}/${WABA_ID}/message_templates`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "new_arrival", language: "en", category: "MARKETING", components: [{ type: "HEADER", format: "IMAGE", ...header }, { type: "BODY", text: "{{1}} is here!", example: { body_text: [["Mug"]] } }] }),
    });
  async function upload(sim: CloudApiSimulator, type = "image/png"): Promise<string> {
    const { id } = (await (await start(sim, describeFile(PNG.length, type))).json()) as { id: string };
    return ((await (await send(sim, id, PNG)).json()) as { h: string }).h;
  }

  it("opens a session for the file, takes its bytes at offset 0 and answers a handle an IMAGE header takes as its example", async () => {
    const { sim, sendTemplate } = createHarness();
    const opened = await start(sim, describeFile(PNG.length));
    expect(opened.status).toBe(200);
    const { id } = (await opened.json()) as { id: string };
    expect(id).toMatch(/^upload:[\w-]+\?sig=[\w-]+$/);
    const sent = await send(sim, id, PNG);
    expect(sent.status).toBe(200);
    const { h } = (await sent.json()) as { h: string };
    // Meta's handles for template examples look like "4::<base64 of the type>:<opaque>".
    expect(h).toMatch(/^4::aW1hZ2UvcG5n:AR[\w-]+$/);
    expect(await (await createTemplate(sim, { example: { header_handle: [h] } })).json()).toMatchObject({ status: "APPROVED" });
    const image = { type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example.com/mug.png" } }] };
    expect((await sendTemplate(SHOPPER, "new_arrival", "en", [image, body("Mug")])).status).toBe(200);
  });

  it("the app's client uploads the example image and gets the handle", async () => {
    const { sim } = createHarness({ appId: "555000111222" });
    const target = { baseUrl: "https://graph.facebook.com", apiVersion: "v24.0", accessToken: ACCESS_TOKEN, fetch: sim.fetch };
    const uploaded = await uploadFile(target, "555000111222", { ...EXAMPLE_IMAGE, bytes: PNG });
    expect(uploaded).toEqual({ ok: true, handle: expect.stringMatching(/^4::aW1hZ2UvcG5n:/) });
    expect(await uploadFile(target, DEFAULT_APP_ID, { ...EXAMPLE_IMAGE, bytes: PNG })).toEqual({ ok: false, kind: "meta", code: 100, subcode: 33, httpStatus: 400 });
    expect(await uploadFile({ ...target, accessToken: "wrong" }, "555000111222", { ...EXAMPLE_IMAGE, bytes: PNG })).toMatchObject({ ok: false, kind: "meta", code: 190, httpStatus: 401 });
  });

  it("opening a session needs the token, the app's own id, a file name, a positive length and a type Meta takes", async () => {
    const { sim } = createHarness();
    await expectMetaError(await start(sim, { ...describeFile(10), access_token: "wrong" }), 401, 190);
    expect((await expectMetaError(await start(sim, describeFile(10), "123456"), 400, 100)).error.message).toMatch(/^Unsupported post request\. Object with ID '123456'/);
    await expectMetaError(await start(sim, { ...describeFile(10), file_name: "" }), 400, 100, /file_name/);
    await expectMetaError(await start(sim, describeFile(0)), 400, 100, /file_length/);
    await expectMetaError(await start(sim, { ...describeFile(10), file_length: "ten" }), 400, 100, /file_length/);
    await expectMetaError(await start(sim, describeFile(10, "image/gif")), 400, 100, /file_type/);
  });

  it("the data step needs the token as an OAuth header, the right session and the offset of the bytes received; it resumes", async () => {
    const { sim } = createHarness();
    const { id } = (await (await start(sim, describeFile(PNG.length))).json()) as { id: string };
    await expectMetaError(await sim.fetch(`${GRAPH}/${id}&access_token=${ACCESS_TOKEN}`, { method: "POST", headers: { file_offset: "0" }, body: PNG }), 401, 190);
    await expectMetaError(await send(sim, id, PNG, { Authorization: `Bearer ${ACCESS_TOKEN}`, file_offset: "0" }), 401, 190);
    await expectMetaError(await send(sim, id.replace(/sig=.*/, "sig=forged"), PNG), 400, 100);
    await expectMetaError(await send(sim, id, PNG, { Authorization: `OAuth ${ACCESS_TOKEN}` }), 400, 100, /file_offset/);
    await expectMetaError(await send(sim, id, PNG, { Authorization: `OAuth ${ACCESS_TOKEN}`, file_offset: "7" }), 400, 100, /file_offset 7/);

    // Interrupted after 100 bytes: GET tells the offset, and the rest completes the file.
    expect(await (await send(sim, id, PNG.slice(0, 100))).json()).toEqual({ id, file_offset: "100" });
    expect(await (await sim.fetch(`${GRAPH}/${id}`, { headers: { Authorization: `OAuth ${ACCESS_TOKEN}` } })).json()).toEqual({ id, file_offset: "100" });
    await expectMetaError(await send(sim, id, PNG, { Authorization: `OAuth ${ACCESS_TOKEN}`, file_offset: "100" }), 400, 100, /longer than the file_length/);
    const done = (await (await send(sim, id, PNG.slice(100), { Authorization: `OAuth ${ACCESS_TOKEN}`, file_offset: "100" })).json()) as { h: string };
    expect((await createTemplate(sim, { example: { header_handle: [done.h] } })).status).toBe(200);
  });

  it("refuses an IMAGE header whose example is a URL, a handle it never issued, a video's handle, or missing", async () => {
    const { sim } = createHarness();
    const refused = async (header: Record<string, unknown>) => {
      const json = await expectMetaError(await createTemplate(sim, header), 400, 100);
      expect(json.error).toMatchObject({ error_subcode: 2494102, error_user_title: "Uploaded Media Handle Is Invalid" });
    };
    await refused({ example: { header_handle: [`${APP_URL}/template-examples/product.png`] } });
    await refused({ example: { header_handle: ["4::aW1hZ2UvcG5n:ARforged"] } });
    await refused({ example: { header_handle: [await upload(sim, "video/mp4")] } });
    await refused({});
    expect((await createTemplate(sim, { example: { header_handle: [await upload(sim)] } })).status).toBe(200);
  });
});
