// The theme block's strings: every key the Liquid uses exists in English and German, and both locales have the same keys.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const dir = path.resolve(import.meta.dirname, "../../extensions/back-in-stock-block");
const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
const keys = (value: unknown, prefix = ""): string[] =>
  value && typeof value === "object" ? Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k)) : [prefix];

describe("Notify me on WhatsApp block", () => {
  const liquid = read("blocks/notify-me.liquid");
  it("uses only keys that exist in both storefront locales", () => {
    const en = keys(JSON.parse(read("locales/en.default.json")));
    const de = keys(JSON.parse(read("locales/de.json")));
    expect(de.sort()).toEqual(en.sort());
    const used = [...liquid.matchAll(/'([a-z_.]+)' \| t\b/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(4);
    for (const key of used) expect(en).toContain(key);
  });
  it("has its editor strings in both languages", () => {
    expect(keys(JSON.parse(read("locales/de.schema.json"))).sort()).toEqual(keys(JSON.parse(read("locales/en.default.schema.json"))).sort());
  });
  it("posts to the app proxy path the app declares", () => {
    const toml = readFileSync(path.resolve(dir, "../../shopify.app.toml"), "utf8");
    const [, prefix] = /\[app_proxy\][^[]*prefix = "([^"]+)"/.exec(toml)!;
    const [, subpath] = /\[app_proxy\][^[]*subpath = "([^"]+)"/.exec(toml)!;
    const [, url] = /\[app_proxy\][^[]*url = "([^"]+)"/.exec(toml)!;
    expect(liquid).toContain(`data-endpoint="/${prefix}/${subpath}/back-in-stock"`);
    expect(new URL(url).pathname).toBe("/proxy");
  });
});
