// A local stand-in for App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js), served only in demo mode.
// The real script lives in the Shopify admin's frame and hands the app session tokens; without it
// `useAppBridge()` throws and client-side data requests carry no token. This one defines the parts of
// `window.shopify` the app uses and adds the bearer token to same-origin fetches.

export interface StandInConfig {
  apiKey: string;
  shop: string;
  host: string;
  locale: string;
  /** A freshly signed session token, embedded at serve time. */
  token: string;
  tokenExpiresAt: number;
  /** Where a fresh token can be fetched (plain text) once this one is about to expire. */
  refreshUrl: string;
}

// No DOM nodes are added before React hydrates the document (that would be a hydration mismatch),
// so styles go through adoptedStyleSheets and toasts are added only when shown.
const CSS = `
ui-nav-menu { display: flex; align-items: center; gap: 20px; padding: 10px 20px; background: #1a1a1a; color: #e3e3e3;
  font: 13px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
ui-nav-menu::before { content: var(--momento-demo-label); color: #b5b5b5; padding-right: 16px; border-right: 1px solid #4a4a4a; }
ui-nav-menu a { color: #e3e3e3; text-decoration: none; }
ui-nav-menu a:hover { text-decoration: underline; }
ui-nav-menu a[rel="home"] { color: #fff; font-weight: 600; }
ui-title-bar { display: block; }
ui-title-bar > * { display: none; }
ui-title-bar::before { content: attr(title); display: block; padding: 4px 0 16px; font: 600 20px/1.3 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; color: #303030; }
.momento-demo-toast { position: fixed; left: 50%; bottom: 24px; transform: translateX(-50%); z-index: 10000; padding: 10px 16px;
  border-radius: 8px; background: #1a1a1a; color: #fff; font: 14px/1.4 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
.momento-demo-toast[data-error] { background: #8e1f0b; }
`;

function standIn(config: StandInConfig, css: string): void {
  const originalFetch = window.fetch.bind(window);
  let token = config.token;
  let expiresAt = config.tokenExpiresAt;

  async function idToken(): Promise<string> {
    if (Date.now() < expiresAt - 60_000) return token;
    const response = await originalFetch(config.refreshUrl, { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error(`demo App Bridge: could not refresh the session token (${response.status})`);
    token = (await response.text()).trim();
    expiresAt = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp * 1000;
    return token;
  }

  function showToast(message: string, options: { duration?: number; isError?: boolean } = {}): string {
    const el = document.createElement("div");
    el.className = "momento-demo-toast";
    el.setAttribute("role", "status");
    if (options.isError) el.setAttribute("data-error", "");
    el.textContent = message;
    document.body.appendChild(el);
    setTimeout(() => el.remove(), options.duration ?? 5000);
    return `toast-${Date.now()}`;
  }

  const unavailable = (what: string) => () => {
    showToast(`${what} is not available in the demo`, { isError: true });
    return Promise.resolve(undefined);
  };
  const noop = () => Promise.resolve();

  const shopify = {
    config: { apiKey: config.apiKey, shop: config.shop, host: config.host, locale: config.locale },
    environment: { embedded: true, mobile: false, pos: false },
    origin: window.location.origin,
    ready: Promise.resolve(),
    idToken,
    user: () => Promise.resolve({ accountAccess: "Account owner" }),
    toast: { show: showToast, hide: () => undefined },
    loading: (isLoading?: boolean) => {
      document.documentElement.style.cursor = isLoading ? "progress" : "";
    },
    modal: { show: noop, hide: noop, toggle: noop },
    saveBar: { show: noop, hide: noop, toggle: noop, leaveConfirmation: noop },
    resourcePicker: unavailable("The resource picker"),
    scanner: { capture: unavailable("The scanner") },
    intents: { invoke: unavailable("Admin intents") },
  };
  Object.defineProperty(window, "shopify", { value: shopify, configurable: false, writable: false });

  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input), window.location.href);
    if (url.origin !== window.location.origin) return originalFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", `Bearer ${await idToken()}`);
    return originalFetch(input, { ...init, headers });
  };

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css.replace("var(--momento-demo-label)", JSON.stringify(`Demo · ${config.shop}`)));
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/** The script text for GET /demo/app-bridge.js. */
export function appBridgeStandInScript(config: StandInConfig): string {
  // JSON with "<" escaped is a valid JS expression that cannot close a surrounding tag.
  const literal = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");
  return `// Momento demo: local App Bridge stand-in (never served outside DEMO_MODE).\n(${standIn.toString()})(${literal(config)}, ${literal(CSS)});\n`;
}
