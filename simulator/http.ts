// Serves the Cloud API simulator over node:http, plus /_sim/* endpoints where a person (or the demo)
// acts as the shopper: reply, tap a quick-reply button, open a URL button, configure a recipient —
// and /_sim/phone, a page showing each shopper's chat that does all of this in a browser.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CloudApiSimulator, SentMessage } from "./cloud-api";
import { phoneViewHtml } from "./phone-view";

export interface SimulatorServer {
  /** Base URL, e.g. http://127.0.0.1:4010 (point WHATSAPP_API_BASE_URL here). */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toFetchRequest(request: IncomingMessage, body: Buffer, baseUrl: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const method = request.method ?? "GET";
  return new Request(new URL(request.url ?? "/", baseUrl), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(body),
  });
}

async function writeFetchResponse(response: Response, out: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  out.writeHead(response.status, headers);
  out.end(body);
}

function sendJson(out: ServerResponse, status: number, body: unknown): void {
  out.writeHead(status, { "Content-Type": "application/json; charset=UTF-8" });
  out.end(JSON.stringify(body));
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8") || "{}");
  } catch {
    throw new HttpError(400, "body must be JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new HttpError(400, "body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") throw new HttpError(400, `"${field}" must be a non-empty string`);
  return value;
}

function messageView(message: SentMessage) {
  return { ...message, sentAt: message.sentAt.toISOString() };
}

const SHOPPER_ENDPOINTS: Record<string, string> = {
  "/_sim/messages": "GET",
  "/_sim/reply": "POST",
  "/_sim/tap": "POST",
  "/_sim/click": "POST",
  "/_sim/recipient": "POST",
};

function handleShopperAction(sim: CloudApiSimulator, path: string, method: string, body: Buffer): { status: number; body: unknown } {
  const allowed = SHOPPER_ENDPOINTS[path];
  if (!allowed) throw new HttpError(404, `unknown simulator endpoint ${path}`);
  if (method !== allowed) throw new HttpError(405, `${path} takes ${allowed}`);
  if (path === "/_sim/messages") {
    return {
      status: 200,
      body: {
        messages: sim.sent.map(messageView),
        rejected: sim.rejected.map((r) => ({ ...r, at: r.at.toISOString() })),
        inbound: sim.inbound.map((i) => ({ ...i, at: i.at.toISOString() })),
      },
    };
  }
  const input = parseJsonObject(body);
  switch (path) {
    case "/_sim/reply":
      return { status: 200, body: { id: sim.reply(requiredString(input, "from"), requiredString(input, "text")) } };
    case "/_sim/tap": {
      const button = input.button ?? input.index;
      if (!Number.isInteger(button) || (button as number) < 0) throw new HttpError(400, `"button" must be a button index (0, 1, …)`);
      if (!sim.tapButton(requiredString(input, "from"), button as number)) {
        throw new HttpError(404, "no message to this recipient has a quick-reply button at that index");
      }
      return { status: 200, body: { tapped: true } };
    }
    case "/_sim/click": {
      const url = sim.click(requiredString(input, "from"));
      if (url === null) throw new HttpError(404, "no message to this recipient has a URL button");
      return { status: 200, body: { url } };
    }
    case "/_sim/recipient": {
      const { reads, failWith, name } = input;
      if (reads !== undefined && typeof reads !== "boolean") throw new HttpError(400, `"reads" must be a boolean`);
      if (failWith !== undefined && failWith !== null && !Number.isInteger(failWith)) throw new HttpError(400, `"failWith" must be an error code or null`);
      if (name !== undefined && typeof name !== "string") throw new HttpError(400, `"name" must be a string`);
      sim.setRecipient(requiredString(input, "phone"), {
        ...(reads !== undefined ? { reads } : {}),
        ...(failWith !== undefined ? { failWith: failWith as number | null } : {}),
        ...(name !== undefined ? { name } : {}),
      });
      return { status: 200, body: { ok: true } };
    }
    default:
      throw new HttpError(404, `unknown simulator endpoint ${path}`);
  }
}

export async function serveSimulator(sim: CloudApiSimulator, options: { port: number; host?: string }): Promise<SimulatorServer> {
  const host = options.host ?? "127.0.0.1";
  let baseUrl = "";

  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const path = new URL(request.url ?? "/", baseUrl).pathname;
        if (path === "/_sim/phone" && request.method === "GET") {
          response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
          response.end(phoneViewHtml());
          return;
        }
        if (path.startsWith("/_sim/")) {
          const result = handleShopperAction(sim, path, request.method ?? "GET", body);
          sendJson(response, result.status, result.body);
          return;
        }
        await writeFetchResponse(await sim.fetch(toFetchRequest(request, body, baseUrl)), response);
      } catch (error) {
        if (error instanceof HttpError) {
          sendJson(response, error.status, { error: error.message });
          return;
        }
        console.error(`[simulator] ${request.method} ${request.url?.split("?")[0]} failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) sendJson(response, 500, { error: "simulator error" });
        else response.end();
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Drives the simulator's webhooks in real time (a simulator built on the system clock). Returns a stop function. */
export function startRealTimeFlusher(sim: CloudApiSimulator, intervalMs = 250, onError: (error: unknown) => void = logFlushError): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sim
      .flushDue()
      .catch(onError)
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  return () => clearInterval(timer);
}

function logFlushError(error: unknown): void {
  console.error(`[simulator] flushing webhooks failed: ${error instanceof Error ? error.message : String(error)}`);
}
