// The Automations page: each flow with its switch, timing, template mapping and a preview of the message
// as the shopper sees it (the template's text with sample data, its buttons under the bubble).
import { shopDisplayName } from "../automations/consent-messages";
import { COMMON } from "../i18n/common";
import { fill, localizeErrors } from "../i18n/form-errors";
import type { AdminLanguage } from "../i18n/locale";
import { AUTOMATIONS, type AutomationsStrings } from "../i18n/automations";
import type { MerchantDeps } from "../onboarding/deps";
import { syncTemplates, type ActionResult } from "../onboarding/service";
import { fallbackLanguage, loadShopTemplates, templateApproval } from "../templates/whatsapp-templates";
import { describeOrder } from "../automations/wismo";
import { FREE_FORM_REPLIES, placeholderCount, suggestedTemplates, TEMPLATE_LANGUAGES, TEMPLATE_NAMES, type TemplateDefinition, type TemplateLanguage } from "../templates/catalogue";
import { flowFieldsFor } from "./flow-fields";
import { parseFlowForm, templateFits } from "./form";
import { DELAYED_FLOWS, FLOW_IDS, isLiveFlow, type FlowId, type SyncedTemplate } from "./schema";
import { readShop, writeSettings } from "./store";

/** Momento's suggested template per flow (cart recovery's come with that flow's catalogue entries). */
export const SUGGESTED_TEMPLATE: Partial<Record<FlowId, string>> = {
  order_confirmation: TEMPLATE_NAMES.orderConfirmation,
  opt_in_confirmation: TEMPLATE_NAMES.optInConfirmation,
  shipping_update: TEMPLATE_NAMES.shippingUpdate,
  feedback: TEMPLATE_NAMES.feedback,
  back_in_stock: TEMPLATE_NAMES.backInStock,
  win_back: TEMPLATE_NAMES.winBack,
  loyalty: TEMPLATE_NAMES.loyaltyThanks,
};

/** Flows that answer in free-form text (no template): their preview is the text itself, with sample data. */
const FREE_FORM_PREVIEW: Partial<Record<FlowId, (language: TemplateLanguage) => string>> = {
  wismo: (language) =>
    describeOrder(
      {
        id: "sample", shop: "sample", name: "#1001", locale: language, cancelled: false, orderStatusUrl: null, customerKey: null, createdAt: new Date(0),
        fulfillments: [{ status: "success", shipmentStatus: "in_transit", trackingCompany: "DHL", trackingNumber: "00340434161094042557", trackingUrl: "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557", sourceUpdatedAt: new Date(0) }],
      },
      language,
    ),
  auto_reply: (language) => FREE_FORM_REPLIES[language].fallback,
};
const FREE_FORM_PREVIEW_NAME = "text";

export interface Preview {
  text: string;
  buttons: { type: string; text: string }[];
}

export interface FlowCard {
  id: FlowId;
  name: string;
  description: string;
  trigger: string;
  live: boolean;
  enabled: boolean;
  category: string | null;
  consent: string | null;
  delayMinutes: string | null;
  steps: [string, string] | null;
  /** The flow's own settings (settings/flow-fields.ts). */
  fields: { name: string; label: string; help: string; value: string }[];
  plannedTiming: string | null;
  suggestedTemplate: string | null;
  template: string | null;
  templateOptions: { label: string; value: string }[];
  /** template name → language → preview */
  previews: Record<string, Partial<Record<string, Preview>>>;
  /** Meta's approval of each template the flow sends, per language; empty for planned flows. */
  templateStatus: { text: string; tone: "success" | "attention" | "critical" | "info"; paused: boolean }[];
}

export interface AutomationsPage {
  language: AdminLanguage;
  strings: AutomationsStrings;
  common: { on: string; off: string; comingSoon: string; languages: Record<string, string>; notSaved: string };
  previewTime: string;
  /** Set when the shop has its own connection, so templates can be synced from this page. */
  canSyncTemplates: boolean;
  flows: FlowCard[];
}

const CATEGORY: Partial<Record<FlowId, "UTILITY" | "MARKETING">> = {
  order_confirmation: "UTILITY",
  opt_in_confirmation: "UTILITY",
  cart_recovery: "MARKETING",
  shipping_update: "UTILITY",
  wismo: "UTILITY",
  auto_reply: "UTILITY",
  back_in_stock: "MARKETING",
  feedback: "MARKETING",
  win_back: "MARKETING",
  loyalty: "MARKETING",
};

const PLANNED_TIMING: Record<AdminLanguage, Partial<Record<FlowId, string>>> = {
  en: { back_in_stock: "at once, spread out over time", win_back: "60 days after the last order" },
  de: { back_in_stock: "sofort, zeitlich verteilt", win_back: "60 Tage nach der letzten Bestellung" },
};

function fillText(body: string, values: string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => values[Number(n) - 1] ?? whole);
}

/** Sample values for a suggested template, with the shop's own name where the template names the shop. */
function samples(definition: TemplateDefinition, shopName: string): string[] {
  const body = definition.components.find((c) => c.type === "BODY");
  const values = body && "example" in body ? [...body.example.body_text[0]] : [];
  return values.map((v) => (v === "Demo Shop" ? shopName : v));
}

function previewOf(definition: TemplateDefinition, shopName: string): Preview {
  const body = definition.components.find((c) => c.type === "BODY");
  const buttons = definition.components.find((c) => c.type === "BUTTONS");
  return {
    text: fillText(body && "text" in body ? body.text : "", samples(definition, shopName)),
    buttons: buttons && "buttons" in buttons ? buttons.buttons.map((b) => ({ type: b.type, text: b.text })) : [],
  };
}

type Shape = Pick<SyncedTemplate, "parameters" | "buttons">;

function definitionShape(def: TemplateDefinition): Shape {
  const body = def.components.find((c) => c.type === "BODY");
  const buttons = def.components.find((c) => c.type === "BUTTONS");
  return {
    parameters: placeholderCount(body && "text" in body ? body.text : ""),
    buttons: buttons && "buttons" in buttons ? buttons.buttons.map((b) => ({ type: b.type, text: b.text })) : [],
  };
}

/** The shape a mapped template must have: the suggested template's as synced, else as in the catalogue. */
function suggestedShape(appUrl: string, synced: readonly SyncedTemplate[], name: string | null): Shape | null {
  if (!name) return null;
  const def = suggestedTemplates(appUrl).find((t) => t.name === name);
  return synced.find((t) => t.name === name) ?? (def ? definitionShape(def) : null);
}

function syncedPreview(template: SyncedTemplate, sampleValues: string[]): Preview {
  return { text: fillText(template.body, sampleValues), buttons: template.buttons.map((b) => ({ type: b.type, text: b.text })) };
}

/**
 * One line per template the flow sends and language: the same verdict the send-time gate reaches
 * (templates/whatsapp-templates.ts), so what the page says paused is what the worker skips.
 */
function flowTemplateStatus(
  s: AutomationsStrings,
  languages: Record<string, string>,
  syncedAt: Date | null,
  synced: readonly (SyncedTemplate & { rejectedReason: string | null })[],
  names: string[],
  shopLocale: string,
): FlowCard["templateStatus"] {
  if (syncedAt === null) return [{ text: s.templateNotSynced, tone: "info", paused: false }];
  return names.flatMap((name) =>
    TEMPLATE_LANGUAGES.map((language) => {
      const row = synced.find((t) => t.name === name && t.language === language) ?? null;
      const approval = templateApproval(syncedAt, row);
      const vars = { template: name, language: languages[language] ?? language };
      if (approval.state !== "not_approved") return { text: fill(s.templateApproved, vars), tone: "success" as const, paused: false };
      const status = approval.status === "MISSING" ? s.templateMissing : (s.templateStatuses[approval.status] ?? approval.status);
      const reason = approval.rejectedReason ? ` ${fill(s.templateRejectedReason, { reason: approval.rejectedReason })}` : "";
      const fallback = fallbackLanguage(synced, name, language, shopLocale);
      if (fallback) return { text: `${fill(s.templateFallback, { ...vars, status, fallback: languages[fallback] ?? fallback })}${reason}`, tone: "attention" as const, paused: false };
      return { text: `${fill(s.templateNotApproved, { ...vars, status })}${reason}`, tone: approval.status === "PENDING" ? ("attention" as const) : ("critical" as const), paused: true };
    }),
  );
}

export async function automationsPage(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<AutomationsPage> {
  const s = AUTOMATIONS[language];
  const c = COMMON[language];
  const { settings, timezone, locale } = await readShop(deps.db, shop);
  const shopName = settings.shopName ?? shopDisplayName(shop, "{}");
  const catalogue = suggestedTemplates(deps.appUrl);
  const { syncedAt, templates: synced } = await loadShopTemplates(deps.db, shop);
  const connected = (await deps.db.whatsAppConnection.count({ where: { shop } })) > 0;

  const flows = FLOW_IDS.map((id): FlowCard => {
    const live = isLiveFlow(id);
    const flow = settings.flows[id];
    const text = c.flows[id];
    const category = CATEGORY[id] ?? null;
    const suggested = SUGGESTED_TEMPLATE[id] ?? null;
    const previews: FlowCard["previews"] = {};
    const options: FlowCard["templateOptions"] = [];
    const suggestedDefs = catalogue.filter((t) => (suggested ? t.name === suggested : id === "cart_recovery" && t.name.startsWith("momento_cart_recovery")));
    for (const def of suggestedDefs) (previews[def.name] ??= {})[def.language] = previewOf(def, shopName);
    const freeForm = FREE_FORM_PREVIEW[id];
    if (freeForm) previews[FREE_FORM_PREVIEW_NAME] = Object.fromEntries(TEMPLATE_LANGUAGES.map((l) => [l, { text: freeForm(l), buttons: [] }]));
    if (suggested && suggestedDefs.length > 0) {
      options.push({ label: fill(s.templateSuggested, { name: suggested }), value: suggested });
      // Alternatives: approved synced templates that fit the suggested one's shape in some language.
      const shape = suggestedShape(deps.appUrl, synced, suggested) ?? definitionShape(suggestedDefs[0]);
      const alternatives = synced.filter((t) => t.name !== suggested && t.status === "APPROVED" && templateFits(t, shape));
      for (const t of alternatives) {
        if (!options.some((o) => o.value === t.name)) options.push({ label: t.name, value: t.name });
        const sampleDef = suggestedDefs.find((d) => d.language === t.language) ?? suggestedDefs[0];
        (previews[t.name] ??= {})[t.language] = syncedPreview(t, samples(sampleDef, shopName));
      }
    }
    return {
      id,
      name: text.name,
      description: text.description,
      trigger: text.trigger,
      live,
      enabled: live && flow.enabled,
      category: category ? c.category[category] : null,
      consent: category ? c.consentNeeded[category] : null,
      delayMinutes: live && DELAYED_FLOWS.includes(id) ? String(flow.delayMinutes) : null,
      steps: id === "cart_recovery" ? [String(settings.cartRecoverySteps[0]), String(settings.cartRecoverySteps[1])] : null,
      fields: live ? flowFieldsFor(id, settings, language) : [],
      plannedTiming: live ? null : fill(s.plannedTiming, { timing: PLANNED_TIMING[language][id] ?? "" }),
      suggestedTemplate: suggested,
      template: flow.template ?? suggested,
      templateOptions: options,
      previews,
      templateStatus: live ? flowTemplateStatus(s, c.languages, syncedAt, synced, [...new Set(flow.template ? [flow.template] : suggestedDefs.map((d) => d.name))], locale) : [],
    };
  });

  return {
    language,
    strings: s,
    common: { on: c.on, off: c.off, comingSoon: c.comingSoon, languages: Object.fromEntries(TEMPLATE_LANGUAGES.map((l) => [l, c.languages[l]])), notSaved: c.notSaved },
    previewTime: new Intl.DateTimeFormat("de-DE", { timeZone: timezone, hour: "2-digit", minute: "2-digit" }).format(deps.clock.now()),
    canSyncTemplates: connected,
    flows,
  };
}

export async function automationsAction(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage): Promise<ActionResult> {
  const s = AUTOMATIONS[language];
  const c = COMMON[language];
  const intent = String(form.get("intent") ?? "");
  const flow = String(form.get("flow") ?? "");
  if (intent === "syncTemplates") return syncTemplates(deps, shop, language);

  if (intent === "toggle") {
    if (!isLiveFlow(flow)) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, { flow: { code: FLOW_IDS.includes(flow as FlowId) ? "plannedFlow" : "unknownFlow" } }) };
    const enabled = form.get("enabled") === "on";
    await writeSettings(deps.db, shop, { flows: { [flow]: { enabled } } });
    return { ok: true, intent, message: fill(enabled ? s.turnedOn : s.turnedOff, { flow: c.flows[flow].name }) };
  }
  if (intent === "flow") {
    const suggestedName = SUGGESTED_TEMPLATE[flow as FlowId] ?? null;
    const { templates: synced } = await loadShopTemplates(deps.db, shop);
    const parsed = parseFlowForm(form, { synced, suggested: suggestedShape(deps.appUrl, synced, suggestedName), suggestedName });
    if (!parsed.ok) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, parsed.errors) };
    const { flow: id, enabled, delayMinutes, template, cartRecoverySteps, settings: fields } = parsed.value;
    await writeSettings(deps.db, shop, {
      flows: { [id]: { enabled, ...(delayMinutes !== undefined ? { delayMinutes } : {}), ...(template !== undefined ? { template } : {}) } },
      ...(cartRecoverySteps ? { cartRecoverySteps } : {}),
      ...fields,
    });
    return { ok: true, intent, message: c.saved };
  }
  return { ok: false, intent, message: "Unknown action", errors: {} };
}
