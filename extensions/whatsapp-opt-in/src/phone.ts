// Checks a WhatsApp number typed at checkout and turns it into E.164 ("+4915112345678"), the libphonenumber
// way but small: the calling code must exist, and the digits after it must have a length a mobile number of
// that code can have (lengths generated from libphonenumber-js, see phone-metadata.ts). The app's backend
// checks again with the full library; this check is what lets the buyer fix a typo before anything is stored.
import { COUNTRIES, MOBILE_LENGTHS } from "./phone-metadata";

export type PhoneProblem =
  | "empty" // nothing typed
  | "characters" // letters or other characters that are no part of a phone number
  | "countryCode" // no country code and none known for the buyer's country, or a code that does not exist
  | "tooShort"
  | "tooLong"
  | "invalid"; // right length range but no such number (a length in a gap, a leading 0 where none can be)

export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: PhoneProblem };

const lengthsByCode = new Map<string, number[]>(
  MOBILE_LENGTHS.split(";").map((entry) => {
    const [code, list] = entry.split(":");
    return [code, list.split(",").map(Number)];
  }),
);
const countryPlans = new Map<string, { code: string; trunk: string }>(
  COUNTRIES.split(";").map((entry) => {
    const match = /^([A-Z]{2})(\d+)(?:-(\d+))?$/.exec(entry)!;
    return [match[1], { code: match[2], trunk: match[3] ?? "" }];
  }),
);

/** E.164 allows at most 15 digits including the country code. */
const E164_MAX_DIGITS = 15;

function splitCallingCode(digits: string): { code: string; national: string } | null {
  // Calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is a code.
  for (const size of [1, 2, 3]) {
    const code = digits.slice(0, size);
    if (lengthsByCode.has(code)) return { code, national: digits.slice(size) };
  }
  return null;
}

/**
 * Parses what the buyer typed. `country` (ISO 3166, e.g. "DE") is used for numbers typed without a
 * country code, like "0151 12345678"; "+49 …" and "0049 …" work everywhere.
 */
export function parseWhatsAppNumber(raw: string, country: string | null | undefined): PhoneResult {
  // "+49 (0) 151 …" is a common way to write a German number: the "(0)" is dropped when dialling from abroad.
  const text = raw.trim().replace(/\(0\)/g, "");
  if (text === "") return { ok: false, problem: "empty" };
  if (!/^\+?[\d\s\u00a0\-./()]+$/.test(text)) return { ok: false, problem: "characters" };
  const digits = text.replace(/\D/g, "");
  if (digits === "") return { ok: false, problem: "empty" };

  let code: string;
  let national: string;
  if (text.startsWith("+") || digits.startsWith("00")) {
    const split = splitCallingCode(text.startsWith("+") ? digits : digits.slice(2));
    if (!split) return { ok: false, problem: "countryCode" };
    ({ code, national } = split);
    // "+49 0151 …": the national prefix does not belong after the country code; libphonenumber drops it too.
    if (national.startsWith("0") && usesTrunkZero(code)) national = national.slice(1);
  } else {
    const plan = countryPlans.get((country ?? "").toUpperCase());
    if (!plan) return { ok: false, problem: "countryCode" };
    code = plan.code;
    const lengths = lengthsByCode.get(code)!;
    // The national (trunk) prefix — "0" in Germany, "1" in the US — is not part of the number.
    const stripped = plan.trunk && digits.startsWith(plan.trunk) ? digits.slice(plan.trunk.length) : null;
    national = stripped !== null && (lengths.includes(stripped.length) || !lengths.includes(digits.length)) ? stripped : digits;
  }

  const lengths = lengthsByCode.get(code)!;
  if (national.length < lengths[0]) return { ok: false, problem: "tooShort" };
  if (national.length > lengths[lengths.length - 1] || code.length + national.length > E164_MAX_DIGITS) return { ok: false, problem: "tooLong" };
  if (!lengths.includes(national.length)) return { ok: false, problem: "invalid" };
  // In countries with the national prefix "0", no number starts with 0 ("+49 00151 …").
  if (national.startsWith("0") && usesTrunkZero(code)) return { ok: false, problem: "invalid" };
  return { ok: true, e164: `+${code}${national}` };
}

function usesTrunkZero(code: string): boolean {
  for (const plan of countryPlans.values()) if (plan.code === code && plan.trunk === "0") return true;
  return false;
}
