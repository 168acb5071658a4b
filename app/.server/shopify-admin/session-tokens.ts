// Shopify's access and refresh tokens at rest (Session table): AES-256-GCM with TOKEN_ENCRYPTION_KEY, like the
// WhatsApp secrets, behind a version prefix (docs/decisions/009). A row without the prefix was written before
// encryption: it is read as it is and encrypted the next time the library stores the session.
import { Session } from "@shopify/shopify-api";
import type { SessionStorage } from "@shopify/shopify-app-session-storage";
import { decryptSecret, encryptSecret } from "../crypto";

export const SEALED_TOKEN_PREFIX = "enc:v1:";
const ANY_VERSION = /^enc:v\d+:/;

export type OpenedToken = { ok: true; token: string; legacyPlain: boolean } | { ok: false; reason: string };

export function sealToken(plain: string, key: Buffer): string {
  return SEALED_TOKEN_PREFIX + encryptSecret(plain, key);
}

/** A stored token in the clear; never throws. Plain (pre-encryption) rows are recognised by the missing prefix. */
export function openToken(stored: string, key: Buffer): OpenedToken {
  if (!stored.startsWith(SEALED_TOKEN_PREFIX)) {
    if (ANY_VERSION.test(stored)) return { ok: false, reason: `the stored token has an unknown format (${stored.slice(0, stored.indexOf(":", 4) + 1)})` };
    return { ok: true, token: stored, legacyPlain: true };
  }
  try {
    return { ok: true, token: decryptSecret(stored.slice(SEALED_TOKEN_PREFIX.length), key), legacyPlain: false };
  } catch {
    return { ok: false, reason: "the stored token cannot be decrypted with TOKEN_ENCRYPTION_KEY (was the key changed?)" };
  }
}

function withTokens(session: Session, accessToken: string | undefined, refreshToken: string | undefined): Session {
  return new Session({ ...session.toObject(), accessToken, refreshToken });
}

/**
 * The library's SessionStorage with the tokens encrypted: what `shopifyApp` gets, so every session it stores,
 * refreshes or loads passes through here. A session whose token cannot be decrypted is reported as absent (the
 * library then exchanges a new token), with the reason logged; its ciphertext never reaches Shopify.
 */
export class EncryptedSessionStorage implements SessionStorage {
  constructor(
    private readonly inner: SessionStorage,
    private readonly key: Buffer,
    private readonly log: (line: string) => void = (line) => console.warn(`[session] ${line}`),
  ) {}

  storeSession(session: Session): Promise<boolean> {
    const seal = (token: string | undefined) => (token ? sealToken(token, this.key) : undefined);
    return this.inner.storeSession(withTokens(session, seal(session.accessToken), seal(session.refreshToken)));
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const stored = await this.inner.loadSession(id);
    return stored && this.open(stored);
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const sessions = (await this.inner.findSessionsByShop(shop)).map((stored) => this.open(stored));
    return sessions.filter((session): session is Session => session !== undefined);
  }

  deleteSession(id: string): Promise<boolean> {
    return this.inner.deleteSession(id);
  }

  deleteSessions(ids: string[]): Promise<boolean> {
    return this.inner.deleteSessions(ids);
  }

  private open(stored: Session): Session | undefined {
    const access = stored.accessToken ? openToken(stored.accessToken, this.key) : null;
    const refresh = stored.refreshToken ? openToken(stored.refreshToken, this.key) : null;
    const failed = [access, refresh].find((opened) => opened && !opened.ok);
    if (failed && !failed.ok) {
      this.log(`session ${stored.id} is treated as absent: ${failed.reason}`);
      return undefined;
    }
    return withTokens(stored, access?.ok ? access.token : undefined, refresh?.ok ? refresh.token : undefined);
  }
}
