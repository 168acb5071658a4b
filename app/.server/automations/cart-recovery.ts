// Cart recovery (DESIGN.md §5, METRICS.md "Cart recovery"): a pure planner from the newest checkout
// payload and what we already hold for it to the messages that should exist, move or go. Whether a
// reminder is really sent is decided later: eligibility and holdout at step-1 time
// (cart-recovery/step1.ts), consent and relevance at send time (outbox/gate.ts).
import { TEMPLATE_NAMES, templateLanguage, type TemplateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";
import { firstVariantId, type HeaderMedia } from "../templates/media-header";
import type { CartRecoverySettings } from "../cart-recovery/settings";
import { formatMoney } from "./order-confirmation";
import { bodyText, type MessagePlan } from "./types";

export type RecoveryStep = 1 | 2;
export const RECOVERY_STEPS: readonly RecoveryStep[] = [1, 2];

export interface CartItem {
  title: string;
  quantity: number;
  /** https URL of the item's image, when the payload had one. */
  imageUrl?: string | null;
  /** Shopify's variant id: the send path looks its image up when no item has one (decision 011). */
  variantId?: string | null;
}

/** The checkout as the planner needs it, from the newest payload applied. */
export interface RecoveryCheckout {
  token: string;
  /** E.164, or null when the checkout has no usable phone. */
  phone: string | null;
  customerKey: string | null;
  locale: string | null;
  firstName: string | null;
  items: CartItem[];
  totalPrice: string | null;
  currency: string | null;
  /** Shopify's abandoned_checkout_url: where the URL button leads. */
  recoveryUrl: string | null;
  /** completed_at is set: the checkout became an order. */
  completed: boolean;
  /** Shopify's updated_at of this payload. */
  updatedAt: Date;
}

/** What we hold for the checkout already. */
export interface RecoveryState {
  /** order_placed | checkout_deleted: the checkout is closed for good. */
  closedReason: string | null;
  /** The step-1 decision, once taken (cart-recovery/step1.ts); null before step-1 time. */
  decision: string | null;
  /** Step-1 time as recorded; frozen once decided. */
  step1DueAt: Date | null;
  /** Latest status of each step's message, where one exists. */
  steps: Partial<Record<RecoveryStep, { status: string }>>;
}

export interface CartRecoveryOutcome {
  /** The schedule to record (null: nothing to track). */
  track: { lastUpdateAt: Date; step1DueAt: Date } | null;
  /** The checkout completed: close it and cancel what is pending. */
  close: "order_placed" | null;
  /** Steps to create (enqueue leaves an existing dedupeKey alone). */
  create: MessagePlan[];
  /** Pending (SCHEDULED) steps to bring up to date: time, recipient, content. */
  refresh: MessagePlan[];
  /** Pending steps to cancel, with the reason. */
  cancel: { step: RecoveryStep; reason: string }[];
}

export const NOTHING: CartRecoveryOutcome = { track: null, close: null, create: [], refresh: [], cancel: [] };

const MINUTE = 60_000;

export function recoveryDedupeKey(token: string, step: RecoveryStep): string {
  return `cart_recovery:${token}:step${step}`;
}

/** The step of a cart-recovery message from its dedupeKey, or null. */
export function stepOfDedupeKey(dedupeKey: string): RecoveryStep | null {
  const match = /:step([12])$/.exec(dedupeKey);
  return match ? (Number(match[1]) as RecoveryStep) : null;
}

const pending = (state: RecoveryState, step: RecoveryStep) => state.steps[step]?.status === "SCHEDULED";

function cancelPending(state: RecoveryState, reason: string): CartRecoveryOutcome["cancel"] {
  return RECOVERY_STEPS.filter((step) => pending(state, step)).map((step) => ({ step, reason }));
}

/**
 * checkouts/create|update (never a stale one: the projection filters those) → what the outbox should hold.
 * A newer update moves pending steps; a closed checkout, or one decided against a reminder, gets nothing new.
 */
export function planCartRecovery(
  checkout: RecoveryCheckout,
  state: RecoveryState,
  settings: Pick<CartRecoverySettings, "enabled" | "stepsMinutes">,
  shop: { locale: string },
  now: Date,
): CartRecoveryOutcome {
  if (state.closedReason !== null) return NOTHING;
  if (checkout.completed) return { ...NOTHING, close: "order_placed", cancel: cancelPending(state, "order_placed") };

  const [firstDelay] = settings.stepsMinutes;
  const updated = checkout.updatedAt.getTime();
  const step1DueAt = state.decision !== null && state.step1DueAt ? state.step1DueAt : new Date(updated + firstDelay * MINUTE);
  const track = { lastUpdateAt: checkout.updatedAt, step1DueAt };

  // Decided at step-1 time against a reminder (holdout, no consent, …): the decision stands.
  if (state.decision !== null && state.decision !== "remind") return { ...NOTHING, track };
  if (!settings.enabled) return { ...NOTHING, track, cancel: cancelPending(state, "flow_disabled") };
  if (checkout.phone === null) return { ...NOTHING, track, cancel: cancelPending(state, "not_contactable") };

  // A late webhook must not put both steps at the same instant: step 2 keeps its distance from step 1.
  const step1At = Math.max(updated + firstDelay * MINUTE, now.getTime());
  const sendAfter = (index: number) =>
    index === 0 ? new Date(step1At) : new Date(Math.max(updated + settings.stepsMinutes[index] * MINUTE, step1At + (settings.stepsMinutes[index] - firstDelay) * MINUTE));

  const outcome: CartRecoveryOutcome = { ...NOTHING, track, create: [], refresh: [], cancel: [] };
  settings.stepsMinutes.forEach((_minutes, index) => {
    const step = RECOVERY_STEPS[index];
    if (step === undefined) return;
    const plan = recoveryPlan(checkout, step, shop, sendAfter(index));
    if (state.steps[step] === undefined) outcome.create.push(plan);
    else if (pending(state, step)) outcome.refresh.push(plan);
  });
  // Step 2 switched off in the settings since it was planned.
  if (settings.stepsMinutes.length < 2 && pending(state, 2)) outcome.cancel.push({ step: 2, reason: "flow_disabled" });
  return outcome;
}

function recoveryPlan(checkout: RecoveryCheckout, step: RecoveryStep, shop: { locale: string }, sendAfter: Date): MessagePlan {
  const language = templateLanguage(checkout.locale, shop.locale);
  return {
    flow: "cart_recovery",
    dedupeKey: recoveryDedupeKey(checkout.token, step),
    to: checkout.phone,
    customerKey: checkout.customerKey,
    category: "MARKETING",
    template: step === 1 ? TEMPLATE_NAMES.cartRecovery1 : TEMPLATE_NAMES.cartRecovery2,
    language,
    components: [bodyText(...reminderParameters(checkout, language))],
    media: reminderMedia(checkout),
    linkUrl: checkout.recoveryUrl ?? undefined,
    checkoutToken: checkout.token,
    sendAfter,
  };
}

// ------------------------------------------------------------------------------------------ content

const GREETING_FALLBACK: Record<TemplateLanguage, string> = { de: "zusammen", en: "there" };
const NO_ITEMS: Record<TemplateLanguage, string> = { de: "deine Auswahl", en: "your selection" };
const NO_TOTAL: Record<TemplateLanguage, string> = { de: "siehe Warenkorb", en: "see cart" };
const MAX_TITLE = 40;
const NAMED_ITEMS = 2;

/** Meta refuses parameters with new lines, tabs or more than 4 spaces in a row; long titles are cut. */
export function cleanParameter(text: string, max = 60): string {
  const flat = text.replace(/[\n\r\t]+/g, " ").replace(/ {2,}/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/** "Sneaker", "Sneaker und Socken", "2 × Sneaker, Socken und 3 weitere Artikel". */
export function summarizeItems(items: CartItem[], language: TemplateLanguage): string {
  const usable = items.filter((i) => i.title.trim() !== "");
  if (usable.length === 0) return NO_ITEMS[language];
  const named = usable.slice(0, NAMED_ITEMS).map((i) => `${i.quantity > 1 ? `${i.quantity} × ` : ""}${cleanParameter(i.title, MAX_TITLE)}`);
  const rest = usable.length - named.length;
  const and = language === "de" ? "und" : "and";
  if (rest === 0) return named.length === 1 ? named[0] : `${named[0]} ${and} ${named[1]}`;
  const more = language === "de" ? `${rest} ${rest === 1 ? "weiterer Artikel" : "weitere Artikel"}` : `${rest} more ${rest === 1 ? "item" : "items"}`;
  return `${named.join(", ")} ${and} ${more}`;
}

/** Body parameters {{1}}–{{3}} of both steps: name, first items, cart total. */
export function reminderParameters(checkout: Pick<RecoveryCheckout, "firstName" | "items" | "totalPrice" | "currency">, language: TemplateLanguage): string[] {
  const name = checkout.firstName?.trim() ? cleanParameter(checkout.firstName, 40) : GREETING_FALLBACK[language];
  const total = checkout.totalPrice && checkout.currency ? formatMoney(checkout.totalPrice, checkout.currency, language) : NO_TOTAL[language];
  return [name, summarizeItems(checkout.items, language), total];
}

/** A reminder's header media: the image of the cart's first item that has one, else the variant to look one up for. */
export function reminderMedia(checkout: Pick<RecoveryCheckout, "items">): HeaderMedia {
  const image = checkout.items.find((i) => i.imageUrl)?.imageUrl ?? null;
  return image ? { image } : { image, variantId: firstVariantId(checkout.items) };
}

/** Checkout.lineItems as stored; anything unreadable is no items. */
export function parseCartItems(json: string | null): CartItem[] {
  try {
    const value: unknown = JSON.parse(json ?? "[]");
    return Array.isArray(value) ? (value as CartItem[]).filter((i) => typeof i?.title === "string") : [];
  } catch {
    return [];
  }
}

/** Step 2 with its discount: the plain parameters plus {{4}} code, {{5}} percent, {{6}} last day (shop's time zone). */
export function discountComponents(
  components: TemplateComponent[],
  discount: { code: string; percent: number; endsAt: Date },
  language: TemplateLanguage,
  timeZone: string,
): TemplateComponent[] {
  const lastDay = new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-US", {
    timeZone,
    ...(language === "de" ? { day: "2-digit", month: "2-digit", year: "numeric" } : { month: "long", day: "numeric", year: "numeric" }),
  } as Intl.DateTimeFormatOptions).format(discount.endsAt);
  return components.map((c) =>
    c.type === "body"
      ? { ...c, parameters: [...c.parameters.slice(0, 3), ...[discount.code, String(discount.percent), lastDay].map((text) => ({ type: "text" as const, text }))] }
      : c,
  );
}
