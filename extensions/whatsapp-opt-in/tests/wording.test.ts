/// <reference types="@shopify/ui-extensions/purchase.checkout.contact.render-after" />
/// <reference types="node" />
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildWording, sha256Hex } from "../src/wording";

const nodeSha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("sha256Hex", () => {
  it.each(["", "abc", "Ja, ich möchte Bestell-Updates von Müller & Söhne 🛍️ per WhatsApp", "x".repeat(55), "y".repeat(56), "z".repeat(64), "w".repeat(1000)])(
    "matches node:crypto for %j",
    (text) => expect(sha256Hex(text)).toBe(nodeSha256(text)),
  );
});

describe("buildWording", () => {
  const base = { shopName: "Müller & Söhne", defaultLabel: "Send me … from Müller & Söhne on WhatsApp", notice: "One message to confirm. STOP to unsubscribe." };

  it("uses the built-in label when the merchant set none, and versions label plus notice", () => {
    const wording = buildWording({ ...base, customLabel: undefined });
    expect(wording.label).toBe(base.defaultLabel);
    expect(wording.text).toBe(`${base.defaultLabel}\n${base.notice}`);
    expect(wording.version).toBe(`sha256:${nodeSha256(wording.text)}`);
  });

  it("uses the merchant's label with {shop} filled in; blank counts as none", () => {
    expect(buildWording({ ...base, customLabel: "  News von {shop} per WhatsApp  " }).label).toBe("News von Müller & Söhne per WhatsApp");
    expect(buildWording({ ...base, customLabel: "   " }).label).toBe(base.defaultLabel);
    expect(buildWording({ ...base, customLabel: 42 }).label).toBe(base.defaultLabel);
  });

  it("gives a different version for a different text", () => {
    expect(buildWording({ ...base, customLabel: "A {shop}" }).version).not.toBe(buildWording({ ...base, customLabel: "B {shop}" }).version);
  });
});
