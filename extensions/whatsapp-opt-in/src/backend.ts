// The call to the app's /api/checkout/opt-in: fire-and-forget with a timeout. It never throws and never
// blocks the checkout; when it fails, the cart attributes alone let the app catch up from the webhooks.

/**
 * Where the app runs. Checkout extensions have no process.env, and `shopify.extension.scriptUrl` is no help:
 * in production the script is served from Shopify's CDN, not from the app. So the URL is a constant that must
 * equal `application_url` in shopify.app.toml (tests/backend.test.ts checks that), and the extension setting
 * `backend_url` can point a development or self-hosted install elsewhere (e.g. the `shopify app dev` tunnel).
 */
export const APP_URL = "https://momento.example.com";

export const OPT_IN_PATH = "/api/checkout/opt-in";

/** A buyer who waits this long has long moved on; the attributes carry the opt-in either way. */
export const REQUEST_TIMEOUT_MS = 8000;

/** The opt-in endpoint: the `backend_url` setting when it is an https origin (or http on localhost), else APP_URL. */
export function optInEndpoint(backendUrlSetting: unknown): string {
  if (typeof backendUrlSetting === "string" && backendUrlSetting.trim() !== "") {
    try {
      const url = new URL(backendUrlSetting.trim());
      const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
      if (url.protocol === "https:" || (url.protocol === "http:" && local)) return `${url.origin}${OPT_IN_PATH}`;
    } catch {
      // not a URL: fall back to the app's own
    }
  }
  return `${APP_URL}${OPT_IN_PATH}`;
}

export interface OptInBody {
  optIn: boolean;
  /** E.164. */
  phone: string;
  locale: string | null;
  wording: string;
  wordingVersion: string;
  checkoutToken: string | null;
}

export type SendOutcome = "ok" | "rejected" | "failed" | "timeout";

export interface SendOptions {
  url: string;
  getToken: () => Promise<string>;
  timeoutMs?: number;
  /** For tests; defaults to the global fetch at call time. */
  fetchImpl?: typeof fetch;
}

/** Posts one opt-in or withdrawal. Resolves (never rejects) within timeoutMs with what happened. */
export function sendOptIn(body: OptInBody, options: SendOptions): Promise<SendOutcome> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller?.abort();
      resolve("timeout");
    }, timeoutMs);
  });
  const attempt = (async (): Promise<SendOutcome> => {
    try {
      // Asked for on every call: the host caches tokens and renews expired ones (5-minute TTL).
      const token = await options.getToken();
      const response = await (options.fetchImpl ?? fetch)(options.url, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: controller?.signal,
      });
      if (response.ok) return "ok";
      return response.status >= 400 && response.status < 500 ? "rejected" : "failed";
    } catch {
      return "failed";
    }
  })();
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}
