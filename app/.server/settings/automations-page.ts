// The Automations page: each flow with its switch, timing, template mapping and a preview of the message
// as the shopper sees it (its header, the template's text filled from the shop's latest matching record —
// settings/preview-data.ts — or sample data, its buttons under the bubble).
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
import { headerComponent, type HeaderFormat, type HeaderMedia } from "../templates/media-header";
import { flowFieldsFor } from "./flow-fields";
import { SUGGESTED_TEMPLATE } from "./flows";
import { parseFlowForm, templateFits } from "./form";
import { loadPreviewRecords, type PreviewRecord } from "./preview-data";
import { DELAYED_FLOWS, FLOW_IDS, isFlowId, type FlowId, type SyncedTemplate } from "./schema";
import { readShop, writeSettings } from "./store";

export { SUGGESTED_TEMPLATE };

/** Cart recovery's later steps: previewed under the (mappable) first one. */
const LATER_STEPS: Partial<Record<FlowId, string[]>> = {
  cart_recovery: [TEMPLATE_NAMES.cartRecovery2, TEMPLATE_NAMES.cartRecovery2Discount],
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

export interface PreviewHeader {
  /** image: `url` is the picture; video: `url` is the video; placeholder: nothing to show (label says why). */
  kind: "image" | "video" | "placeholder";
  url: string | null;
  label: string;
}

export interface Preview {
  text: string;
  buttons: { type: string; text: string }[];
  header?: PreviewHeader;
}

export interface FlowCard {
  id: FlowId;
  name: string;
  description: string;
  trigger: string;
  enabled: boolean;
  category: string | null;
  consent: string | null;
  delayMinutes: string | null;
  steps: [string, string] | null;
  /** The flow's own settings (settings/flow-fields.ts). */
  fields: { name: string; label: string; help: string; value: string }[];
  suggestedTemplate: string | null;
  template: string | null;
  templateOptions: { label: string; value: string }[];
  /** template name → language → preview */
  previews: Record<string, Partial<Record<string, Preview>>>;
  /** Templates of later steps, previewed after the chosen one (cart recovery's step 2). */
  laterSteps: string[];
  /** Which data fills the previews: "Preview with order #1042", or "Sample data". */
  previewSource: string;
  /** Meta's approval of each template the flow sends, per language. */
  templateStatus: { text: string; tone: "success" | "attention" | "critical" | "info"; paused: boolean }[];
}

export interface AutomationsPage {
  language: AdminLanguage;
  strings: AutomationsStrings;
  common: { on: string; off: string; languages: Record<string, string>; notSaved: string };
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

function fillText(body: string, values: string[]): string {
  return body.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => values[Number(n) - 1] ?? whole);
}

/** Sample values for a suggested template, with the shop's own name where the template names the shop. */
function samples(definition: TemplateDefinition, shopName: string): string[] {
  const body = definition.components.find((c) => c.type === "BODY");
  const values = body && "example" in body ? [...body.example.body_text[0]] : [];
  return values.map((v) => (v === "Demo Shop" ? shopName : v));
}

/** A template's parts as the preview needs them, from the catalogue or as synced. */
interface PreviewShape {
  body: string;
  buttons: { type: string; text: string }[];
  header: HeaderFormat;
}

function definitionShape(def: TemplateDefinition): PreviewShape & Pick<SyncedTemplate, "parameters"> {
  const header = def.components.find((c) => c.type === "HEADER");
  const body = def.components.find((c) => c.type === "BODY");
  const buttons = def.components.find((c) => c.type === "BUTTONS");
  const text = body && "text" in body ? body.text : "";
  return {
    body: text,
    parameters: placeholderCount(text),
    buttons: buttons && "buttons" in buttons ? buttons.buttons.map((b) => ({ type: b.type, text: b.text })) : [],
    header: header && "format" in header ? header.format : "none",
  };
}

/** The shape a mapped template must have: the suggested template's as synced, else as in the catalogue. */
function suggestedShape(appUrl: string, synced: readonly SyncedTemplate[], name: string | null): Pick<SyncedTemplate, "parameters" | "buttons"> | null {
  if (!name) return null;
  const def = suggestedTemplates(appUrl).find((t) => t.name === name);
  return synced.find((t) => t.name === name) ?? (def ? definitionShape(def) : null);
}

/** The header as the message would carry it: built by the send path's own function (templates/media-header.ts). */
function headerPreview(s: AutomationsStrings, format: HeaderFormat, media: HeaderMedia, fromRecord: boolean): PreviewHeader | undefined {
  if (format === "none" || format === "TEXT") return undefined;
  const outcome = headerComponent({ header: format }, media);
  const parameter = outcome.ok ? outcome.component?.parameters[0] : undefined;
  if (parameter?.type === "image") return { kind: "image", url: parameter.image.link, label: s.headerImage };
  if (parameter?.type === "video") return { kind: "video", url: parameter.video.link, label: fill(s.headerVideo, { url: parameter.video.link }) };
  if (format === "IMAGE") return { kind: "placeholder", url: null, label: fromRecord ? s.headerImageMissing : s.headerImageSample };
  return { kind: "placeholder", url: null, label: format === "VIDEO" ? s.headerVideoMissing : s.headerDocument };
}

/**
 * One template in one language, filled from the record where there is one: the planner's parameters first, the
 * sample values for places filled only at send time (discount codes) and for a flow without a record.
 */
function preview(s: AutomationsStrings, shape: PreviewShape, language: TemplateLanguage, sampleValues: string[], record: PreviewRecord | undefined, video: string | null): Preview {
  const real = record?.parameters(language) ?? [];
  const values = [...real, ...sampleValues.slice(real.length)];
  const header = headerPreview(s, shape.header, { ...record?.media, video }, record !== undefined);
  return { text: fillText(shape.body, values), buttons: shape.buttons.map((b) => ({ type: b.type, text: b.text })), ...(header ? { header } : {}) };
}

function previewSource(s: AutomationsStrings, record: PreviewRecord | undefined, language: AdminLanguage, timeZone: string): string {
  const source = record?.source;
  if (!source) return s.previewSample;
  switch (source.kind) {
    case "order":
      return fill(s.previewWithOrder, { order: source.name });
    case "checkout":
      return fill(s.previewWithCheckout, { date: new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(source.at) });
    case "signup":
      return source.product ? fill(s.previewWithSignup, { product: source.product }) : s.previewWithSignupUnknown;
  }
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
  const records = await loadPreviewRecords(deps.db, shop, settings, shopName);

  const flows = FLOW_IDS.map((id): FlowCard => {
    const flow = settings.flows[id];
    const text = c.flows[id];
    const category = CATEGORY[id] ?? null;
    const suggested = SUGGESTED_TEMPLATE[id] ?? null;
    const laterSteps = LATER_STEPS[id] ?? [];
    const record = records[id];
    const previews: FlowCard["previews"] = {};
    const options: FlowCard["templateOptions"] = [];
    const suggestedDefs = catalogue.filter((t) => t.name === suggested || laterSteps.includes(t.name));
    for (const def of suggestedDefs) (previews[def.name] ??= {})[def.language] = preview(s, definitionShape(def), def.language, samples(def, shopName), record, flow.headerVideoUrl);
    const freeForm = FREE_FORM_PREVIEW[id];
    if (freeForm) previews[FREE_FORM_PREVIEW_NAME] = Object.fromEntries(TEMPLATE_LANGUAGES.map((l) => [l, { text: freeForm(l), buttons: [] }]));
    if (suggested && suggestedDefs.length > 0) {
      options.push({ label: fill(s.templateSuggested, { name: suggested }), value: suggested });
      // Alternatives: approved synced templates that fit the suggested one's shape in some language (Momento's
      // image-header variants among them), except the flow's own later steps.
      const shape = suggestedShape(deps.appUrl, synced, suggested) ?? definitionShape(suggestedDefs[0]);
      const alternatives = synced.filter((t) => t.name !== suggested && !laterSteps.includes(t.name) && t.status === "APPROVED" && templateFits(t, shape));
      for (const t of alternatives) {
        if (!options.some((o) => o.value === t.name)) options.push({ label: t.name, value: t.name });
        const language = t.language as TemplateLanguage;
        const sampleDef = suggestedDefs.find((d) => d.name === suggested && d.language === t.language) ?? suggestedDefs[0];
        (previews[t.name] ??= {})[t.language] = preview(s, { body: t.body, buttons: t.buttons, header: t.header ?? "none" }, language, samples(sampleDef, shopName), record, flow.headerVideoUrl);
      }
    }
    const sends = [...new Set([...(flow.template ? [flow.template] : suggested && suggestedDefs.length > 0 ? [suggested] : []), ...laterSteps])];
    return {
      id,
      name: text.name,
      description: text.description,
      trigger: text.trigger,
      enabled: flow.enabled,
      category: category ? c.category[category] : null,
      consent: category ? c.consentNeeded[category] : null,
      delayMinutes: DELAYED_FLOWS.includes(id) ? String(flow.delayMinutes) : null,
      steps: id === "cart_recovery" ? [String(settings.cartRecoverySteps[0]), String(settings.cartRecoverySteps[1])] : null,
      fields: flowFieldsFor(id, settings, language),
      suggestedTemplate: suggested,
      template: flow.template ?? suggested,
      templateOptions: options,
      previews,
      laterSteps,
      previewSource: freeForm ? s.previewSample : previewSource(s, record, language, timezone),
      templateStatus: flowTemplateStatus(s, c.languages, syncedAt, synced, sends, locale),
    };
  });

  return {
    language,
    strings: s,
    common: { on: c.on, off: c.off, languages: Object.fromEntries(TEMPLATE_LANGUAGES.map((l) => [l, c.languages[l]])), notSaved: c.notSaved },
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
    if (!isFlowId(flow)) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, { flow: { code: "unknownFlow" } }) };
    const enabled = form.get("enabled") === "on";
    await writeSettings(deps.db, shop, { flows: { [flow]: { enabled } } });
    return { ok: true, intent, message: fill(enabled ? s.turnedOn : s.turnedOff, { flow: c.flows[flow].name }) };
  }
  if (intent === "flow") {
    const suggestedName = SUGGESTED_TEMPLATE[flow as FlowId] ?? null;
    const { templates: synced } = await loadShopTemplates(deps.db, shop);
    const parsed = parseFlowForm(form, { synced, suggested: suggestedShape(deps.appUrl, synced, suggestedName), suggestedName });
    if (!parsed.ok) return { ok: false, intent, message: c.notSaved, errors: localizeErrors(language, parsed.errors) };
    const { flow: id, enabled, delayMinutes, template, cartRecoverySteps, settings: allFields } = parsed.value;
    const { headerVideoUrl, ...fields } = allFields ?? {};
    await writeSettings(deps.db, shop, {
      flows: { [id]: { enabled, ...(delayMinutes !== undefined ? { delayMinutes } : {}), ...(template !== undefined ? { template } : {}), ...(headerVideoUrl !== undefined ? { headerVideoUrl } : {}) } },
      ...(cartRecoverySteps ? { cartRecoverySteps } : {}),
      ...fields,
    });
    return { ok: true, intent, message: c.saved };
  }
  return { ok: false, intent, message: "Unknown action", errors: {} };
}
