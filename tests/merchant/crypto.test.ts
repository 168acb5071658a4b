import { describe, expect, it } from "vitest";
import { decryptSecret, encryptionKey, encryptSecret, lastFour } from "~/.server/crypto";

const key = encryptionKey(Buffer.alloc(32, 1).toString("base64"));

describe("secrets at rest (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV each time, and never contains the plain text", () => {
    const a = encryptSecret("EAAG-secret-token-1234", key);
    const b = encryptSecret("EAAG-secret-token-1234", key);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, "base64").toString("latin1")).not.toContain("secret-token");
    expect(decryptSecret(a, key)).toBe("EAAG-secret-token-1234");
    expect(decryptSecret(b, key)).toBe("EAAG-secret-token-1234");
  });

  it("refuses a tampered value or the wrong key", () => {
    const stored = encryptSecret("token", key);
    const raw = Buffer.from(stored, "base64");
    raw[14] ^= 1;
    expect(() => decryptSecret(raw.toString("base64"), key)).toThrow();
    expect(() => decryptSecret(stored, encryptionKey(Buffer.alloc(32, 2).toString("base64")))).toThrow();
    expect(() => decryptSecret("AAAA", key)).toThrow(/too short/);
  });

  it("accepts only a 32-byte base64 key", () => {
    expect(() => encryptionKey(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/);
    expect(() => encryptionKey("!!!")).toThrow(/32 bytes/);
    expect(encryptionKey(process.env.TOKEN_ENCRYPTION_KEY!).length).toBe(32);
  });

  it("shows only the last four characters of a secret", () => {
    expect(lastFour("EAAGabcd1234")).toBe("••••1234");
    expect(lastFour("abc")).toBe("••••");
  });
});
