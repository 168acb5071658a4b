// Reading a bulk result file: lines from a byte offset (Range honoured or not), objects of nested connections
// (`__parentId`, anywhere in the file without groupObjects) passed over, a cut-off download refused.
import { describe, expect, it } from "vitest";
import { readJsonlFrom, DownloadError } from "~/.server/history-import/jsonl";
import { projectBulkLine } from "~/.server/history-import/project-lines";
import { bulkOrderNode, bulkQueryLines } from "../../simulator/shopify-admin-bulk";
import { ordersBulkQuery } from "~/.server/history-import/bulk-operations";

// The shape of the example in Shopify's bulk operations guide: a product, then its variants with __parentId.
const DOCS_EXAMPLE = [
  '{"id":"gid://shopify/Product/1921569226808"}',
  '{"id":"gid://shopify/ProductVariant/19435458986123","title":"52","__parentId":"gid://shopify/Product/1921569226808"}',
  '{"id":"gid://shopify/ProductVariant/19435458986040","title":"70","__parentId":"gid://shopify/Product/1921569226808"}',
].join("\n");

function serve(text: string, options: { honourRange?: boolean } = {}): typeof fetch {
  const bytes = Buffer.from(text, "utf8");
  return async (_input, init) => {
    const range = /^bytes=(\d+)-$/.exec(new Headers(init?.headers).get("Range") ?? "");
    if (range && options.honourRange !== false) {
      const start = Number(range[1]);
      if (start >= bytes.length) return new Response(null, { status: 416 });
      return new Response(new Uint8Array(bytes.subarray(start)), { status: 206 });
    }
    return new Response(new Uint8Array(bytes), { status: 200 });
  };
}

async function read(download: typeof fetch, offset = 0) {
  const lines = [];
  for await (const line of readJsonlFrom(download, "http://127.0.0.1/file.jsonl", offset)) lines.push(line);
  return lines;
}

describe("reading a bulk result file", () => {
  it("yields each line with the byte offset after it, also for a last line without newline and multi-byte text", async () => {
    const text = '{"id":"a","name":"Müller"}\r\n{"id":"b"}\n\n{"id":"c"}';
    const lines = await read(serve(text));
    expect(lines.map((l) => l.text)).toEqual(['{"id":"a","name":"Müller"}', '{"id":"b"}', '{"id":"c"}']);
    expect(lines.map((l) => l.end)).toEqual([Buffer.byteLength('{"id":"a","name":"Müller"}\r\n'), Buffer.byteLength('{"id":"a","name":"Müller"}\r\n{"id":"b"}\n'), Buffer.byteLength(text)]);
  });

  it("resumes from an offset, whether the server answers the Range request or sends the whole file", async () => {
    const whole = await read(serve(DOCS_EXAMPLE));
    for (const honourRange of [true, false]) {
      const rest = await read(serve(DOCS_EXAMPLE, { honourRange }), whole[0].end);
      expect(rest).toEqual(whole.slice(1));
    }
    expect(await read(serve(DOCS_EXAMPLE), whole[2].end)).toEqual([]);
  });

  it("refuses a file cut off in the middle of a line, and an HTTP error", async () => {
    await expect(read(serve('{"id":"a"}\n{"id":"b","na'))).rejects.toBeInstanceOf(DownloadError);
    await expect(read(async () => new Response("<Error>AccessDenied</Error>", { status: 403 }))).rejects.toThrow(/HTTP 403/);
  });

  it("passes over objects of nested connections and objects it does not import", async () => {
    const db = {} as never; // none of these lines reaches the database
    const shop = { domain: "x.myshopify.com", country: "DE", locale: "de" };
    const outcomes = await Promise.all(DOCS_EXAMPLE.split("\n").map((line) => projectBulkLine(db, shop, line)));
    expect(outcomes).toEqual([{ kind: "skipped", reason: "unexpected object gid://shopify/Product" }, { kind: "child" }, { kind: "child" }]);
    expect(await projectBulkLine(db, shop, "not json")).toEqual({ kind: "skipped", reason: "not a JSON line" });
  });

  it("the stand-in writes a nested connection's objects as their own lines after the root objects, like Shopify", () => {
    const seed = { orders: [bulkOrderNode({ id: 1, createdAt: "2026-01-01T00:00:00Z", lineItems: [{ id: 11, title: "Tee", quantity: 2 }] }), bulkOrderNode({ id: 2, createdAt: "2026-01-02T00:00:00Z" })] };
    const query = ordersBulkQuery(new Date("2025-06-01T00:00:00Z")).replace("customAttributes { key value }", "customAttributes { key value }\n lineItems { edges { node { id title quantity } } }");
    const { lines } = bulkQueryLines(query, seed);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((o) => [o.id, o.__parentId ?? null])).toEqual([
      ["gid://shopify/Order/1", null],
      ["gid://shopify/Order/2", null],
      ["gid://shopify/LineItem/11", "gid://shopify/Order/1"],
    ]);
    expect(() => bulkQueryLines("{ orders { edges { node { id totalPrice } } } }", seed)).toThrow("Field 'totalPrice' doesn't exist on type 'Order'");
  });
});
