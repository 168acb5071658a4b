// The exports after a replayed store life: the stats CSV holds exactly the stats JSON (the replay's, the stats
// CLI's), the message-log CSV the filtered messages without their contents, and no cell runs as a formula.
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import type { Stats } from "~/.server/analytics/stats";
import { createDb } from "~/.server/db";
import { ensureDemoSession } from "~/.server/demo/demo-session";
import { signSessionToken } from "~/.server/demo/session-token";
import { csvCell } from "~/.server/exports/csv";
import { MESSAGE_LOG_COLUMNS } from "~/.server/exports/message-log-csv";
import { statsForDates } from "~/.server/exports/stats-period";
import { statsRows } from "~/.server/exports/stats-csv";
import { sessionStorage } from "~/shopify.server";
import { callRoute, routeFile } from "../../simulator/in-process-app";
import { parseReplay, runReplay } from "../../simulator/replay";
import { germanOrder } from "../helpers/shopify";
import { parseCsv } from "../helpers/csv";

const db = createDb(process.env.DATABASE_URL!);
const SHOP = "export-test.myshopify.com";

function order(n: number, phone: string) {
  return germanOrder({ admin_graphql_api_id: `gid://shopify/Order/${1000 + n}`, name: `#${1000 + n}`, phone, created_at: "2026-03-02T10:00:00+01:00", updated_at: "2026-03-02T10:00:00+01:00" });
}

const script = [
  { config: { shop: SHOP, country: "DE", timezone: "Europe/Berlin", currency: "EUR", attributionWindowDays: 5 } },
  { at: "2026-03-02T08:55:00Z", recipient: { phone: "+4915100000003", failWith: 131026 } },
  { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "c1", phone: "+4915100000001", locale: "de" } },
  { at: "2026-03-02T08:59:00Z", optIn: { checkoutToken: "c3", phone: "+4915100000003", locale: "de" } },
  { at: "2026-03-02T09:00:00Z", shopify: { topic: "orders/create", webhookId: "w-1", payload: order(1, "+4915100000001") } },
  { at: "2026-03-02T09:02:00Z", shopify: { topic: "orders/create", webhookId: "w-3", payload: order(3, "+4915100000003") } },
  { at: "2026-03-02T09:03:00Z", shopify: { topic: "orders/create", webhookId: "w-4", payload: order(4, "+4915100000004") } },
  { at: "2026-03-02T09:04:00Z", reply: { from: "+4915100000001", text: "JA" } },
].map((line) => JSON.stringify(line)).join("\n");

let replayed: Stats;

function authed(path: string): Request {
  const token = signSessionToken({ shop: SHOP, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return new Request(`${process.env.SHOPIFY_APP_URL}${path}`, { headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 Chrome/156.0" } });
}

async function download(path: string, file: string): Promise<{ response: Response; text: string }> {
  const response = await callRoute(authed(path), { file: routeFile(file) });
  return { response, text: await response.text() };
}

beforeAll(async () => {
  const result = await runReplay(parseReplay(script));
  expect(result.warnings).toEqual([]);
  replayed = result.stats;
  await ensureDemoSession(sessionStorage, SHOP, process.env.SCOPES!);
}, 60_000);

describe("stats CSV", () => {
  it("holds the replay's stats JSON, value for value, as rows metric,value", async () => {
    // The replay's period runs from its first event to five days after its last, widened to whole local days.
    const { from, to } = replayed;
    expect([from, to]).toEqual(["2026-03-02", "2026-03-08"]);
    expect(await statsForDates(db, SHOP, from, to)).toEqual(replayed);
    expect(replayed.messages.total.delivered + replayed.messages.total.read).toBeGreaterThan(0);

    const { response, text } = await download(`/app/export/stats.csv?from=${from}&to=${to}`, "app.export.stats[.]csv.tsx");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="momento-stats-${from}-${to}.csv"`);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual(["metric", "value"]);
    const expected = statsRows(replayed);
    expect(rows.map((r) => r[0])).toEqual(expected.map(([metric]) => metric));
    for (const [i, [metric, value]] of expected.entries()) {
      const cell = rows[i][1];
      if (typeof value === "number") expect(Number(cell), metric).toBe(value);
      else if (value === null) expect(cell, metric).toBe("");
      else expect(cell, metric).toBe(String(value));
    }
    expect(rows.find((r) => r[0] === "consent.requested")?.[1]).toBe("2");
    expect(rows.find((r) => r[0] === "messages.byFlow.order_confirmation.failed")?.[1]).toBe("1");
  });

  it("refuses a bad period with the reason", async () => {
    const { response, text } = await download("/app/export/stats.csv?from=2026-03-07&to=2026-03-02", "app.export.stats[.]csv.tsx");
    expect(response.status).toBe(400);
    expect(JSON.parse(text).error).toMatch(/to must be after from/);
    expect((await download("/app/export/stats.csv?from=02.03.2026&to=2026-03-07", "app.export.stats[.]csv.tsx")).response.status).toBe(400);
  });

  it("npm run stats prints the same object", () => {
    const result = spawnSync("npm", ["run", "--silent", "stats", "--", "--shop", SHOP, "--from", replayed.from, "--to", replayed.to, "--db", process.env.DATABASE_URL!], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(replayed);
    const bad = spawnSync("npm", ["run", "--silent", "stats", "--", "--shop", SHOP, "--from", "2026-03-02"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--from and --to are both needed/);
    const unknown = spawnSync("npm", ["run", "--silent", "stats", "--", "--shop", "nope.myshopify.com", "--from", "2026-03-02", "--to", "2026-03-07", "--db", process.env.DATABASE_URL!], { encoding: "utf8" });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no shop nope.myshopify.com/);
  }, 60_000);
});

describe("message log CSV", () => {
  it("lists the filtered messages with their status times, the numbers, and no contents", async () => {
    const { response, text } = await download("/app/messages.csv?flow=order_confirmation&from=2026-03-02&to=2026-03-02", "app.messages[.]csv.tsx");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="momento-messages-2026-03-02_to_2026-03-02.csv"');
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...MESSAGE_LOG_COLUMNS]);
    const stored = await db.message.findMany({ where: { shop: SHOP, flow: "order_confirmation" }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    expect(rows.map((r) => r[0])).toEqual(stored.map((m) => m.id));
    const col = (name: (typeof MESSAGE_LOG_COLUMNS)[number]) => MESSAGE_LOG_COLUMNS.indexOf(name);
    expect(rows.map((r) => r[col("to")]).sort()).toEqual(["+4915100000001", "+4915100000003", "+4915100000004"]);
    expect(rows.map((r) => r[col("status")]).sort()).toEqual(["FAILED", "READ", "SKIPPED"].sort());
    expect(rows.find((r) => r[col("status")] === "FAILED")?.[col("error_code")]).toBe("131026");
    // The template's name stands for the content: none of the filled-in parameters appear.
    // (The URL button's parameter is the message's own id, which the export names anyway.)
    const parameters = stored.flatMap((m) => (m.components.match(/"text":"([^"]{3,})"/g) ?? []).map((t) => t.slice(8, -1)).filter((p) => p !== m.id));
    expect(parameters.length).toBeGreaterThan(0);
    for (const p of parameters) expect(text).not.toContain(p);
    // Other days and flows stay out.
    expect(parseCsv((await download("/app/messages.csv?from=2026-03-03", "app.messages[.]csv.tsx")).text)).toHaveLength(1);
  });

  it("escapes cells a spreadsheet would run as formulas, and refuses bad filters", async () => {
    const m = await db.message.findFirstOrThrow({ where: { shop: SHOP, flow: "order_confirmation", status: "SKIPPED" } });
    await db.message.update({ where: { id: m.id }, data: { statusReason: '=HYPERLINK("http://evil.example","x")', waUserId: "@SUM(1)" } });
    const { text } = await download("/app/messages.csv?status=SKIPPED", "app.messages[.]csv.tsx");
    const row = parseCsv(text).find((r) => r[0] === m.id)!;
    expect(row[MESSAGE_LOG_COLUMNS.indexOf("status_reason")]).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(row[MESSAGE_LOG_COLUMNS.indexOf("wa_user_id")]).toBe("'@SUM(1)");
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);

    const bad = await download("/app/messages.csv?from=yesterday", "app.messages[.]csv.tsx");
    expect(bad.response.status).toBe(400);
    expect(JSON.parse(bad.text).errors.from).toBe("Enter a date as YYYY-MM-DD.");
  });

  it("csvCell: formulas get an apostrophe, numbers Momento computed and E.164 numbers stay as they are", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+1+cmd")).toBe("'+1+cmd");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@x")).toBe("'@x");
    expect(csvCell("+4915112345678")).toBe("+4915112345678");
    expect(csvCell(-0.25)).toBe("-0.25");
    expect(csvCell(null)).toBe("");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });
});
