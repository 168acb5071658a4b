import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createWhatsAppClient, interpretResponse } from "~/.server/whatsapp/client";
import type { TemplateComponent, TemplateSend } from "~/.server/whatsapp/types";
import { fixture, rawFixture } from "../fixtures";

const TOKEN = "EAAG-test-token-do-not-leak";
const PHONE = "+4915112345678";

interface RecordedCall {
  url: string;
  init: RequestInit;
}

/** A fetch that records the request and answers with the given response (or throws). */
function fakeFetch(answer: () => Response | Promise<Response>) {
  const calls: RecordedCall[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function jsonResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: { "Content-Type": "application/json" } });
}

function clientWith(fetch: typeof globalThis.fetch, timeoutMs?: number) {
  return createWhatsAppClient({
    baseUrl: "https://graph.example.test/",
    apiVersion: "v23.0",
    phoneNumberId: "106540352242922",
    accessToken: TOKEN,
    fetch,
    timeoutMs,
  });
}

const orderShipped: TemplateSend = {
  to: PHONE,
  template: "order_shipped",
  language: "de",
  components: [{ type: "body", parameters: [{ type: "text", text: "Anna" }] }],
  bizOpaqueCallbackData: "msg_123",
};

function expectNoSecrets(result: unknown) {
  const text = JSON.stringify(result);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain("4915112345678");
  expect(text).not.toContain("Anna");
}

describe("createWhatsAppClient: the request", () => {
  it("POSTs to /<version>/<phone number id>/messages with a bearer token and JSON", async () => {
    const { fetch, calls } = fakeFetch(() => jsonResponse(200, rawFixture("whatsapp/send_success_template_recorded.json")));
    await clientWith(fetch).sendTemplate(orderShipped);

    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls;
    expect(url).toBe("https://graph.example.test/v23.0/106540352242922/messages");
    expect(init.method).toBe("POST");
    expect(init.headers).toEqual({ Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" });
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(JSON.parse(String(init.body))).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: PHONE,
      type: "template",
      template: {
        name: "order_shipped",
        language: { policy: "deterministic", code: "de" },
        components: [{ type: "body", parameters: [{ type: "text", text: "Anna" }] }],
      },
      biz_opaque_callback_data: "msg_123",
    });
  });

  it("sends a named-parameter template in the shape of recorded Cloud API traffic", async () => {
    interface RecordedRequest {
      to: string;
      template: { name: string; language: { code: string }; components: TemplateComponent[] };
    }
    const recorded = fixture<RecordedRequest>("whatsapp/send_template_request_named_param_recorded.json");
    const { fetch, calls } = fakeFetch(() => jsonResponse(200, rawFixture("whatsapp/send_success_template_recorded.json")));

    await clientWith(fetch).sendTemplate({
      to: recorded.to,
      template: recorded.template.name,
      language: recorded.template.language.code,
      components: recorded.template.components,
    });

    // The recorded request plus the two fields we always set; no biz_opaque_callback_data when not given.
    const { template, ...rest } = recorded;
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      ...rest,
      recipient_type: "individual",
      template: { ...template, language: { policy: "deterministic", code: template.language.code } },
    });
  });

  it("leaves out components for a template without variables", async () => {
    const { fetch, calls } = fakeFetch(() => jsonResponse(200, rawFixture("whatsapp/send_success_template_recorded.json")));
    await clientWith(fetch).sendTemplate({ to: PHONE, template: "hello_world", language: "en_US", components: [] });
    const body = JSON.parse(String(calls[0].init.body));
    expect(body.template).toEqual({ name: "hello_world", language: { policy: "deterministic", code: "en_US" } });
    expect(body).not.toHaveProperty("biz_opaque_callback_data");
  });
});

describe("createWhatsAppClient: the answer", () => {
  it("returns the wamid, wa_id and message_status of a recorded success", async () => {
    const { fetch } = fakeFetch(() => jsonResponse(200, rawFixture("whatsapp/send_success_template_recorded.json")));
    expect(await clientWith(fetch).sendTemplate(orderShipped)).toEqual({
      ok: true,
      waMessageId: "wamid.HBgJOTcxNTA5MzY0MTc4FQIAEhggOTlCRjc0N0IyRjVBNzBCRTUyODRBQjM1RTczQkQxNUIA",
      waId: "971509364178",
      messageStatus: "accepted",
    });
  });

  const metaErrors = [
    { file: "send_error_130429_meta_docs.json", httpStatus: 400, code: 130429, retry: "retry", fbtraceId: "Az8or2yhqkZfEZ-_4Qn_Bam" },
    { file: "send_error_131056_test_fixture.json", httpStatus: 400, code: 131056, retry: "retry", fbtraceId: undefined },
    { file: "send_error_132000_recorded.json", httpStatus: 400, code: 132000, retry: "never", fbtraceId: "ATdqH-A9cFJNdLo1xMIvz0t" },
    { file: "send_error_132001_test_fixture.json", httpStatus: 404, code: 132001, retry: "never", fbtraceId: "AQwErTyUiOp12345" },
    { file: "send_error_100_invalid_parameter_meta_docs.json", httpStatus: 400, code: 100, retry: "never", fbtraceId: "Ak6nxJSySLEJz32Ps-QiZ1t" },
  ] as const;

  it.each(metaErrors)("classifies $file as $retry", async ({ file, httpStatus, code, retry, fbtraceId }) => {
    const { fetch } = fakeFetch(() => jsonResponse(httpStatus, rawFixture(`whatsapp/${file}`)));
    const result = await clientWith(fetch).sendTemplate(orderShipped);
    expect(result).toMatchObject({ ok: false, code, httpStatus, retry });
    if (result.ok) throw new Error("expected a failure");
    expect(result.fbtraceId).toBe(fbtraceId);
    expect(result.reason.length).toBeGreaterThan(10);
    expectNoSecrets(result);
  });

  it("does not copy Meta's details (which can echo request values) into the reason", async () => {
    const { fetch } = fakeFetch(() => jsonResponse(404, rawFixture("whatsapp/send_error_132001_test_fixture.json")));
    const result = await clientWith(fetch).sendTemplate(orderShipped);
    expect(result).toMatchObject({ reason: "Template does not exist in this language or is not approved" });
  });

  it("retries an HTTP 500 without a Meta error body", async () => {
    const { fetch } = fakeFetch(() => new Response("<html>Internal Server Error</html>", { status: 500 }));
    expect(await clientWith(fetch).sendTemplate(orderShipped)).toEqual({
      ok: false,
      code: null,
      httpStatus: 500,
      retry: "retry",
      reason: "Meta server error (HTTP 500)",
    });
  });

  it("retries a thrown network error without exposing its message", async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError(`fetch failed for ${PHONE} with ${TOKEN}`);
    });
    const result = await clientWith(fetch).sendTemplate(orderShipped);
    expect(result).toEqual({ ok: false, code: null, httpStatus: null, retry: "retry", reason: "Network error reaching Meta" });
    expectNoSecrets(result);
  });

  it("gives up after timeoutMs and advises a retry", async () => {
    const hangsUntilAborted = ((_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof globalThis.fetch;

    const started = Date.now();
    const result = await clientWith(hangsUntilAborted, 30).sendTemplate(orderShipped);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toEqual({ ok: false, code: null, httpStatus: null, retry: "retry", reason: "No answer from Meta within 30 ms" });
  });

  it("never retries a 200 whose body is not a send result (the message may have gone out)", async () => {
    for (const body of ["not json", "{}", JSON.stringify({ messaging_product: "whatsapp", messages: [] })]) {
      const { fetch } = fakeFetch(() => jsonResponse(200, body));
      expect(await clientWith(fetch).sendTemplate(orderShipped)).toEqual({
        ok: false,
        code: null,
        httpStatus: 200,
        retry: "never",
        reason: "Meta answered HTTP 200 with an unexpected body",
      });
    }
  });
});

describe("interpretResponse", () => {
  it("accepts a success without contacts or message_status", () => {
    expect(interpretResponse(200, JSON.stringify({ messages: [{ id: "wamid.A" }] }))).toEqual({ ok: true, waMessageId: "wamid.A" });
  });

  it("omits an empty wa_id (username recipients)", () => {
    const body = JSON.stringify({ contacts: [{ input: "US.123", wa_id: "" }], messages: [{ id: "wamid.B" }] });
    expect(interpretResponse(200, body)).toEqual({ ok: true, waMessageId: "wamid.B" });
  });

  it("classifies an error object with an unknown code as permanent", () => {
    const body = JSON.stringify({ error: { message: "(#777) New", type: "OAuthException", code: 777 } });
    expect(interpretResponse(400, body)).toEqual({ ok: false, code: 777, httpStatus: 400, retry: "never", reason: "Meta error 777" });
  });

  it("uses the 131049 policy for a synchronous per-user marketing limit", () => {
    const body = JSON.stringify({ error: { message: "(#131049) …", code: 131049 } });
    expect(interpretResponse(400, body)).toMatchObject({ retry: "retry_after_24h", code: 131049 });
  });
});

describe("sendText (free-form answers inside the 24-hour window)", () => {
  it("posts a text message with our id as callback data and reads Meta's answer like a template send", async () => {
    const { fetch, calls } = fakeFetch(() => jsonResponse(200, rawFixture("whatsapp/send_success_template_recorded.json")));
    const result = await clientWith(fetch).sendText!({ to: PHONE, body: "Deine Bestellung #1001 ist unterwegs.", bizOpaqueCallbackData: "msg-1" });
    expect(result.ok).toBe(true);
    expect(calls[0].url).toBe("https://graph.example.test/v23.0/106540352242922/messages");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      messaging_product: "whatsapp", recipient_type: "individual", to: PHONE, type: "text",
      text: { preview_url: true, body: "Deine Bestellung #1001 ist unterwegs." }, biz_opaque_callback_data: "msg-1",
    });
  });
});

/** A local HTTP server (the network edge) answering each request with `answer`; counts the connections it gets. */
async function localServer(answer: (request: IncomingMessage, body: string, response: ServerResponse) => void) {
  let connections = 0;
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => answer(request, body, response));
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { baseUrl, close, connections: () => connections };
}

const overHttp = (baseUrl: string, timeoutMs?: number) =>
  createWhatsAppClient({ baseUrl, apiVersion: "v23.0", phoneNumberId: "106540352242922", accessToken: TOKEN, timeoutMs });

describe("createWhatsAppClient over node:http (no fetch given)", () => {
  it("POSTs the same request and reads the answer, reusing one kept-alive connection", async () => {
    const seen: { method?: string; url?: string; authorization?: string; contentType?: string; body: unknown }[] = [];
    const server = await localServer((request, body, response) => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, contentType: request.headers["content-type"], body: JSON.parse(body) });
      response.writeHead(200, { "Content-Type": "application/json" }).end(rawFixture("whatsapp/send_success_template_recorded.json"));
    });
    try {
      const client = overHttp(server.baseUrl);
      const first = await client.sendTemplate(orderShipped);
      const second = await client.sendTemplate(orderShipped);
      expect(first).toMatchObject({ ok: true });
      expect(second).toEqual(first);
      expect(seen).toHaveLength(2);
      expect(seen[0]).toEqual({
        method: "POST", url: "/v23.0/106540352242922/messages", authorization: `Bearer ${TOKEN}`, contentType: "application/json",
        body: { messaging_product: "whatsapp", recipient_type: "individual", to: PHONE, type: "template", template: { name: "order_shipped", language: { policy: "deterministic", code: "de" }, components: orderShipped.components }, biz_opaque_callback_data: "msg_123" },
      });
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("reads Meta's error answer like the fetch path", async () => {
    const server = await localServer((_request, _body, response) => {
      response.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "(#130429) Rate limit hit", type: "OAuthException", code: 130429, fbtrace_id: "Ax" } }));
    });
    try {
      expect(await overHttp(server.baseUrl).sendTemplate(orderShipped)).toMatchObject({ ok: false, code: 130429, httpStatus: 400, retry: "retry" });
    } finally {
      await server.close();
    }
  });

  it("gives up after timeoutMs when no answer comes, and advises a retry", async () => {
    const server = await localServer(() => undefined);
    try {
      const started = Date.now();
      const result = await overHttp(server.baseUrl, 50).sendTemplate(orderShipped);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result).toEqual({ ok: false, code: null, httpStatus: null, retry: "retry", reason: "No answer from Meta within 50 ms" });
    } finally {
      await server.close();
    }
  });

  it("gives up after timeoutMs when the answer stops halfway", async () => {
    const server = await localServer((_request, _body, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.write('{"messaging_product":"whatsapp",');
    });
    try {
      expect(await overHttp(server.baseUrl, 50).sendTemplate(orderShipped)).toEqual({ ok: false, code: null, httpStatus: null, retry: "retry", reason: "No answer from Meta within 50 ms" });
    } finally {
      await server.close();
    }
  });

  it("retries when nothing listens, without exposing the error", async () => {
    const server = await localServer(() => undefined);
    await server.close();
    const result = await overHttp(server.baseUrl).sendTemplate(orderShipped);
    expect(result).toEqual({ ok: false, code: null, httpStatus: null, retry: "retry", reason: "Network error reaching Meta" });
    expectNoSecrets(result);
  });
});
