// The key the app and the worker read Shopify's tokens with (TOKEN_ENCRYPTION_KEY of the test environment), and a
// token as the app's session storage writes it, for tests that insert Session rows directly.
import { encryptionKey } from "~/.server/crypto";
import { sealToken } from "~/.server/shopify-admin/session-tokens";

export const secretsKey = encryptionKey(process.env.TOKEN_ENCRYPTION_KEY!);

export function sealedToken(plain: string): string {
  return sealToken(plain, secretsKey);
}
