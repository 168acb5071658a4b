/// <reference types="@shopify/ui-extensions/purchase.checkout.contact.render-after" />
/// <reference types="node" />
// src/phone-metadata.ts is generated from the installed libphonenumber-js; this fails when they drift apart.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";
import { COUNTRIES, METADATA_SOURCE, MOBILE_LENGTHS } from "../src/phone-metadata";

it("matches the installed libphonenumber-js (regenerate with scripts/generate-phone-metadata.mjs)", async () => {
  const require = createRequire(import.meta.url);
  const { version } = JSON.parse(readFileSync(require.resolve("libphonenumber-js/package.json"), "utf8"));
  const metadata = JSON.parse(readFileSync(require.resolve("libphonenumber-js/metadata.mobile.json"), "utf8"));
  // @ts-expect-error plain JS module without types
  const { buildPhoneMetadata } = await import("../scripts/generate-phone-metadata.mjs");
  const { lengths, countries } = buildPhoneMetadata(metadata) as { lengths: Record<string, number[]>; countries: Record<string, [string, string]> };

  expect(METADATA_SOURCE).toBe(`libphonenumber-js ${version}`);
  const ours = Object.fromEntries(MOBILE_LENGTHS.split(";").map((e) => [e.split(":")[0], e.split(":")[1].split(",").map(Number)]));
  expect(ours).toEqual(lengths);
  const ourCountries = Object.fromEntries(COUNTRIES.split(";").map((e) => {
    const m = /^([A-Z]{2})(\d+)(?:-(\d+))?$/.exec(e)!;
    return [m[1], [m[2], m[3] ?? ""]];
  }));
  expect(ourCountries).toEqual(countries);
  expect(ours["49"]).toEqual([10, 11]);
  expect(ourCountries.DE).toEqual(["49", "0"]);
});
