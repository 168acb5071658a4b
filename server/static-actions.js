// The production server's fast path (docs/decisions/013-production-server.md): a POST to a resource route whose path
// has no parameters — the webhook routes — calls that route's action directly, from a table built once from the
// build's route manifest. Remix would flatten and rank every route and compile each one's path pattern on every
// request, twice (a fifth of a webhook delivery's CPU). Everything else goes on to Remix unchanged.
import remixNode from "@remix-run/node";

// CommonJS: its named exports are not visible to Node's ESM loader.
const { createReadableStreamFromReadable, writeReadableStreamToWritable } = remixNode;

/**
 * @typedef {{ action?: (args: { request: Request; params: Record<string, string | undefined>; context: Record<string, unknown> }) => unknown; default?: unknown }} RouteModule
 * @typedef {{ path?: string; parentId?: string; module: RouteModule }} ServerRoute
 */

/**
 * URL path → action, for the resource routes (an action, no component) directly under the root whose path is fixed.
 * @param {Record<string, ServerRoute>} routes the build's `routes`
 */
export function staticActionPaths(routes) {
  /** @type {Map<string, NonNullable<RouteModule["action"]>>} */
  const table = new Map();
  for (const route of Object.values(routes)) {
    const { action, default: component } = route.module;
    if (!action || component || !route.path || route.parentId !== "root") continue;
    if (/[:*?]/.test(route.path)) continue; // parameters, splats, optional segments: Remix's matching
    table.set(`/${route.path}`, action);
  }
  return table;
}

/**
 * The Fetch request Remix would give the action (as @remix-run/express builds it): the body streamed, so the route's
 * own size limit applies while it reads; aborted when the client goes away before the answer.
 * @param {import("express").Request} req
 * @param {import("express").Response} res
 */
function fetchRequestOf(req, res) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const controller = new AbortController();
  res.on("close", () => res.writableFinished || controller.abort());
  return new Request(`${req.protocol}://${req.get("host")}${req.originalUrl}`, {
    method: req.method,
    headers,
    body: createReadableStreamFromReadable(req),
    duplex: "half",
    signal: controller.signal,
  });
}

/**
 * @param {import("express").Response} res
 * @param {Response} response
 */
async function send(res, response) {
  res.status(response.status);
  for (const [name, value] of response.headers) res.append(name, value);
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

/**
 * Express middleware: answers the POSTs the table knows as Remix would (a thrown Response is the answer; any other
 * error is reported and answered 500 without details), and passes every other request on.
 * @param {Record<string, ServerRoute>} routes the build's `routes`
 * @param {(error: unknown, request: Request) => void} reportError Remix's handleError equivalent
 * @returns {import("express").RequestHandler}
 */
export function staticActionHandler(routes, reportError) {
  const actions = staticActionPaths(routes);
  return async (req, res, next) => {
    const action = req.method === "POST" ? actions.get(req.path) : undefined;
    if (!action) return next();
    const request = fetchRequestOf(req, res);
    let response;
    try {
      response = await action({ request, params: {}, context: {} });
    } catch (thrown) {
      response = thrown;
    }
    if (!(response instanceof Response)) {
      reportError(response, request);
      response = new Response("Unexpected Server Error", { status: 500 });
    }
    try {
      await send(res, response);
    } catch (error) {
      next(error);
    }
  };
}
