import { describe, expect, it } from "vitest";
import { parseEnv } from "~/env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://momento.example.com",
  WHATSAPP_PHONE_NUMBER_ID: "1001",
  WHATSAPP_ACCESS_TOKEN: "token",
  WHATSAPP_APP_SECRET: "app-secret",
  WHATSAPP_VERIFY_TOKEN: "verify-token",
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
};

describe("parseEnv", () => {
  it("fills the defaults", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_URL).toBe("file:./prisma/dev.sqlite");
    expect(env.WHATSAPP_API_BASE_URL).toBe("https://graph.facebook.com");
    expect(env.DEMO_MODE).toBe(false);
  });

  it("lists every missing variable in one readable error", () => {
    expect(() => parseEnv({ SHOPIFY_API_KEY: "key" })).toThrow(/SHOPIFY_API_SECRET[\s\S]*WHATSAPP_ACCESS_TOKEN/);
  });

  it("wants a 32-byte base64 encryption key for the shops' WhatsApp tokens", () => {
    expect(() => parseEnv({ ...valid, TOKEN_ENCRYPTION_KEY: undefined })).toThrow(/TOKEN_ENCRYPTION_KEY/);
    expect(() => parseEnv({ ...valid, TOKEN_ENCRYPTION_KEY: Buffer.alloc(16).toString("base64") })).toThrow(/TOKEN_ENCRYPTION_KEY: 32 bytes/);
    expect(() => parseEnv({ ...valid, TOKEN_ENCRYPTION_KEY: "not base64!" })).toThrow(/TOKEN_ENCRYPTION_KEY/);
  });

  it("refuses DEMO_MODE on a public app URL", () => {
    expect(() => parseEnv({ ...valid, DEMO_MODE: "1" })).toThrow(/DEMO_MODE is only allowed/);
    expect(parseEnv({ ...valid, DEMO_MODE: "1", SHOPIFY_APP_URL: "http://localhost:3000" }).DEMO_MODE).toBe(true);
  });
});
