import { readFileSync } from "node:fs";

/** A real payload from tests/fixtures (sources in tests/fixtures/SOURCES.md), parsed afresh on each call. */
export function fixture<T = Record<string, unknown>>(name: `${"shopify" | "whatsapp"}/${string}.json`): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as T;
}

/** The raw text of a fixture, byte for byte (for signature checks over the raw body). */
export function rawFixture(name: `${"shopify" | "whatsapp"}/${string}.json`): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}
