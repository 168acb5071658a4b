// Turning the merchant's form input into settings, with one error per field. Errors are codes with
// parameters; the page shows them in the merchant's language (i18n/form-errors.ts). A form with any
// error is rejected as a whole: nothing of it is saved.
import { normalizePhone } from "../identity";
import { canFillHeader } from "../templates/media-header";
import { FLOW_FIELDS, parseFlowFields, type FlowFieldValues } from "./flow-fields";
import { costRateSchema, DELAYED_FLOWS, isFlowId, MAX_QUIET_HOURS, quietWindowMinutes, TIME_OF_DAY, type CostRate, type FlowId, type QuietHours, type SyncedTemplate } from "./schema";

export type FieldErrorCode =
  | "required"
  | "wholeNumber"
  | "number"
  | "tooSmall"
  | "tooLarge"
  | "negativeDelay"
  | "timeFormat"
  | "quietHoursEmpty"
  | "quietHoursTooLong"
  | "invalidPhone"
  | "country"
  | "duplicateCountry"
  | "needsOtherCountries"
  | "currency"
  | "tokenEmpty"
  | "digitsOnly"
  | "verifyToken"
  | "tooLong"
  | "lineBreaks"
  | "language"
  | "templateUnknown"
  | "templateMismatch"
  | "stepOrder"
  | "unknownFlow"
  | "tagFormat"
  | "httpsUrl";

export interface FieldError {
  code: FieldErrorCode;
  params?: Record<string, string | number>;
}
export type FieldErrors = Record<string, FieldError>;
export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export const text = (form: FormData, name: string): string => String(form.get(name) ?? "").trim();
const checked = (form: FormData, name: string): boolean => ["on", "true", "1"].includes(text(form, name));

export function integer(errors: FieldErrors, name: string, raw: string, min: number, max: number, negativeCode: FieldErrorCode = "tooSmall"): number {
  if (raw === "") {
    errors[name] = { code: "required" };
    return NaN;
  }
  if (!/^-?\d+$/.test(raw)) {
    errors[name] = { code: /^-?\d+([.,]\d+)?$/.test(raw) ? "wholeNumber" : "number" };
    return NaN;
  }
  const value = Number(raw);
  if (value < 0 && negativeCode === "negativeDelay") errors[name] = { code: "negativeDelay" };
  else if (value < min) errors[name] = { code: "tooSmall", params: { min } };
  else if (value > max) errors[name] = { code: "tooLarge", params: { max } };
  return value;
}

/** A decimal as a merchant types it: "0.1131" or "0,1131". */
function decimal(errors: FieldErrors, name: string, raw: string, min: number, max: number): number {
  if (raw === "") {
    errors[name] = { code: "required" };
    return NaN;
  }
  if (!/^-?\d+([.,]\d+)?$/.test(raw)) {
    errors[name] = { code: "number" };
    return NaN;
  }
  const value = Number(raw.replace(",", "."));
  if (value < min) errors[name] = { code: "tooSmall", params: { min } };
  else if (value > max) errors[name] = { code: "tooLarge", params: { max } };
  return value;
}

const result = <T>(errors: FieldErrors, value: () => T): FormResult<T> => (Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: value() });

// ---------------------------------------------------------------------------------------------
// Messaging rules and measuring (Settings page)
// ---------------------------------------------------------------------------------------------

export interface PoliciesInput {
  shopName: string | null;
  defaultLanguage: "de" | "en";
  quietHours: QuietHours | null;
  marketingCapPer7Days: number | null;
  attributionWindowDays: number;
  holdoutPercent: number;
}

export function parseQuietHours(errors: FieldErrors, start: string, end: string): QuietHours | null {
  let valid = true;
  for (const [name, value] of [["quietStart", start], ["quietEnd", end]] as const) {
    if (value === "") errors[name] = { code: "required" };
    else if (!TIME_OF_DAY.test(value)) errors[name] = { code: "timeFormat" };
    else continue;
    valid = false;
  }
  if (!valid) return null;
  const minutes = quietWindowMinutes(start, end);
  // A window may pass midnight (21:00–08:00). An empty one, or one that leaves fewer than 8 hours a day
  // for messages (e.g. 08:00–07:00, most likely a typo for 20:00–07:00), is refused.
  if (minutes === 0) errors.quietEnd = { code: "quietHoursEmpty" };
  else if (minutes > MAX_QUIET_HOURS * 60) errors.quietEnd = { code: "quietHoursTooLong", params: { hours: Math.round((minutes / 60) * 10) / 10, max: MAX_QUIET_HOURS } };
  return { start, end };
}

export function parsePoliciesForm(form: FormData): FormResult<PoliciesInput> {
  const errors: FieldErrors = {};
  const shopName = text(form, "shopName");
  if (shopName.length > 60) errors.shopName = { code: "tooLong", params: { max: 60 } };
  else if (/[\n\t]| {5,}/.test(shopName)) errors.shopName = { code: "lineBreaks" };
  const language = text(form, "defaultLanguage");
  if (language !== "de" && language !== "en") errors.defaultLanguage = { code: "language" };
  const quiet = checked(form, "quietHoursEnabled") ? parseQuietHours(errors, text(form, "quietStart"), text(form, "quietEnd")) : null;
  const cap = checked(form, "capEnabled") ? integer(errors, "marketingCap", text(form, "marketingCap"), 1, 20) : null;
  const window = integer(errors, "attributionWindowDays", text(form, "attributionWindowDays"), 1, 30);
  const holdout = integer(errors, "holdoutPercent", text(form, "holdoutPercent"), 0, 50);
  return result(errors, () => ({
    shopName: shopName || null,
    defaultLanguage: language as "de" | "en",
    quietHours: quiet,
    marketingCapPer7Days: cap,
    attributionWindowDays: window,
    holdoutPercent: holdout,
  }));
}

// ---------------------------------------------------------------------------------------------
// Cost rate table (Settings page)
// ---------------------------------------------------------------------------------------------

export function parseCostsForm(form: FormData): FormResult<{ costRates: CostRate[]; costCurrency: string }> {
  const errors: FieldErrors = {};
  const currency = text(form, "costCurrency").toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) errors.costCurrency = { code: "currency" };
  const countries = form.getAll("country").map((v) => String(v).trim().toUpperCase());
  const marketing = form.getAll("marketing").map((v) => String(v).trim());
  const utility = form.getAll("utility").map((v) => String(v).trim());
  const rates: CostRate[] = [];
  const seen = new Set<string>();
  countries.forEach((rawCountry, i) => {
    // A row left completely empty is a row the merchant did not use.
    if (rawCountry === "" && !marketing[i] && !utility[i]) return;
    const country = rawCountry;
    if (!/^([A-Z]{2}|\*)$/.test(country)) errors[`country.${i}`] = { code: "country" };
    else if (seen.has(country)) errors[`country.${i}`] = { code: "duplicateCountry" };
    seen.add(country);
    const m = decimal(errors, `marketing.${i}`, marketing[i] ?? "", 0, 10);
    const u = decimal(errors, `utility.${i}`, utility[i] ?? "", 0, 10);
    rates.push({ country, marketing: m, utility: u });
  });
  if (!seen.has("*")) errors.costRates = { code: "needsOtherCountries" };
  return result(errors, () => ({ costRates: rates.map((r) => costRateSchema.parse(r)), costCurrency: currency }));
}

// ---------------------------------------------------------------------------------------------
// WhatsApp credentials (onboarding and Settings)
// ---------------------------------------------------------------------------------------------

export interface CredentialsInput {
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  /** null: keep the stored one (only when replacing credentials). */
  appSecret: string | null;
  /** null: keep the stored one (only when replacing credentials). */
  verifyToken: string | null;
  /** The Meta app's id (optional: only the template example upload needs it); null = none. */
  appId: string | null;
}

/** `replacing`: credentials are stored already, so the app secret and verify token may stay as they are. */
export function parseCredentialsForm(form: FormData, options: { replacing: boolean }): FormResult<CredentialsInput> {
  const errors: FieldErrors = {};
  const ids = { phoneNumberId: text(form, "phoneNumberId"), wabaId: text(form, "wabaId") };
  for (const [name, value] of Object.entries(ids)) {
    if (value === "") errors[name] = { code: "required" };
    else if (!/^\d{5,25}$/.test(value)) errors[name] = { code: "digitsOnly" };
  }
  const appId = text(form, "appId");
  if (appId !== "" && !/^\d{5,25}$/.test(appId)) errors.appId = { code: "digitsOnly" };
  const accessToken = text(form, "accessToken");
  if (accessToken === "") errors.accessToken = { code: "tokenEmpty" };
  else if (/\s/.test(accessToken) || accessToken.length > 1024) errors.accessToken = { code: "tokenEmpty" };
  const appSecret = text(form, "appSecret");
  if (appSecret === "" && !options.replacing) errors.appSecret = { code: "required" };
  const verifyToken = text(form, "verifyToken");
  if (verifyToken === "") {
    if (!options.replacing) errors.verifyToken = { code: "required" };
  } else if (verifyToken.length < 8 || /\s/.test(verifyToken) || verifyToken.length > 200) errors.verifyToken = { code: "verifyToken" };
  return result(errors, () => ({ ...ids, accessToken, appSecret: appSecret || null, verifyToken: verifyToken || null, appId: appId || null }));
}

export function parsePhoneForm(form: FormData, country: string): FormResult<{ phone: string }> {
  const errors: FieldErrors = {};
  const raw = text(form, "phone");
  const phone = raw === "" ? null : normalizePhone(raw, country);
  if (raw === "") errors.phone = { code: "required" };
  else if (!phone) errors.phone = { code: "invalidPhone" };
  return result(errors, () => ({ phone: phone! }));
}

// ---------------------------------------------------------------------------------------------
// One flow (Automations page)
// ---------------------------------------------------------------------------------------------

export interface FlowInput {
  flow: FlowId;
  enabled: boolean;
  delayMinutes?: number;
  template?: string | null;
  cartRecoverySteps?: [number, number];
  /** The flow's own settings (win-back days, loyalty k, VIP threshold …; settings/flow-fields.ts). */
  settings?: FlowFieldValues;
}

/**
 * Whether `candidate` can stand in for the suggested template: same placeholders, same button kinds in order, and a
 * header Momento can fill (an image or video header is filled at send time; templates/media-header.ts).
 */
export function templateFits(candidate: Pick<SyncedTemplate, "parameters" | "buttons" | "header" | "headerParameters">, suggested: Pick<SyncedTemplate, "parameters" | "buttons">): boolean {
  const kinds = (t: Pick<SyncedTemplate, "buttons">) => t.buttons.map((b) => b.type).join(",");
  return candidate.parameters === suggested.parameters && kinds(candidate) === kinds(suggested) && canFillHeader(candidate);
}

export function parseFlowForm(
  form: FormData,
  context: { synced: readonly SyncedTemplate[]; suggested: Pick<SyncedTemplate, "parameters" | "buttons"> | null; suggestedName: string | null },
): FormResult<FlowInput> {
  const errors: FieldErrors = {};
  const flow = text(form, "flow");
  if (!isFlowId(flow)) {
    errors.flow = { code: "unknownFlow" };
    return { ok: false, errors };
  }
  const input: FlowInput = { flow, enabled: checked(form, "enabled") };
  if (DELAYED_FLOWS.includes(flow)) input.delayMinutes = integer(errors, "delayMinutes", text(form, "delayMinutes"), 0, 7 * 24 * 60, "negativeDelay");
  if (flow === "cart_recovery") {
    const first = integer(errors, "step1Minutes", text(form, "step1Minutes"), 15, 7 * 24 * 60, "negativeDelay");
    const second = integer(errors, "step2Minutes", text(form, "step2Minutes"), 15, 7 * 24 * 60, "negativeDelay");
    if (!errors.step1Minutes && !errors.step2Minutes && second <= first) errors.step2Minutes = { code: "stepOrder" };
    input.cartRecoverySteps = [first, second];
  }
  const fields = FLOW_FIELDS[flow] ? parseFlowFields(errors, form, FLOW_FIELDS[flow]) : {};
  if (Object.keys(fields).length > 0) input.settings = fields;
  if (form.has("template")) {
    const template = text(form, "template");
    if (template === "" || template === context.suggestedName) input.template = null;
    else {
      const candidates = context.synced.filter((t) => t.name === template && t.status === "APPROVED");
      if (candidates.length === 0) errors.template = { code: "templateUnknown" };
      else if (!context.suggested || !candidates.every((t) => templateFits(t, context.suggested!))) errors.template = { code: "templateMismatch" };
      else input.template = template;
    }
  }
  return result(errors, () => input);
}
