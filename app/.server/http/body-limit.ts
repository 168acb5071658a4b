// Bodies larger than any real webhook or opt-in call are refused before they are parsed or verified: Shopify's and
// Meta's webhooks stay far below 1 MB, and reading an unbounded body would let anyone make the server buffer it.

export const MAX_BODY_BYTES = 1024 * 1024;

export function payloadTooLarge(): Response {
  return new Response(`Request body too large (the limit is ${MAX_BODY_BYTES / 1024 / 1024} MB)`, { status: 413 });
}

/**
 * The request with its body read into memory, at most `limit` bytes; throws a 413 Response as soon as the declared
 * Content-Length or the bytes actually read go over it. The returned request can be read again by the caller.
 */
export async function withLimitedBody(request: Request, limit = MAX_BODY_BYTES): Promise<Request> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge();
  if (!request.body) return request;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw payloadTooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal });
}
