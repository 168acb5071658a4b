// Secrets at rest and in logs: WhatsApp credentials and Shopify's offline token (Session, written through the app's
// encrypting session storage, docs/decisions/009) are stored encrypted; and a whole replay (webhooks, opt-ins, sends, status webhooks, replies) writes no phone number and no message text to
// the console.
import { Session } from "@shopify/shopify-api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encryptionKey } from "~/.server/crypto";
import { loadConnection, saveConnection } from "~/.server/onboarding/connection";
import { renderTemplateBody } from "~/.server/templates/catalogue";
import { db, sessionStorage } from "~/shopify.server";
import { parseReplay, runReplay } from "../../simulator/replay";
import { germanOrder } from "../helpers/shopify";

const SHOP = "secrets.myshopify.com";
const key = encryptionKey(process.env.TOKEN_ENCRYPTION_KEY!);

afterEach(() => vi.restoreAllMocks());

async function rawRows(table: "WhatsAppConnection" | "Session"): Promise<string> {
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${table}"`);
  return JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

describe("secrets at rest", () => {
  it("the WhatsApp access token and app secret are stored encrypted, and read back", async () => {
    const credentials = { phoneNumberId: "100000000000009", wabaId: "200000000000009", accessToken: "EAAG-very-secret-access-token-1234", appSecret: "app-secret-abcdef-5678", verifyToken: "verify-me" };
    await saveConnection(db, key, SHOP, credentials, { displayPhone: "+49 30 123456", verifiedAt: new Date() });
    const stored = await rawRows("WhatsAppConnection");
    expect(stored).not.toContain(credentials.accessToken);
    expect(stored).not.toContain(credentials.appSecret);
    expect(stored).not.toContain("very-secret");
    expect(await loadConnection(db, key, SHOP)).toMatchObject({ accessToken: credentials.accessToken, appSecret: credentials.appSecret });
  });

  it("Shopify's offline access token is stored encrypted in Session.accessToken, and read back", async () => {
    const token = "shpat_plain_offline_token_0123456789";
    await sessionStorage.storeSession(new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "s", isOnline: false, accessToken: token, scope: "read_orders" }));
    const stored = await rawRows("Session");
    expect(stored).not.toContain(token);
    expect(stored).not.toContain("plain_offline");
    expect(stored).toContain("enc:v1:");
    expect((await sessionStorage.loadSession(`offline_${SHOP}`))?.accessToken).toBe(token);
  });
});

describe("logs", () => {
  it("a replay writes no phone number, name, reply text or message body to the console", async () => {
    const phones = ["+4915100000021", "+4915100000022"];
    const secretReply = "JA bitte – Geheimtext 4711";
    const order = (n: number, phone: string) => germanOrder({
      admin_graphql_api_id: `gid://shopify/Order/${4000 + n}`, name: `#${4000 + n}`, phone,
      note_attributes: [{ name: "_momento_whatsapp_opt_in", value: "1" }, { name: "_momento_whatsapp_phone", value: phone }],
    });
    const lines = [
      { config: { shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR" } },
      { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "s1", phone: phones[0], locale: "de" } },
      { at: "2026-03-02T09:00:00Z", shopify: { topic: "orders/create", webhookId: "s-1", payload: order(1, phones[0]) } },
      { at: "2026-03-02T09:01:00Z", shopify: { topic: "orders/create", webhookId: "s-2", payload: order(2, phones[1]) } },
      { at: "2026-03-02T09:05:00Z", reply: { from: phones[0], text: secretReply } },
      { at: "2026-03-02T09:06:00Z", reply: { from: phones[1], text: "STOP" } },
      { at: "2026-03-02T09:07:00Z", shopify: { topic: "orders/create", webhookId: "s-bad", payload: { phone: phones[1], broken: true } } },
    ];
    const written: string[] = [];
    const capture = (...args: unknown[]) => void written.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a) ?? String(a))).join(" "));
    for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation(capture);
    const { messages, warnings } = await runReplay(parseReplay(lines.map((l) => JSON.stringify(l)).join("\n")));
    vi.restoreAllMocks();

    expect(messages.length).toBeGreaterThan(2);
    // The fixed wording of every body that was sent: any of it in a log line means a message body was logged.
    const bodies = messages.flatMap((m) => (renderTemplateBody(String(m.template), m.language === "en" ? "en" : "de", []) ?? "").split(/\{\{\s*\d+\s*\}\}/)).map((t) => t.trim()).filter((t) => t.length > 15);
    expect(bodies.length).toBeGreaterThan(0);
    const customer = (germanOrder() as { customer?: { first_name?: string; last_name?: string; email?: string } }).customer;
    const forbidden = [
      ...phones, ...phones.map((p) => p.slice(1)), ...phones.map((p) => p.slice(3)), "151 00000021",
      secretReply, "Geheimtext", ...bodies, customer?.email, customer?.last_name,
    ].filter((s): s is string => typeof s === "string" && s.length > 3);
    const everything = [...written, ...warnings].join("\n");
    expect(written.length + warnings.length, "the replay logged something to look at").toBeGreaterThan(0);
    expect(forbidden.filter((needle) => everything.includes(needle))).toEqual([]);
  });
});
