// The Setup checklist (issue 7): connect WhatsApp (checked against the Cloud API, stored encrypted),
// sync templates, send a test message to the merchant, add the checkout block, switch flows on.
// Progress lives in Shop.settings.onboarding; each step also counts as done when its evidence exists
// (a connection, a synced list, opt-ins arriving from checkout).
import { randomBytes, randomUUID } from "node:crypto";
import { formatMoney } from "../automations/order-confirmation";
import { bodyText } from "../automations/types";
import { COMMON, flowName } from "../i18n/common";
import { fill, localizeErrors } from "../i18n/form-errors";
import { dateTimeFormatter, type AdminLanguage } from "../i18n/locale";
import { explainMetaError, type ErrorExplanation } from "../i18n/meta-errors";
import { ONBOARDING, type OnboardingStrings } from "../i18n/onboarding";
import { parseCredentialsForm, parsePhoneForm } from "../settings/form";
import { FLOW_IDS, type FlowId, type ShopSettings, type SyncedTemplate } from "../settings/schema";
import { readShop, readSettings, writeSettings } from "../settings/store";
import { OPTIONAL_TEMPLATES, suggestedTemplates, TEMPLATE_NAMES, templateLanguage, type TemplateDefinition } from "../templates/catalogue";
import { EXAMPLE_IMAGE, exampleImagePng } from "../templates/example-image";
import { createWhatsAppClient } from "../whatsapp/client";
import { classifyMetaError } from "../whatsapp/errors";
import type { TemplateComponent } from "../whatsapp/types";
import { loadShopTemplates, saveTemplateSync, upsertTemplate } from "../templates/whatsapp-templates";
import { checkCredentials, createTemplate, fetchTemplates, uploadFile, type GraphFailure, type GraphTarget } from "./cloud-api";
import { connectionView, loadConnection, saveConnection, type ConnectionView, type WhatsAppCredentials } from "./connection";
import type { MerchantDeps } from "./deps";

export const STEP_IDS = ["connect", "templates", "test", "checkout", "flows"] as const;
export type StepId = (typeof STEP_IDS)[number];

export const TEST_MESSAGE_FLOW = "test_message";

export type ActionResult =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; errors: Record<string, string>; explanation?: ErrorExplanation & { code: number | null } };

const fail = (intent: string, message: string, errors: Record<string, string> = {}, explanation?: ErrorExplanation & { code: number | null }): ActionResult => ({
  ok: false,
  intent,
  message,
  errors,
  ...(explanation ? { explanation } : {}),
});

export function callbackUrl(appUrl: string): string {
  return `${appUrl.replace(/\/+$/, "")}/webhooks/whatsapp`;
}

/** Shopify's checkout editor for this shop (the store handle is the myshopify subdomain). */
export function checkoutEditorUrl(shop: string): string {
  return `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}/settings/checkout/editor`;
}

/** Momento's suggested templates by "name/language": the ones the flows need approved. */
function requiredTemplates(appUrl: string): string[] {
  return suggestedTemplates(appUrl).filter((t) => !OPTIONAL_TEMPLATES.has(t.name)).map((t) => `${t.name} (${t.language})`);
}

function missingTemplates(appUrl: string, synced: readonly SyncedTemplate[]): string[] {
  const approved = new Set(synced.filter((t) => t.status === "APPROVED").map((t) => `${t.name} (${t.language})`));
  return requiredTemplates(appUrl).filter((t) => !approved.has(t));
}

// ---------------------------------------------------------------------------------------------
// Progress
// ---------------------------------------------------------------------------------------------

interface Evidence {
  connected: boolean;
  templatesSynced: boolean;
  checkoutOptIns: boolean;
  testStatus: string | null;
}

async function evidence(deps: MerchantDeps, shop: string, settings: ShopSettings): Promise<Evidence> {
  const [connection, optIn, test] = await Promise.all([
    deps.db.whatsAppConnection.findUnique({ where: { shop }, select: { verifiedAt: true, templatesSyncedAt: true } }),
    deps.db.consentEvent.findFirst({ where: { shop, source: { in: ["checkout", "checkout_marker"] } }, select: { id: true } }),
    settings.onboarding.testMessageId ? deps.db.message.findFirst({ where: { shop, id: settings.onboarding.testMessageId }, select: { status: true } }) : Promise.resolve(null),
  ]);
  return { connected: !!connection?.verifiedAt, templatesSynced: !!connection?.templatesSyncedAt, checkoutOptIns: !!optIn, testStatus: test?.status ?? null };
}

function stepsDone(settings: ShopSettings, e: Evidence): Record<StepId, boolean> {
  return {
    connect: e.connected,
    templates: e.connected && e.templatesSynced,
    test: e.testStatus !== null && e.testStatus !== "FAILED",
    checkout: settings.onboarding.checkoutConfirmedAt !== null || e.checkoutOptIns,
    flows: settings.onboarding.flowsConfirmedAt !== null,
  };
}

export async function setupProgress(deps: MerchantDeps, shop: string): Promise<{ done: number; total: number }> {
  const settings = await readSettings(deps.db, shop);
  const done = stepsDone(settings, await evidence(deps, shop, settings));
  return { done: STEP_IDS.filter((s) => done[s]).length, total: STEP_IDS.length };
}

/**
 * Whether opening the app should land on Setup: a shop that has never connected WhatsApp, never sent a
 * message and never started the checklist. A shop already running (e.g. on the app-wide credentials)
 * opens its dashboard as before.
 */
export async function shouldOpenOnboarding(deps: Pick<MerchantDeps, "db">, shop: string): Promise<boolean> {
  const [connection, message, settings] = await Promise.all([
    deps.db.whatsAppConnection.findUnique({ where: { shop }, select: { shop: true } }),
    deps.db.message.findFirst({ where: { shop }, select: { id: true } }),
    readSettings(deps.db, shop),
  ]);
  const started = Object.values(settings.onboarding).some((v) => v !== null);
  return !connection && !message && !started;
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

export interface OnboardingPage {
  language: AdminLanguage;
  strings: OnboardingStrings;
  common: { statuses: Record<string, string>; categories: Record<string, string>; languages: Record<string, string>; notSaved: string; errorCode: string; whatToDo: string };
  progress: { done: number; total: number; label: string };
  steps: Record<StepId, boolean>;
  callbackUrl: string;
  connection: null | (ConnectionView & { appId: string; summary: string });
  suggestedVerifyToken: string;
  templates: { syncedLabel: string; rows: (SyncedTemplate & { rejectedReason: string | null; momento: boolean })[]; missing: string | null };
  test: { phone: string; status: string | null; statusLabel: string | null; messageId: string | null };
  checkout: { editorUrl: string; seenOptIns: boolean };
  flows: { id: FlowId; name: string; enabled: boolean }[];
  demoCredentials: MerchantDeps["demoCredentials"];
}

export async function onboardingPage(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<OnboardingPage> {
  const s = ONBOARDING[language];
  const c = COMMON[language];
  const { settings, timezone } = await readShop(deps.db, shop);
  const e = await evidence(deps, shop, settings);
  const steps = stepsDone(settings, e);
  const done = STEP_IDS.filter((id) => steps[id]).length;
  const when = dateTimeFormatter(language, timezone);
  const connection = await connectionView(deps.db, deps.secretsKey, shop, when, c.never);
  const { syncedAt, templates: synced } = await loadShopTemplates(deps.db, shop);
  const momentoNames = new Set(Object.values(TEMPLATE_NAMES) as string[]);
  const missing = syncedAt ? missingTemplates(deps.appUrl, synced) : [];
  const test = settings.onboarding.testMessageId
    ? await deps.db.message.findFirst({ where: { shop, id: settings.onboarding.testMessageId }, select: { id: true, status: true, createdAt: true } })
    : null;
  return {
    language,
    strings: s,
    common: { statuses: c.statuses, categories: c.category, languages: c.languages, notSaved: c.notSaved, errorCode: c.errorCode, whatToDo: c.whatToDo },
    progress: { done, total: STEP_IDS.length, label: fill(s.progress, { done, total: STEP_IDS.length }) },
    steps,
    callbackUrl: callbackUrl(deps.appUrl),
    connection: connection && {
      ...connection,
      appId: settings.metaAppId ?? "",
      summary: fill(s.connection.connected, { phone: connection.displayPhone ?? connection.phoneNumberId, waba: connection.wabaId, at: connection.checked }),
    },
    // A fresh suggestion each time the page loads; what counts is the one submitted with the form.
    suggestedVerifyToken: `momento-${randomBytes(9).toString("base64url")}`,
    templates: {
      syncedLabel: syncedAt ? fill(s.templates.synced, { count: synced.length, at: when(syncedAt) }) : s.templates.none,
      rows: synced.map((t) => ({ ...t, momento: momentoNames.has(t.name) })),
      missing: !syncedAt ? null : missing.length > 0 ? fill(s.templates.missing, { list: missing.join(", ") }) : s.templates.allApproved,
    },
    test: {
      phone: settings.merchantPhone ?? "",
      statusLabel: test ? fill(s.test.status, { status: c.statuses[test.status] ?? test.status, at: when(test.createdAt) }) : null,
      status: test?.status ?? null,
      messageId: test?.id ?? null,
    },
    checkout: { editorUrl: checkoutEditorUrl(shop), seenOptIns: e.checkoutOptIns },
    flows: FLOW_IDS.map((id) => ({ id, name: flowName(language, id), enabled: settings.flows[id].enabled })),
    demoCredentials: deps.demoCredentials,
  };
}

// ---------------------------------------------------------------------------------------------
// Step 1: connect
// ---------------------------------------------------------------------------------------------

function explainFailure(s: OnboardingStrings, language: AdminLanguage, failure: GraphFailure, field: string | null): { message: string; errors: Record<string, string>; explanation?: ErrorExplanation & { code: number | null } } {
  if (failure.kind === "network") return { message: s.connection.unreachable, errors: {} };
  if (failure.kind === "unexpected") return { message: fill(s.connection.unexpected, { status: failure.httpStatus }), errors: {} };
  const explanation = { ...explainMetaError(failure.code, language), code: failure.code };
  if (field === "accessToken") return { message: s.connection.failed, errors: { accessToken: s.connection.badToken }, explanation };
  if (field === "phoneNumberId") return { message: s.connection.failed, errors: { phoneNumberId: s.connection.wrongPhoneId }, explanation };
  if (field === "wabaId") return { message: s.connection.failed, errors: { wabaId: s.connection.wrongWabaId }, explanation };
  return { message: fill(s.connection.metaError, { code: failure.code }), errors: {}, explanation };
}

/**
 * Who else has the number: inbound webhooks are matched to shops by the receiving phone_number_id (decision 004),
 * so two shops on one number would read each other's replies, opt-outs and statuses, and a shop claiming the
 * app-wide number would take every inbound message of the shops without their own number.
 */
async function numberOwner(deps: MerchantDeps, shop: string, phoneNumberId: string): Promise<"shared" | "other_shop" | null> {
  if (deps.sharedPhoneNumberId !== null && phoneNumberId === deps.sharedPhoneNumberId) return "shared";
  const other = await deps.db.whatsAppConnection.findFirst({ where: { phoneNumberId, shop: { not: shop } }, select: { shop: true } });
  return other ? "other_shop" : null;
}

/** Checks the credentials against the Cloud API and stores them encrypted; nothing is stored on any error. */
export async function connectWhatsApp(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage, intent = "connect"): Promise<ActionResult> {
  const s = ONBOARDING[language];
  const existing = await loadConnection(deps.db, deps.secretsKey, shop);
  const parsed = parseCredentialsForm(form, { replacing: existing !== null });
  if (!parsed.ok) return fail(intent, COMMON[language].notSaved, localizeErrors(language, parsed.errors));
  const input = parsed.value;
  const owner = await numberOwner(deps, shop, input.phoneNumberId);
  if (owner) return fail(intent, COMMON[language].notSaved, { phoneNumberId: owner === "shared" ? s.connection.sharedNumber : s.connection.numberTaken });
  const credentials: WhatsAppCredentials = { ...input, appSecret: input.appSecret ?? existing!.appSecret, verifyToken: input.verifyToken ?? existing!.verifyToken };
  const check = await checkCredentials({ ...deps.cloudApi, accessToken: credentials.accessToken }, credentials);
  if (!check.ok) {
    const failure = explainFailure(s, language, check.failure, check.field);
    return fail(intent, failure.message, failure.errors, failure.explanation);
  }
  const now = deps.clock.now();
  await saveConnection(deps.db, deps.secretsKey, shop, credentials, { displayPhone: check.displayPhone, verifiedAt: now });
  const settings = await readSettings(deps.db, shop);
  await writeSettings(deps.db, shop, { metaAppId: input.appId, onboarding: { connectedAt: settings.onboarding.connectedAt ?? now.toISOString() } });
  return { ok: true, intent, message: s.connection.success };
}

// ---------------------------------------------------------------------------------------------
// Step 2: templates
// ---------------------------------------------------------------------------------------------

/** Reads the WABA's whole template list into WhatsAppTemplate (Setup step 2, and on demand from Automations). */
export async function syncTemplates(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<ActionResult> {
  const s = ONBOARDING[language];
  const connection = await loadConnection(deps.db, deps.secretsKey, shop);
  if (!connection) return fail("syncTemplates", s.locked);
  const result = await fetchTemplates({ ...deps.cloudApi, accessToken: connection.accessToken }, connection.wabaId);
  if (!result.ok) {
    const failure = explainFailure(s, language, result, null);
    return fail("syncTemplates", `${s.templates.failed} ${failure.message}`, {}, failure.explanation);
  }
  const now = deps.clock.now();
  await saveTemplateSync(deps.db, shop, result.templates, now);
  await writeSettings(deps.db, shop, { onboarding: { templatesSyncedAt: now.toISOString() } });
  return { ok: true, intent: "syncTemplates", message: fill(s.templates.success, { count: result.templates.length }) };
}

/** Meta's "Content in This Language Already Exists" (template-management page). */
const ALREADY_EXISTS_SUBCODE = 2388024;

const templateKey = (t: { name: string; language: string }) => `${t.name}\u0000${t.language}`;
const needsImageExample = (t: TemplateDefinition) => t.components.some((c) => c.type === "HEADER" && c.format === "IMAGE");

/**
 * The handle of Momento's example image for IMAGE headers, uploaded through the Resumable Upload API to the shop's
 * Meta app (docs/templates.md), or why there is none.
 */
async function uploadImageExample(
  target: GraphTarget,
  appId: string | null,
  s: OnboardingStrings,
  language: AdminLanguage,
): Promise<{ ok: true; handle: string } | { ok: false; message: string; explanation?: ErrorExplanation & { code: number | null } }> {
  if (!appId) return { ok: false, message: s.templates.appIdMissing };
  const uploaded = await uploadFile(target, appId, { ...EXAMPLE_IMAGE, bytes: new Uint8Array(exampleImagePng()) });
  if (uploaded.ok) return uploaded;
  const failure = explainFailure(s, language, uploaded, null);
  const reason = uploaded.kind === "meta" ? fill(s.templates.uploadRefused, { code: uploaded.code }) : `${s.templates.uploadFailed} ${failure.message}`;
  return { ok: false, message: reason, explanation: failure.explanation };
}

/**
 * Submits Momento's suggested templates (de and en) that the WABA does not have yet for Meta's review, and
 * stores each answer (PENDING, usually); Meta's status webhook or the next sync brings the verdict. A template
 * that exists in that language although the last sync did not list it (code 100, subcode 2388024) is skipped.
 * The IMAGE-header templates need the example image's upload handle: it is uploaded once per run, only when one of
 * them is missing; without it they are left out and the merchant is told why, the others go ahead.
 */
export async function submitSuggestedTemplates(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<ActionResult> {
  const s = ONBOARDING[language];
  const connection = await loadConnection(deps.db, deps.secretsKey, shop);
  if (!connection) return fail("submitTemplates", s.locked);
  const { templates: stored } = await loadShopTemplates(deps.db, shop);
  // A template Meta already knows (approved, pending or rejected) is not created again: a rejected one is edited in WhatsApp Manager.
  const have = new Set(stored.map(templateKey));
  const target = { ...deps.cloudApi, accessToken: connection.accessToken };
  const missing = suggestedTemplates(deps.appUrl).filter((t) => !have.has(templateKey(t)));
  const example = missing.some(needsImageExample) ? await uploadImageExample(target, (await readSettings(deps.db, shop)).metaAppId, s, language) : null;
  const handle = example?.ok ? example.handle : undefined;
  const left: string[] = [];
  let submitted = 0;
  for (const template of suggestedTemplates(deps.appUrl, { imageHeaderHandle: handle }).filter((t) => !have.has(templateKey(t)))) {
    if (needsImageExample(template) && !handle) {
      left.push(`${template.name} (${template.language})`);
      continue;
    }
    const created = await createTemplate(target, connection.wabaId, template);
    if (!created.ok) {
      if (created.kind === "meta" && created.code === 100 && created.subcode === ALREADY_EXISTS_SUBCODE) continue;
      // An optional media variant Meta refuses does not hold up the templates the flows need.
      if (OPTIONAL_TEMPLATES.has(template.name)) continue;
      const failure = explainFailure(s, language, created, null);
      return fail("submitTemplates", `${fill(s.templates.submitFailed, { name: `${template.name} (${template.language})`, count: submitted })} ${failure.message}`, {}, failure.explanation);
    }
    await upsertTemplate(deps.db, shop, { name: template.name, language: template.language, category: created.category, status: created.status, components: template.components, rejectedReason: null, metaId: created.id }, deps.clock.now());
    submitted += 1;
  }
  const message = fill(s.templates.submitted, { count: submitted });
  if (example && !example.ok) {
    return fail("submitTemplates", `${message} ${fill(s.templates.imageNotSubmitted, { list: left.join(", ") })} ${example.message}`, {}, example.explanation);
  }
  return { ok: true, intent: "submitTemplates", message };
}

// ---------------------------------------------------------------------------------------------
// Step 3: test message
// ---------------------------------------------------------------------------------------------

/**
 * Sends the order confirmation with sample data to the merchant's own number, through the shop's own
 * connection. It is a Message row like any other (flow test_message), so status webhooks update it and
 * the message log shows its timeline; it bypasses the consent gate because the merchant asked for it.
 */
export async function sendTestMessage(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage): Promise<ActionResult> {
  const s = ONBOARDING[language];
  const { country, currency, locale } = await readShop(deps.db, shop);
  const parsed = parsePhoneForm(form, country);
  if (!parsed.ok) return fail("sendTest", COMMON[language].notSaved, localizeErrors(language, parsed.errors));
  const connection = await loadConnection(deps.db, deps.secretsKey, shop);
  if (!connection) return fail("sendTest", s.locked);
  await writeSettings(deps.db, shop, { merchantPhone: parsed.value.phone });

  const now = deps.clock.now();
  const id = randomUUID().replace(/-/g, "");
  const messageLanguage = templateLanguage(language, locale);
  const components: TemplateComponent[] = [
    bodyText("Anna", "#1001", formatMoney("49.90", currency, messageLanguage)),
    { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: id }] },
  ];
  await deps.db.message.create({
    data: {
      id,
      shop,
      flow: TEST_MESSAGE_FLOW,
      dedupeKey: `${TEST_MESSAGE_FLOW}:${id}`,
      to: parsed.value.phone,
      category: "UTILITY",
      template: TEMPLATE_NAMES.orderConfirmation,
      language: messageLanguage,
      components: JSON.stringify(components),
      linkUrl: `https://${shop}`,
      status: "SENDING",
      claimedBy: "onboarding",
      claimedUntil: new Date(now.getTime() + 5 * 60_000),
      sendStartedAt: now,
      sendAfter: now,
      plannedFor: now,
      createdAt: now,
      attempts: 1,
      events: { create: { status: "SCHEDULED", reason: "test_message: requested by the merchant in Setup", source: "planner", at: now } },
    },
  });
  const client = createWhatsAppClient({ ...deps.cloudApi, phoneNumberId: connection.phoneNumberId, accessToken: connection.accessToken });
  const sent = await client.sendTemplate({ to: parsed.value.phone, template: TEMPLATE_NAMES.orderConfirmation, language: messageLanguage, components, bizOpaqueCallbackData: id });
  const at = deps.clock.now();
  if (!sent.ok) {
    await deps.db.message.update({
      where: { id },
      data: {
        status: "FAILED",
        errorCode: sent.code,
        statusReason: sent.reason,
        lastError: sent.reason,
        failedAt: at,
        claimedBy: null,
        claimedUntil: null,
        events: { create: { status: "FAILED", reason: sent.reason, errorCode: sent.code, source: "worker", at } },
      },
    });
    await writeSettings(deps.db, shop, { onboarding: { testMessageId: id, testSentAt: at.toISOString() } });
    const explanation = sent.code !== null ? { ...explainMetaError(sent.code, language), code: sent.code } : undefined;
    return fail("sendTest", explanation ? `${s.test.failed} ${explanation.meaning}` : `${s.test.failed} ${classifyMetaError(null, sent.httpStatus).reason}`, {}, explanation);
  }
  await deps.db.message.update({
    where: { id },
    data: { status: "SENT", waMessageId: sent.waMessageId, sentAt: at, claimedBy: null, claimedUntil: null, events: { create: { status: "SENT", reason: null, source: "worker", at } } },
  });
  await writeSettings(deps.db, shop, { onboarding: { testMessageId: id, testSentAt: at.toISOString() } });
  return { ok: true, intent: "sendTest", message: s.test.success };
}

// ---------------------------------------------------------------------------------------------
// Steps 4 and 5
// ---------------------------------------------------------------------------------------------

export async function confirmCheckout(deps: MerchantDeps, shop: string, language: AdminLanguage): Promise<ActionResult> {
  await writeSettings(deps.db, shop, { onboarding: { checkoutConfirmedAt: deps.clock.now().toISOString() } });
  return { ok: true, intent: "confirmCheckout", message: ONBOARDING[language].checkout.success };
}

export async function switchFlowsOn(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage): Promise<ActionResult> {
  const chosen = new Set(form.getAll("flow").map(String));
  const flows = Object.fromEntries(FLOW_IDS.map((id) => [id, { enabled: chosen.has(id) }]));
  await writeSettings(deps.db, shop, { flows, onboarding: { flowsConfirmedAt: deps.clock.now().toISOString() } });
  return { ok: true, intent: "switchFlows", message: ONBOARDING[language].flows.success };
}

/** The Setup page's one action: dispatches on the form's intent. */
export async function onboardingAction(deps: MerchantDeps, shop: string, form: FormData, language: AdminLanguage): Promise<ActionResult> {
  switch (form.get("intent")) {
    case "connect":
      return connectWhatsApp(deps, shop, form, language);
    case "syncTemplates":
      return syncTemplates(deps, shop, language);
    case "submitTemplates":
      return submitSuggestedTemplates(deps, shop, language);
    case "sendTest":
      return sendTestMessage(deps, shop, form, language);
    case "confirmCheckout":
      return confirmCheckout(deps, shop, language);
    case "switchFlows":
      return switchFlowsOn(deps, shop, form, language);
    default:
      return fail("unknown", "Unknown action");
  }
}
