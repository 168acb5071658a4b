import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** E.164 (“+4915112345678”) for a phone that parses as a possible number, else null (not contactable). */
export function normalizePhone(raw: string | null | undefined, defaultCountry: string): string | null {
  if (!raw) return null;
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry.toUpperCase() as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}

/** The country of an E.164 number, e.g. "DE" (used for quiet hours and cost estimates). */
export function phoneCountry(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/** Identity per METRICS.md: the Shopify customer id, else the E.164 phone, else the lower-cased email. */
export function customerKey(input: { shopifyCustomerId?: string | null; phone?: string | null; email?: string | null }): string | null {
  if (input.shopifyCustomerId) return `customer:${input.shopifyCustomerId}`;
  if (input.phone) return `phone:${input.phone}`;
  if (input.email) return `email:${input.email.trim().toLowerCase()}`;
  return null;
}
