import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

const flag = z
  .enum(["0", "1", "true", "false", ""])
  .optional()
  .transform((v) => v === "1" || v === "true");

export const envSchema = z
  .object({
    SHOPIFY_API_KEY: z.string().min(1),
    SHOPIFY_API_SECRET: z.string().min(1),
    SHOPIFY_APP_URL: z.url(),
    SCOPES: z.string().default("read_orders,read_customers,write_customers,read_products,read_inventory,write_discounts,write_app_proxy"),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    DATABASE_URL: z.string().default("file:./prisma/dev.sqlite"),

    WHATSAPP_API_BASE_URL: z.url().default("https://graph.facebook.com"),
    WHATSAPP_API_VERSION: z.string().regex(/^v\d+\.\d+$/, "like v24.0").default("v24.0"),
    WHATSAPP_PHONE_NUMBER_ID: z.string().min(1),
    WHATSAPP_ACCESS_TOKEN: z.string().min(1),
    WHATSAPP_APP_SECRET: z.string().min(1),
    WHATSAPP_VERIFY_TOKEN: z.string().min(8),
    /** 32 random bytes in base64: encrypts each shop's WhatsApp access token and app secret at rest. */
    TOKEN_ENCRYPTION_KEY: z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(v.trim()), "32 bytes in base64 (openssl rand -base64 32)"),

    DEMO_MODE: flag,
  })
  .superRefine((env, ctx) => {
    // The demo signs its own session tokens; it must never run where Shopify can reach the app.
    if (env.DEMO_MODE && !LOOPBACK_HOSTS.has(new URL(env.SHOPIFY_APP_URL).hostname)) {
      ctx.addIssue({
        code: "custom",
        path: ["DEMO_MODE"],
        message: "DEMO_MODE is only allowed when SHOPIFY_APP_URL is a loopback address (localhost)",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Parses the environment once; throws one readable error listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new Error(`Invalid environment (see .env.example):\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;
export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}
