import { createHmac, timingSafeEqual } from "node:crypto";

/** X-Hub-Signature-256 as Meta computes it: "sha256=" + hex HMAC-SHA256 of the raw body with the app secret. */
export function signWhatsAppBody(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody, "utf8").digest("hex")}`;
}

export function isValidWhatsAppSignature(rawBody: string, header: string | null, appSecret: string): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWhatsAppBody(rawBody, appSecret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
