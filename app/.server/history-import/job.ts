// The history import: on install and when the merchant asks, the last 12 months of orders and customers come in
// through two bulk queries (orders, then customers). The worker advances each ImportJob one step per round —
// start the bulk query, poll it, then read the result file in chunks — and every chunk is projected in the same
// transaction that moves the job's byte offset on. A crash loses at most the chunk in flight, and the next worker
// continues from the stored offset with a Range request: no line is projected twice (and projecting one twice
// would change nothing).
import type { ImportJob, Prisma } from "@prisma/client";
import type { Clock } from "../clock";
import { retryOnContention, type Db } from "../db";
import type { ShopContext } from "../ingest/projections";
import { classifyAdminError, type AdminGraphqlFactory } from "../shopify-admin/client";
import { offlineAccessToken } from "../shopify-admin/offline-session";
import { bulkQueryFor, fetchBulkOperation, PHASE_SCOPE, PHASES, startBulkQuery, type BulkOperation, type HistoryPhase } from "./bulk-operations";
import { DownloadError, readJsonlFrom, type JsonlLine } from "./jsonl";
import { projectBulkLine } from "./project-lines";

export type ImportStatus = "QUEUED" | "RUNNING" | "DOWNLOADING" | "DONE" | "FAILED";
export const ACTIVE_STATUSES: ImportStatus[] = ["QUEUED", "RUNNING", "DOWNLOADING"];
export type ImportTrigger = "install" | "admin";

export interface ImportPolicy {
  /** How far back orders (by creation) and customers (by last change) are imported. */
  months: number;
  /** Pause between two polls of a running bulk operation. */
  pollMs: number;
  /** Pause when Shopify is busy (another bulk query of the app runs), throttles, or cannot be reached. */
  retryMs: number;
  /** A job a worker holds is invisible to other workers this long; after a crash it comes back. */
  leaseMs: number;
  /** Time spent reading the result file per worker round, so sending messages never waits long. */
  budgetMs: number;
  /** Lines projected per transaction. */
  chunkLines: number;
  /** Downloads in a row that break off before any progress, before the job fails. */
  maxDownloadFailures: number;
}

export const defaultImportPolicy: ImportPolicy = { months: 12, pollMs: 5_000, retryMs: 60_000, leaseMs: 120_000, budgetMs: 250, chunkLines: 100, maxDownloadFailures: 10 };

export interface HistoryImportDeps {
  db: Db;
  clock: Clock;
  adminGraphql: AdminGraphqlFactory;
  /** TOKEN_ENCRYPTION_KEY: the offline session's token is stored encrypted. */
  secretsKey: Buffer;
  /** Fetches the result file (Shopify's storage; the simulator's loopback URL in tests and the demo). */
  download?: typeof fetch;
  policy?: Partial<ImportPolicy>;
  /** Counts and reasons only: never a phone number, a token or the signed URL. */
  log?: (line: string) => void;
}

function importSince(now: Date, months: number): Date {
  const since = new Date(now);
  since.setUTCMonth(since.getUTCMonth() - months);
  return since;
}

/**
 * Queues an import for the shop. On install only when the shop never had one, or not since it was uninstalled
 * (the hook runs on every new session); from the admin unless one is under way. Returns the job that will run.
 */
export async function requestHistoryImport(db: Db, clock: Clock, shop: string, trigger: ImportTrigger, months = defaultImportPolicy.months): Promise<ImportJob> {
  return retryOnContention(() =>
    db.$transaction(async (tx) => {
      const existing = await tx.importJob.findFirst({
        where: { shop, ...(trigger === "admin" ? { status: { in: ACTIVE_STATUSES } } : {}) },
        orderBy: [{ startedAt: "desc" }, { id: "desc" }],
      });
      // Installed again after an uninstall: the history of the gap is imported anew.
      const uninstalledAt = existing && trigger === "install" ? (await tx.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } }))?.uninstalledAt : null;
      if (existing && !(uninstalledAt && uninstalledAt > existing.startedAt && !ACTIVE_STATUSES.includes(existing.status as ImportStatus))) return existing;
      const now = clock.now();
      return tx.importJob.create({
        data: { shop, trigger, status: "QUEUED", phase: "orders", since: importSince(now, months), startedAt: now, nextStepAt: now, updatedAt: now },
      });
    }),
  );
}

export async function latestHistoryImport(db: Db, shop: string): Promise<ImportJob | null> {
  return db.importJob.findFirst({ where: { shop }, orderBy: [{ startedAt: "desc" }, { id: "desc" }] });
}

export interface ImportRoundCounts {
  picked: number;
  lines: number;
  finished: number;
  failed: number;
}

/** The worker's step: advances every due import job once. */
export async function runHistoryImports(deps: HistoryImportDeps): Promise<ImportRoundCounts> {
  const { db, clock } = deps;
  const policy = { ...defaultImportPolicy, ...deps.policy };
  const now = clock.now();
  const due = await db.importJob.findMany({
    where: { status: { in: ACTIVE_STATUSES }, nextStepAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    orderBy: { nextStepAt: "asc" },
    take: 5,
  });
  const counts: ImportRoundCounts = { picked: 0, lines: 0, finished: 0, failed: 0 };
  for (const job of due) {
    const claimed = await retryOnContention(() =>
      db.importJob.updateMany({
        where: { id: job.id, status: job.status, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        data: { leaseUntil: new Date(now.getTime() + policy.leaseMs) },
      }),
    );
    if (claimed.count !== 1) continue;
    counts.picked += 1;
    try {
      const step = new ImportStep(deps, policy, job);
      const after = await step.advance();
      counts.lines += step.lines;
      if (after === "DONE") counts.finished += 1;
      if (after === "FAILED") counts.failed += 1;
    } catch (error) {
      if (!(error instanceof LostJobError)) throw error;
      deps.log?.(`history-import: ${job.shop}: ${error.message}`);
    } finally {
      await retryOnContention(() => db.importJob.updateMany({ where: { id: job.id }, data: { leaseUntil: null } }));
    }
  }
  return counts;
}

const FAILURE_TEXT: Record<string, string> = {
  ACCESS_DENIED: "Shopify denied access to the data (a missing scope or protected customer data approval)",
  TIMEOUT: "Shopify's bulk query timed out",
  INTERNAL_SERVER_ERROR: "Shopify had an internal error running the bulk query",
};

class ImportStep {
  lines = 0;
  private readonly db: Db;

  constructor(
    private readonly deps: HistoryImportDeps,
    private readonly policy: ImportPolicy,
    private job: ImportJob,
  ) {
    this.db = deps.db;
  }

  private get phase(): HistoryPhase {
    return this.job.phase as HistoryPhase;
  }

  private now(): Date {
    return this.deps.clock.now();
  }

  async advance(): Promise<ImportStatus> {
    switch (this.job.status) {
      case "QUEUED":
        return this.start();
      case "RUNNING":
        return this.poll();
      case "DOWNLOADING":
        return this.download();
      default:
        return this.job.status as ImportStatus;
    }
  }

  private async save(data: Prisma.ImportJobUpdateInput): Promise<ImportStatus> {
    this.job = await retryOnContention(() => this.db.importJob.update({ where: { id: this.job.id }, data: { ...data, updatedAt: this.now() } }));
    return this.job.status as ImportStatus;
  }

  private later(ms: number, note: string | null): Promise<ImportStatus> {
    if (note) this.deps.log?.(`history-import: ${this.job.shop} ${this.phase}: ${note}; trying again later`);
    return this.save({ nextStepAt: new Date(this.now().getTime() + ms), error: note });
  }

  private fail(code: string, message: string): Promise<ImportStatus> {
    this.deps.log?.(`history-import: ${this.job.shop} failed (${this.phase}): ${code}: ${message}`);
    return this.save({ status: "FAILED", errorCode: code, error: message, finishedAt: this.now(), url: null });
  }

  private async client() {
    const token = await offlineAccessToken(this.db, this.deps.secretsKey, this.job.shop, this.now());
    if (token.status === "missing") return { failed: await this.fail("NO_SESSION", token.reason ?? "no offline session for the shop (not installed, or uninstalled)") };
    if (token.status === "expired") return { failed: await this.later(this.policy.retryMs, "the offline access token has expired and was not refreshed yet") };
    return { client: this.deps.adminGraphql({ shop: this.job.shop, accessToken: token.accessToken }), scopes: token.scopes };
  }

  /** Errors of a GraphQL call: retried when passing, the job fails when Shopify will keep saying no. */
  private onAdminError(error: unknown): Promise<ImportStatus> {
    const failure = classifyAdminError(error);
    if (failure.kind === "access_denied") return this.fail("ACCESS_DENIED", failure.message);
    if (failure.kind === "fatal") return this.fail("SHOPIFY_ERROR", failure.message);
    return this.later(Math.max(failure.retryAfterMs ?? 0, this.policy.retryMs), failure.message);
  }

  private async start(): Promise<ImportStatus> {
    const access = await this.client();
    if ("failed" in access) return access.failed!;
    const scope = PHASE_SCOPE[this.phase];
    if (access.scopes && !access.scopes.includes(scope)) return this.fail("MISSING_SCOPE", `the app was not granted the ${scope} scope`);
    const limited = this.phase === "orders" && access.scopes !== null && !access.scopes.includes("read_all_orders");
    try {
      const result = await startBulkQuery(access.client, bulkQueryFor(this.phase, this.job.since));
      if ("busy" in result) return this.later(this.policy.retryMs, `Shopify is busy with another bulk query (${result.busy})`);
      if ("invalid" in result) return this.fail("SHOPIFY_ERROR", result.invalid);
      return this.save({
        status: "RUNNING",
        bulkOperationId: result.started.id,
        objectCount: Number(result.started.objectCount ?? 0),
        url: null,
        fileSize: null,
        byteOffset: 0n,
        downloadFailures: 0,
        error: null,
        ...(this.phase === "orders" ? { ordersLimited: limited } : {}),
        nextStepAt: new Date(this.now().getTime() + this.policy.pollMs),
      });
    } catch (error) {
      return this.onAdminError(error);
    }
  }

  private async poll(): Promise<ImportStatus> {
    const access = await this.client();
    if ("failed" in access) return access.failed!;
    let operation: BulkOperation | null;
    try {
      operation = await fetchBulkOperation(access.client, this.job.bulkOperationId!);
    } catch (error) {
      return this.onAdminError(error);
    }
    if (!operation) return this.fail("SHOPIFY_ERROR", "Shopify does not know the bulk operation any more");
    const objectCount = Number(operation.objectCount ?? 0);
    switch (operation.status) {
      case "CREATED":
      case "RUNNING":
      case "CANCELING":
        return this.save({ objectCount, error: null, nextStepAt: new Date(this.now().getTime() + this.policy.pollMs) });
      case "COMPLETED":
        // No url: the query matched nothing.
        if (!operation.url) return this.nextPhase();
        // The byte offset stays: after a failed download the same file is resumed with a fresh URL.
        return this.save({ status: "DOWNLOADING", objectCount, url: operation.url, fileSize: operation.fileSize ? BigInt(operation.fileSize) : null, error: null, nextStepAt: this.now() });
      case "FAILED":
        return this.fail(operation.errorCode ?? "FAILED", FAILURE_TEXT[operation.errorCode ?? ""] ?? "Shopify reported the bulk query as failed");
      case "CANCELED":
        return this.fail("CANCELED", "the bulk query was canceled");
      case "EXPIRED":
        return this.fail("EXPIRED", "the result file expired before it was read (Shopify keeps it seven days)");
    }
  }

  private async nextPhase(): Promise<ImportStatus> {
    const next = PHASES[PHASES.indexOf(this.phase) + 1];
    const reset = { bulkOperationId: null, url: null, fileSize: null, byteOffset: 0n, objectCount: 0, downloadFailures: 0, error: null, nextStepAt: this.now() };
    if (next) return this.save({ ...reset, status: "QUEUED", phase: next });
    this.deps.log?.(`history-import: ${this.job.shop} done: orders=${this.job.ordersImported} customers=${this.job.customersImported} skipped=${this.job.linesSkipped}`);
    return this.save({ ...reset, status: "DONE", finishedAt: this.now() });
  }

  private async shopContext(): Promise<ShopContext> {
    const row = await retryOnContention(() =>
      this.db.shop.upsert({ where: { domain: this.job.shop }, create: { domain: this.job.shop, installedAt: this.now() }, update: {}, select: { domain: true, country: true, locale: true } }),
    );
    return row;
  }

  private async download(): Promise<ImportStatus> {
    if (!this.job.url) return this.save({ status: "RUNNING", nextStepAt: this.now() });
    const shop = await this.shopContext();
    const started = Date.now();
    const abort = new AbortController();
    const offsetBefore = this.job.byteOffset;
    let chunk: JsonlLine[] = [];
    try {
      const lines = readJsonlFrom(this.deps.download ?? fetch, this.job.url, Number(this.job.byteOffset), abort.signal);
      for await (const line of lines) {
        chunk.push(line);
        if (chunk.length < this.policy.chunkLines) continue;
        await this.commit(shop, chunk);
        chunk = [];
        // Real time on purpose: the budget keeps the worker's round short, whatever the (virtual) domain time.
        if (Date.now() - started >= this.policy.budgetMs) {
          abort.abort();
          return this.save({ nextStepAt: this.now() });
        }
      }
      if (chunk.length > 0) await this.commit(shop, chunk);
    } catch (error) {
      if (abort.signal.aborted) return this.job.status as ImportStatus;
      const progressed = this.job.byteOffset !== offsetBefore;
      if (error instanceof DownloadError) return this.interrupted(error.message, progressed);
      throw error;
    }
    const size = this.job.fileSize === null ? null : Number(this.job.fileSize);
    if (size !== null && Number(this.job.byteOffset) < size) return this.interrupted("the file ended early", this.job.byteOffset !== offsetBefore);
    return this.nextPhase();
  }

  /** Keeps what was projected; the next attempt asks Shopify for the operation again (a fresh URL) and resumes. */
  private interrupted(reason: string, progressed: boolean): Promise<ImportStatus> {
    const failures = progressed ? 1 : this.job.downloadFailures + 1;
    if (failures >= this.policy.maxDownloadFailures) return this.fail("DOWNLOAD_FAILED", `the result file could not be read ${failures} times in a row: ${reason}`);
    return this.save({ status: "RUNNING", downloadFailures: failures, error: `download interrupted: ${reason}`, nextStepAt: new Date(this.now().getTime() + this.policy.pollMs) });
  }

  /** Projects the lines and moves the offset past them, in one transaction: all of it happens, or none. */
  private async commit(shop: ShopContext, lines: JsonlLine[]): Promise<void> {
    const from = this.job.byteOffset;
    const to = BigInt(lines[lines.length - 1].end);
    const tally = { orders: 0, customers: 0, skipped: 0 };
    const reasons = new Map<string, number>();
    await retryOnContention(() =>
      this.db.$transaction(async (tx) => {
        tally.orders = tally.customers = tally.skipped = 0;
        reasons.clear();
        for (const line of lines) {
          const outcome = await projectBulkLine(tx, shop, line.text);
          if (outcome.kind === "order") tally.orders += 1;
          else if (outcome.kind === "customer") tally.customers += 1;
          else if (outcome.kind === "skipped") {
            tally.skipped += 1;
            reasons.set(outcome.reason, (reasons.get(outcome.reason) ?? 0) + 1);
          }
        }
        // Only from the offset this step started at: a second worker on the same job cannot apply the chunk again.
        const moved = await tx.importJob.updateMany({
          where: { id: this.job.id, byteOffset: from, status: "DOWNLOADING" },
          data: {
            byteOffset: to,
            linesProcessed: { increment: lines.length },
            ordersImported: { increment: tally.orders },
            customersImported: { increment: tally.customers },
            linesSkipped: { increment: tally.skipped },
            downloadFailures: 0,
            updatedAt: this.now(),
          },
        });
        if (moved.count !== 1) throw new LostJobError();
      }),
    );
    this.job = { ...this.job, byteOffset: to, downloadFailures: 0, linesProcessed: this.job.linesProcessed + lines.length, ordersImported: this.job.ordersImported + tally.orders, customersImported: this.job.customersImported + tally.customers, linesSkipped: this.job.linesSkipped + tally.skipped };
    this.lines += lines.length;
    for (const [reason, n] of reasons) this.deps.log?.(`history-import: ${this.job.shop} ${n} line(s) skipped: ${reason}`);
  }
}

/** Another worker moved the job on: this one's chunk was rolled back. */
export class LostJobError extends Error {
  constructor() {
    super("the import job was moved on by another worker");
  }
}
