// The storefront's "Notify me on WhatsApp" signup (theme block → app proxy → here). A valid number with
// CONFIRMED consent is subscribed at once; any other number gets the double opt-in started and its signup waits
// (the fan-out only counts CONFIRMED numbers). Bad input is answered 400 with a reason in the shopper's
// language and stores nothing.
import { z } from "zod";
import type { Clock } from "../clock";
import { isUniqueViolation, retryOnContention, type Db } from "../db";
import { normalizePhone } from "../identity";
import { requestConsent } from "../consent/lifecycle";
import { findConsent } from "../consent/state";
import { enqueuePlans } from "../ingest/enqueue";
import { templateLanguage, type TemplateLanguage } from "../templates/catalogue";

export const backInStockSignupBody = z.object({
  variantId: z.union([z.string(), z.number()]).transform(String),
  phone: z.string().max(40),
  locale: z.string().max(35).nullish(),
  /** The text next to the button, as the shopper saw it (evidence of the request). */
  wording: z.string().max(1000).nullish(),
});

export type SignupState = "subscribed" | "confirmation_requested";

export type SignupResult =
  | { status: 200; body: { ok: true; state: SignupState; message: string } }
  | { status: 400; body: { ok: false; error: string; reason: SignupError } };

export type SignupError = "not_json" | "invalid_variant" | "missing_phone" | "invalid_phone";

const TEXT: Record<TemplateLanguage, Record<SignupState | SignupError, string>> = {
  en: {
    subscribed: "Done! We'll message you on WhatsApp once when this item is back in stock.",
    confirmation_requested: "Almost done: please confirm the WhatsApp message we just sent you. Then we'll tell you when this item is back.",
    not_json: "The request could not be read.",
    invalid_variant: "This product variant is not known. Please reload the page and try again.",
    missing_phone: "Please enter your WhatsApp number.",
    invalid_phone: "This does not look like a valid phone number. Please enter it with the country code, e.g. +49 151 12345678.",
  },
  de: {
    subscribed: "Erledigt! Wir schreiben dir einmal auf WhatsApp, sobald dieser Artikel wieder da ist.",
    confirmation_requested: "Fast geschafft: Bitte bestätige die WhatsApp-Nachricht, die wir dir gerade geschickt haben. Dann sagen wir dir Bescheid, sobald der Artikel wieder da ist.",
    not_json: "Die Anfrage konnte nicht gelesen werden.",
    invalid_variant: "Diese Produktvariante ist nicht bekannt. Bitte lade die Seite neu und versuche es noch einmal.",
    missing_phone: "Bitte gib deine WhatsApp-Nummer ein.",
    invalid_phone: "Das sieht nicht nach einer gültigen Telefonnummer aus. Bitte gib sie mit Ländervorwahl ein, z. B. +49 151 12345678.",
  },
};

export function signupError(reason: SignupError, locale: string | null | undefined, shopLocale?: string | null): SignupResult {
  return { status: 400, body: { ok: false, reason, error: TEXT[templateLanguage(locale, shopLocale)][reason] } };
}

/** "gid://shopify/ProductVariant/123" or "123" → "123"; anything else → null. */
export function variantIdOf(raw: string): string | null {
  const match = /^(?:gid:\/\/shopify\/ProductVariant\/)?(\d{1,20})$/.exec(raw.trim());
  return match ? match[1] : null;
}

export async function receiveBackInStockSignup(deps: { db: Db; clock: Clock }, shop: string, input: unknown): Promise<SignupResult> {
  const shopRow = await deps.db.shop.findUnique({ where: { domain: shop }, select: { country: true, locale: true } });
  const raw = (input ?? {}) as { locale?: unknown };
  const locale = typeof raw.locale === "string" ? raw.locale : null;
  const parsed = backInStockSignupBody.safeParse(input);
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    return signupError(fields.has("variantId") ? "invalid_variant" : fields.has("phone") ? "missing_phone" : "not_json", locale, shopRow?.locale);
  }
  const body = parsed.data;
  const variantId = variantIdOf(body.variantId);
  if (!variantId) return signupError("invalid_variant", body.locale, shopRow?.locale);
  if (body.phone.trim() === "") return signupError("missing_phone", body.locale, shopRow?.locale);
  const phone = normalizePhone(body.phone, shopRow?.country ?? "DE");
  if (!phone) return signupError("invalid_phone", body.locale, shopRow?.locale);
  const language = templateLanguage(body.locale, shopRow?.locale);

  for (let attempt = 1; ; attempt++) {
    try {
      return await retryOnContention(() =>
        deps.db.$transaction(async (tx) => {
          const now = deps.clock.now();
          const key = { shop_variantId_phone: { shop, variantId, phone } };
          // A new wish after an earlier alert waits again; a repeated signup changes nothing.
          await tx.backInStockSubscription.upsert({
            where: key,
            create: { shop, variantId, phone, locale: body.locale ?? null, status: "WAITING", createdAt: now },
            update: { status: "WAITING", notifiedAt: null, locale: body.locale ?? undefined },
          });
          const consent = await findConsent(tx, shop, { phone });
          if (consent?.state === "CONFIRMED") return ok("subscribed", language);
          const plans = await requestConsent(
            tx,
            { shop, phone, source: "back_in_stock_signup", locale: body.locale ?? null, wording: body.wording ?? null, evidence: { channel: "theme_block", variantId } },
            now,
          );
          await enqueuePlans(tx, shop, plans, now);
          return ok("confirmation_requested", language);
        }),
      );
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
}

function ok(state: SignupState, language: TemplateLanguage): SignupResult {
  return { status: 200, body: { ok: true, state, message: TEXT[language][state] } };
}
