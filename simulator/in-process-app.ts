// Calls the app's real Remix route modules in-process with a Request (tests, replay, benchmark):
// the same code path as over HTTP, minus the socket. Thrown Responses (401, 400, …) are returned.
// A Shopify webhook is answered once stored and projected afterwards (decision 012): callRoute waits for that
// projection, so whoever delivers and then reads sees the result, unless asked not to ({ settle: false }).
import path from "node:path";
import { pathToFileURL } from "node:url";

type RouteModule = {
  action?: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response | unknown>;
  loader?: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response | unknown>;
};

const routesDir = path.resolve(import.meta.dirname, "../app/routes");
const cache = new Map<string, Promise<RouteModule>>();

export function routeFile(name: string): string {
  return path.join(routesDir, name);
}

/** "/webhooks/orders/create" → app/routes/webhooks.orders.create.tsx (flat routes, static segments). */
export function routeFileFor(pathname: string): string {
  return routeFile(`${pathname.replace(/^\//, "").split("/").join(".")}.tsx`);
}

function loadRoute(file: string): Promise<RouteModule> {
  let mod = cache.get(file);
  if (!mod) {
    mod = import(pathToFileURL(file).href) as Promise<RouteModule>;
    cache.set(file, mod);
  }
  return mod;
}

export async function callRoute(request: Request, options: { file?: string; params?: Record<string, string>; settle?: boolean } = {}): Promise<Response> {
  const mod = await loadRoute(options.file ?? routeFileFor(new URL(request.url).pathname));
  const handler = request.method === "GET" ? mod.loader : mod.action;
  if (!handler) return new Response("Method not allowed", { status: 405 });
  const shopifyWebhook = request.headers.has("x-shopify-topic");
  try {
    const result = await handler({ request, params: options.params ?? {}, context: {} });
    return result instanceof Response ? result : Response.json(result);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  } finally {
    if (shopifyWebhook && options.settle !== false) await settleShopifyInbox();
  }
}

let webhooksModule: Promise<typeof import("../app/webhooks.server")> | undefined;
async function settleShopifyInbox(): Promise<void> {
  webhooksModule ??= import(pathToFileURL(path.resolve(routesDir, "../webhooks.server.ts")).href);
  await (await webhooksModule).settleShopifyInbox();
}
