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

  it("refuses DEMO_MODE on a public app URL", () => {
    expect(() => parseEnv({ ...valid, DEMO_MODE: "1" })).toThrow(/DEMO_MODE is only allowed/);
    expect(parseEnv({ ...valid, DEMO_MODE: "1", SHOPIFY_APP_URL: "http://localhost:3000" }).DEMO_MODE).toBe(true);
  });
});
