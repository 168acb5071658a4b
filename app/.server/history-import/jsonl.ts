// Streams the lines of a bulk operation's JSONL file from a byte offset: a resumed import asks for the rest of
// the file with a Range request and reads no line twice. Each line comes with the offset just past it, which is
// what the import stores as its progress once the line is projected.

export interface JsonlLine {
  text: string;
  /** Byte offset in the file just after this line (and its newline). */
  end: number;
}

export class DownloadError extends Error {}

/**
 * GET `url` from `offset` on. A server that ignores Range (HTTP 200) is read from the start and the first
 * `offset` bytes are skipped; 416 means there is nothing after `offset`.
 */
export async function* readJsonlFrom(download: typeof fetch, url: string, offset: number, signal?: AbortSignal): AsyncGenerator<JsonlLine> {
  const response = await download(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal }).catch((error: unknown) => {
    throw new DownloadError(`the result file could not be fetched (${error instanceof Error ? error.message : "network error"})`);
  });
  if (response.status === 416) return;
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new DownloadError(`the result file answered HTTP ${response.status}`);
  }
  if (!response.body) return;
  let skip = response.status === 200 ? offset : 0;
  let position = offset;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((error: unknown) => {
        throw new DownloadError(`the download broke off (${error instanceof Error ? error.message : "network error"})`);
      });
      if (done) break;
      let chunk = Buffer.from(value);
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.length);
        chunk = chunk.subarray(dropped);
        skip -= dropped;
      }
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, newline);
        const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]) : piece;
        position += line.length + 1;
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        const text = line.toString("utf8").replace(/\r$/, "");
        if (text.trim() !== "") yield { text, end: position };
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
      }
    }
    if (pendingBytes > 0) {
      // A last line without its newline is whole only if it parses; otherwise the download was cut short.
      const line = Buffer.concat(pending);
      const text = line.toString("utf8");
      if (!isJson(text)) throw new DownloadError("the result file ended in the middle of a line");
      yield { text, end: position + line.length };
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
