// Bodies larger than any real webhook or opt-in call are refused before they are parsed or verified: Shopify's and
// Meta's webhooks stay far below 1 MB, and reading an unbounded body would let anyone make the server buffer it.

export const MAX_BODY_BYTES = 1024 * 1024;

export function payloadTooLarge(): Response {
  return new Response(`Request body too large (the limit is ${MAX_BODY_BYTES / 1024 / 1024} MB)`, { status: 413 });
}

/** The body's bytes, at most `limit`; throws a 413 Response as soon as the declared Content-Length or the bytes read go over it. */
export async function readLimitedBody(request: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
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
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * The request with its body read into memory, at most `limit` bytes (413 above, as `readLimitedBody`). The returned
 * request can be read again by the caller.
 */
export async function withLimitedBody(request: Request, limit = MAX_BODY_BYTES): Promise<Request> {
  const hasBody = request.body !== null;
  const body = await readLimitedBody(request, limit);
  return hasBody ? new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal }) : request;
}
