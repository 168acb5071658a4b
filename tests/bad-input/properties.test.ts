// Property-based tests (fast-check) of everything that reads outside input: the Shopify payload projections, Meta's
// webhook parser, phone normalisation, template rendering and the replay parser. None of them may throw on
// arbitrary input; each answers with a value or a reason.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizePhone } from "~/.server/identity";
import { buyerPhoneCandidates, checkoutDeletePayload, checkoutPayload, describeZodError, orderPayload } from "~/.server/ingest/shopify-payloads";
import { placeholderCount, renderTemplateBody, suggestedTemplates, TEMPLATE_LANGUAGES } from "~/.server/templates/catalogue";
import { parseWhatsAppWebhook } from "~/.server/whatsapp/parse-webhook";
import { parseReplay } from "../../simulator/replay";
import { fixture } from "../fixtures";

const RUNS = { numRuns: 300 };

/** Arbitrary JSON, and real payloads with arbitrary values put at arbitrary paths (closer to what goes wrong). */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  return fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.jsonValue()).map(([path, value]) => {
    const copy = structuredClone(base) as unknown;
    let node = copy as Record<string, unknown>;
    for (const [depth, step] of path.entries()) {
      if (node === null || typeof node !== "object") break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[step % keys.length];
      if (depth === path.length - 1 || node[key] === null || typeof node[key] !== "object") {
        node[key] = value;
        break;
      }
      node = node[key] as Record<string, unknown>;
    }
    return copy;
  });
}

describe("Shopify payload projections", () => {
  const order = fixture("shopify/orders_create.json");
  const checkout = fixture("shopify/checkouts_create.json");
  it.each([
    ["orders", orderPayload, order],
    ["checkouts", checkoutPayload, checkout],
    ["checkouts/delete", checkoutDeletePayload, { id: 1 }],
  ] as const)("%s: never throws on arbitrary or mutated JSON; a rejection has a readable reason", (_name, schema, sample) => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated(sample)), (input) => {
        const result = schema.safeParse(input);
        if (!result.success) expect(describeZodError(result.error)).toMatch(/\S/);
      }),
      RUNS,
    );
  });

  it("phone candidates of any accepted order are strings", () => {
    fc.assert(
      fc.property(mutated(order), (input) => {
        const result = orderPayload.safeParse(input);
        if (result.success) for (const phone of buyerPhoneCandidates(result.data)) expect(typeof phone).toBe("string");
      }),
      RUNS,
    );
  });
});

describe("Meta's webhook parser", () => {
  const samples = ["whatsapp/webhook_inbound_text_pywa.json", "whatsapp/webhook_status_failed_131049_meta_docs.json", "whatsapp/webhook_user_preferences_resume_pywa.json", "whatsapp/webhook_inbound_button_quick_reply_recorded.json"].map((f) => fixture(f as `whatsapp/${string}.json`));
  it("never throws on arbitrary or mutated JSON, and answers a reason when it refuses", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), ...samples.map(mutated), fc.anything()), (input) => {
        const result = parseWhatsAppWebhook(input);
        if (!result.ok) expect(result.reason).toMatch(/\S/);
        else expect(Array.isArray(result.value.statuses) && Array.isArray(result.value.inbound)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe("phone normalisation", () => {
  it("never throws; what it returns is E.164 and normalises to itself", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()\-./]{0,20}$/)), fc.constantFrom("DE", "AT", "CH", "US", "GB", "de", "", "XX", "ZZZ"), (raw, country) => {
        const phone = normalizePhone(raw, country);
        if (phone === null) return;
        expect(phone).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(normalizePhone(phone, "DE")).toBe(phone);
      }),
      RUNS,
    );
  });

  it("reads the same number written in different ways alike", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000_000, max: 99_999_999 }), (n) => {
        const e164 = `+49151${n}`;
        expect(normalizePhone(`0151 ${n}`, "DE")).toBe(e164);
        expect(normalizePhone(`+49 (151) ${String(n).slice(0, 4)}-${String(n).slice(4)}`, "AT")).toBe(e164);
        expect(normalizePhone(` 0049151${n} `, "DE")).toBe(e164);
      }),
      RUNS,
    );
  });
});

describe("template rendering", () => {
  const templates = [...new Set(suggestedTemplates("https://app.example").map((t) => t.name))];
  it("fills every placeholder with its parameter verbatim, whatever the parameter holds ($&, {{2}}, emoji)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...templates), fc.constantFrom(...TEMPLATE_LANGUAGES), fc.array(fc.string({ unit: "grapheme" }), { minLength: 10, maxLength: 10 }), (name, language, parameters) => {
        const text = renderTemplateBody(name, language, parameters);
        expect(text).not.toBeNull();
        const unfilled = renderTemplateBody(name, language, [])!;
        for (const parameter of parameters.slice(0, placeholderCount(unfilled))) expect(text).toContain(parameter);
        // A parameter that looks like a placeholder is not filled in a second time.
        const tricky = renderTemplateBody(name, language, Array.from({ length: 10 }, () => "{{1}}$&$1"))!;
        expect(tricky.split("{{1}}$&$1").length - 1).toBe(unfilled.match(/\{\{\s*\d+\s*\}\}/g)?.length ?? 0);
      }),
      RUNS,
    );
  });

  it("an unknown template renders as null, never throws", () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom(...TEMPLATE_LANGUAGES), fc.array(fc.string()), (name, language, parameters) => {
      if (!templates.includes(name)) expect(renderTemplateBody(name, language, parameters)).toBeNull();
    }), RUNS);
  });
});

describe("the replay parser", () => {
  const valid = ['{"config":{"shop":"replay.myshopify.com","start":"2026-03-02T10:00:00Z"}}', '{"at":"2026-03-02T10:00:01Z","kind":"shopify","topic":"orders/create","payload":{}}'];
  it("either parses or throws an Error that names a line (never a TypeError, never the line's content)", () => {
    const secret = "+4915199999999";
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), fc.constantFrom(...valid), fc.constant(`{"phone":"${secret}"`)), { maxLength: 6 }).map((lines) => lines.join("\n")),
        ),
        (text) => {
          try {
            parseReplay(text);
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            expect(error).not.toBeInstanceOf(TypeError);
            expect((error as Error).message).toMatch(/line \d+|empty|no events|time order/);
            expect((error as Error).message).not.toContain(secret);
          }
        },
      ),
      RUNS,
    );
  });
});
