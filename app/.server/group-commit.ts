// Group commit: concurrent callers that each need one row written share one statement or transaction, and each
// still waits for the write that holds its row. Used by the dispatch round (outbox/dispatch.ts) and the webhook inbox
// (ingest/inbox.ts).

export interface GroupCommitOptions {
  /** The most items one write takes; the rest wait for the next (a statement's placeholders are limited). */
  maxItems?: number;
  /**
   * When a shared write fails: false (default) writes each of its items on its own, so one bad row fails only its
   * own caller; true fails them all with the error, for writes that fail only when the database refuses as a whole.
   */
  failTogether?: boolean;
}

/**
 * Calls made while a write is running are collected and written together by the next one; a call on an idle writer
 * waits for the end of the current event-loop turn, so calls made in the same turn share a write too. `write` gets
 * the collected items and answers one result per item, in order.
 */
export function groupCommit<I, O>(write: (items: I[]) => Promise<O[]>, options: GroupCommitOptions = {}): (item: I) => Promise<O> {
  const { maxItems = Number.POSITIVE_INFINITY, failTogether = false } = options;
  let queue: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  let running = false;
  const writeAlone = async (entry: (typeof queue)[number]) => {
    try {
      entry.resolve((await write([entry.item]))[0]);
    } catch (error) {
      entry.reject(error);
    }
  };
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxItems);
      queue = queue.slice(batch.length);
      if (batch.length === 1) {
        await writeAlone(batch[0]);
        continue;
      }
      try {
        const out = await write(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(out[index]));
      } catch (error) {
        if (failTogether) for (const entry of batch) entry.reject(error);
        else for (const entry of batch) await writeAlone(entry);
      }
    }
    running = false;
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) {
        running = true;
        setImmediate(() => void drain());
      }
    });
}
