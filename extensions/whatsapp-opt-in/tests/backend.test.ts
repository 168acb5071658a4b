/// <reference types="@shopify/ui-extensions/purchase.checkout.contact.render-after" />
/// <reference types="node" />
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { APP_URL, OPT_IN_PATH, optInEndpoint, sendOptIn, type OptInBody } from "../src/backend";

const body: OptInBody = { optIn: true, phone: "+4915112345678", locale: "de", wording: "w", wordingVersion: "sha256:x", checkoutToken: "t" };

describe("optInEndpoint", () => {
  it("is the app's application_url from shopify.app.toml", () => {
    const toml = readFileSync(path.join(import.meta.dirname, "../../../shopify.app.toml"), "utf8");
    const applicationUrl = /^application_url\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
    expect(APP_URL).toBe(applicationUrl);
    expect(optInEndpoint(undefined)).toBe(`${APP_URL}${OPT_IN_PATH}`);
    expect(optInEndpoint("")).toBe(`${APP_URL}${OPT_IN_PATH}`);
  });

  it("takes the backend_url setting's origin when it is https (or http on localhost), and ignores anything else", () => {
    expect(optInEndpoint(" https://dev.trycloudflare.com/some/path ")).toBe("https://dev.trycloudflare.com/api/checkout/opt-in");
    expect(optInEndpoint("http://localhost:3000")).toBe("http://localhost:3000/api/checkout/opt-in");
    expect(optInEndpoint("http://evil.example.com")).toBe(`${APP_URL}${OPT_IN_PATH}`);
    expect(optInEndpoint("javascript:alert(1)")).toBe(`${APP_URL}${OPT_IN_PATH}`);
    expect(optInEndpoint("not a url")).toBe(`${APP_URL}${OPT_IN_PATH}`);
  });
});

describe("sendOptIn", () => {
  const url = "https://app.example/api/checkout/opt-in";
  const getToken = () => Promise.resolve("tok");

  it("posts JSON with the bearer token and reports ok", async () => {
    const fetchImpl = vi.fn().mockResolvedValue(Response.json({ ok: true }));
    await expect(sendOptIn(body, { url, getToken, fetchImpl })).resolves.toBe("ok");
    const [calledUrl, init] = fetchImpl.mock.calls[0];
    expect(calledUrl).toBe(url);
    expect(init).toMatchObject({ method: "POST", headers: { Authorization: "Bearer tok", "Content-Type": "application/json" } });
    expect(JSON.parse(init.body)).toEqual(body);
  });

  it("never rejects: 4xx is rejected, 5xx and network errors are failed", async () => {
    await expect(sendOptIn(body, { url, getToken, fetchImpl: vi.fn().mockResolvedValue(new Response(null, { status: 400 })) })).resolves.toBe("rejected");
    await expect(sendOptIn(body, { url, getToken, fetchImpl: vi.fn().mockResolvedValue(new Response(null, { status: 503 })) })).resolves.toBe("failed");
    await expect(sendOptIn(body, { url, getToken, fetchImpl: vi.fn().mockRejectedValue(new TypeError("offline")) })).resolves.toBe("failed");
    await expect(sendOptIn(body, { url, getToken: () => Promise.reject(new Error("no token")), fetchImpl: vi.fn() })).resolves.toBe("failed");
  });

  it("gives up after the timeout and aborts the request", async () => {
    let signal: AbortSignal | undefined;
    const fetchImpl = vi.fn((_url: string, init: RequestInit) => {
      signal = init.signal ?? undefined;
      return new Promise<Response>(() => {});
    });
    const started = Date.now();
    await expect(sendOptIn(body, { url, getToken, fetchImpl: fetchImpl as unknown as typeof fetch, timeoutMs: 50 })).resolves.toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(signal?.aborted).toBe(true);
  });

  it("also times out when the session token never comes", async () => {
    await expect(sendOptIn(body, { url, getToken: () => new Promise(() => {}), fetchImpl: vi.fn(), timeoutMs: 30 })).resolves.toBe("timeout");
  });
});
