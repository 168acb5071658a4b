// Shared setup for the simulator tests: a simulator in virtual time that records every webhook it posts.
import { createVirtualClock, type VirtualClock } from "~/.server/clock";
import { suggestedTemplates } from "~/.server/templates/catalogue";
import { createCloudApiSimulator, type CloudApiSimulator, type CloudApiSimulatorOptions, type SimulatorTemplate } from "../../simulator/cloud-api";

export const APP_URL = "https://momento.example.com";
export const APP_SECRET = "test-app-secret";
export const ACCESS_TOKEN = "test-access-token";
export const PHONE_NUMBER_ID = "106540352242922";
export const WABA_ID = "102290129340398";
export const DISPLAY_PHONE_NUMBER = "15550783881";
export const GRAPH = "https://graph.facebook.com/v24.0";
export const START = new Date("2026-03-02T09:00:00Z");
export const SHOPPER = "+4915112345678";
export const SHOPPER_DIGITS = "4915112345678";

/** Extra templates beyond the catalogue: a text header, mixed URL + quick-reply buttons, a marketing category. */
export const EXTRA_TEMPLATES: SimulatorTemplate[] = [
  {
    name: "spring_sale",
    language: "de",
    category: "MARKETING",
    parameter_format: "POSITIONAL",
    components: [
      { type: "HEADER", format: "TEXT", text: "Hallo {{1}}!", example: { header_text: ["Anna"] } },
      { type: "BODY", text: "{{1}} % auf alles bis {{2}}.", example: { body_text: [["20", "Sonntag"]] } },
      {
        type: "BUTTONS",
        buttons: [
          { type: "URL", text: "Zum Shop", url: `${APP_URL}/r/{{1}}`, example: [`${APP_URL}/r/example`] },
          { type: "QUICK_REPLY", text: "Keine Werbung mehr" },
          { type: "URL", text: "Impressum", url: `${APP_URL}/impressum` },
        ],
      },
    ],
  },
  {
    name: "paused_template",
    language: "de",
    category: "MARKETING",
    status: "PAUSED",
    components: [{ type: "BODY", text: "Pausiert." }],
  },
];

export interface Delivered {
  rawBody: string;
  signature: string;
  body: WebhookBody;
}

export interface WebhookBody {
  object: string;
  entry: {
    id: string;
    changes: {
      field: string;
      value: {
        messaging_product: string;
        metadata: { display_phone_number: string; phone_number_id: string };
        statuses?: Record<string, unknown>[];
        contacts?: Record<string, unknown>[];
        messages?: Record<string, unknown>[];
      };
    }[];
  }[];
}

export interface Harness {
  sim: CloudApiSimulator;
  clock: VirtualClock;
  delivered: Delivered[];
  send(body: unknown, init?: { token?: string | null; phoneNumberId?: string }): Promise<Response>;
  sendTemplate(to: string, template: string, language: string, components?: unknown[], extra?: Record<string, unknown>): Promise<Response>;
  statuses(): Record<string, unknown>[];
}

export function createHarness(overrides: Partial<CloudApiSimulatorOptions> = {}): Harness {
  const clock = createVirtualClock(START);
  const delivered: Delivered[] = [];
  const sim = createCloudApiSimulator({
    clock,
    appSecret: APP_SECRET,
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
    wabaId: WABA_ID,
    displayPhoneNumber: DISPLAY_PHONE_NUMBER,
    templates: [...suggestedTemplates(APP_URL), ...EXTRA_TEMPLATES],
    deliverWebhook: async (rawBody, signature) => {
      delivered.push({ rawBody, signature, body: JSON.parse(rawBody) as WebhookBody });
    },
    ...overrides,
  });

  const send: Harness["send"] = (body, init = {}) => {
    const token = init.token === undefined ? ACCESS_TOKEN : init.token;
    return sim.fetch(`${GRAPH}/${init.phoneNumberId ?? PHONE_NUMBER_ID}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token !== null ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  };

  return {
    sim,
    clock,
    delivered,
    send,
    sendTemplate: (to, template, language, components = [], extra = {}) =>
      send({ messaging_product: "whatsapp", recipient_type: "individual", to, type: "template", template: { name: template, language: { policy: "deterministic", code: language }, components }, ...extra }),
    statuses: () => delivered.flatMap((d) => d.body.entry.flatMap((e) => e.changes.flatMap((c) => c.value.statuses ?? []))),
  };
}

export const body = (...texts: string[]) => ({ type: "body", parameters: texts.map((text) => ({ type: "text", text })) });
export const urlButton = (index: number, ...suffixes: string[]) => ({
  type: "button",
  sub_type: "url",
  index: String(index),
  parameters: suffixes.map((text) => ({ type: "text", text })),
});
export const quickReply = (index: number, payload?: string) => ({
  type: "button",
  sub_type: "quick_reply",
  index: String(index),
  parameters: payload === undefined ? [] : [{ type: "payload", payload }],
});

/** An opt-in confirmation (1 body parameter, two quick replies). */
export const optIn = (payloads: [string, string] | [] = []) => [
  body("Demo Shop"),
  ...payloads.map((payload, index) => quickReply(index, payload)),
];
/** An order confirmation (3 body parameters, one URL button with a suffix). */
export const orderConfirmation = (suffix = "msg-1") => [body("Anna", "#1001", "49,90 €"), urlButton(0, suffix)];

/** Every key path of a JSON value; array elements collapse to "[]", so shapes compare regardless of length. */
export function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((item) => keyPaths(item, `${prefix}[]`)))].sort();
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .flatMap(([key, child]) => [`${prefix}.${key}`, ...keyPaths(child, `${prefix}.${key}`)])
      .sort();
  }
  return [];
}

/** Every template the harness's simulator knows, and how many of them are APPROVED. */
export const HARNESS_TEMPLATES = [...suggestedTemplates(APP_URL), ...EXTRA_TEMPLATES];
export const APPROVED_HARNESS_TEMPLATES = HARNESS_TEMPLATES.filter((t) => (("status" in t ? t.status : undefined) ?? "APPROVED") === "APPROVED");
