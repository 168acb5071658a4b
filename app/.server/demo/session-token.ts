// Signs Shopify-style session tokens for the local demo, where no Shopify admin exists to issue them.
// Same shape and algorithm as App Bridge's tokens (HS256 with the app's API secret), so the app
// authenticates demo requests through the library's normal path. Only demo code and tests call this.
import { createHmac, randomUUID } from "node:crypto";

export const DEMO_SHOP = "momento-demo.myshopify.com";
/** A made-up staff member id; Shopify's are numeric strings. */
export const DEMO_USER_ID = "1000001";
/** Shopify issues one-minute tokens; the demo's live longer so an idle tab keeps working. */
export const DEMO_TOKEN_TTL_SECONDS = 3600;

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
}

export interface SignOptions {
  shop: string;
  apiKey: string;
  apiSecret: string;
  userId?: string;
  now?: Date;
  ttlSeconds?: number;
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function sessionTokenClaims({ shop, apiKey, userId = DEMO_USER_ID, now = new Date(), ttlSeconds = DEMO_TOKEN_TTL_SECONDS }: Omit<SignOptions, "apiSecret">): SessionTokenClaims {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: apiKey,
    sub: userId,
    exp: iat + ttlSeconds,
    nbf: iat,
    iat,
    jti: randomUUID(),
    sid: randomUUID(),
  };
}

export function signJwtHs256(payload: object, secret: string): string {
  const signingInput = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac("sha256", secret).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}

/** A session token as App Bridge would hand it to the app for `shop`. */
export function signSessionToken(options: SignOptions): string {
  return signJwtHs256(sessionTokenClaims(options), options.apiSecret);
}

/**
 * The `host` query parameter the Shopify admin adds: "admin.shopify.com/store/<name>" in base64 without
 * padding (the library accepts only the standard alphabet, so not base64url).
 */
export function adminHostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64").replace(/=+$/, "");
}
