// What the Settings page's "Data import" card shows: the latest import's state, progress and error, in words.
import type { ImportJob } from "@prisma/client";
import type { Db } from "../db";
import { DATA_IMPORT, type DataImportStrings } from "../i18n/data-import";
import { fill } from "../i18n/form-errors";
import { DATE_LOCALE, dateTimeFormatter, type AdminLanguage } from "../i18n/locale";
import { PHASES, type HistoryPhase } from "./bulk-operations";
import { ACTIVE_STATUSES, latestHistoryImport, type ImportStatus } from "./job";

export interface DataImportView {
  strings: DataImportStrings;
  state: "none" | "running" | "done" | "failed";
  /** 0–100 for Polaris' ProgressBar. */
  progress: number;
  status: string | null;
  summary: string | null;
  skipped: string | null;
  limited: string | null;
  error: { code: string; text: string; action: string; details: string | null } | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Share of the import done: each phase is half; within one, the bytes read of Shopify's file. */
export function importProgress(job: Pick<ImportJob, "status" | "phase" | "byteOffset" | "fileSize">): number {
  if (job.status === "DONE") return 100;
  const index = Math.max(0, PHASES.indexOf(job.phase as HistoryPhase));
  const size = job.fileSize === null ? 0 : Number(job.fileSize);
  const within = job.status === "DOWNLOADING" && size > 0 ? Math.min(1, Number(job.byteOffset) / size) : 0;
  return Math.floor(((index + within) / PHASES.length) * 100);
}

export async function dataImportView(db: Db, shop: string, language: AdminLanguage, timezone: string): Promise<DataImportView> {
  const s = DATA_IMPORT[language];
  const job = await latestHistoryImport(db, shop);
  const when = dateTimeFormatter(language, timezone);
  const number = new Intl.NumberFormat(DATE_LOCALE[language]);
  const base = { strings: s, progress: 0, status: null, summary: null, skipped: null, limited: null, error: null, startedAt: null, finishedAt: null };
  if (!job) return { ...base, state: "none", status: s.none };

  const status = job.status as ImportStatus;
  const phase = s.phases[job.phase as HistoryPhase] ?? job.phase;
  const counts = { orders: number.format(job.ordersImported), customers: number.format(job.customersImported), skipped: number.format(job.linesSkipped) };
  const common = {
    ...base,
    progress: importProgress(job),
    startedAt: fill(s.startedAt, { time: when(job.startedAt) }),
    finishedAt: job.finishedAt ? fill(s.finishedAt, { time: when(job.finishedAt) }) : null,
    skipped: job.linesSkipped > 0 ? fill(s.skipped, counts) : null,
    limited: job.ordersLimited ? s.limited : null,
  };
  if (ACTIVE_STATUSES.includes(status)) {
    const text =
      status === "QUEUED" && job.bulkOperationId === null && job.phase === "orders"
        ? s.queued
        : status === "DOWNLOADING"
          ? fill(s.reading, { phase, percent: Math.floor((Number(job.byteOffset) / Math.max(1, Number(job.fileSize ?? 1))) * 100) })
          : fill(s.collecting, { phase, count: number.format(job.objectCount) });
    return { ...common, state: "running", status: text, summary: fill(s.imported, counts) };
  }
  if (status === "DONE") return { ...common, state: "done", status: null, summary: fill(s.done, counts) };
  const code = job.errorCode ?? "FAILED";
  const explained = s.errors[code] ?? s.errors.FAILED;
  const detail = code === "MISSING_SCOPE" ? (/\b(read_\w+)/.exec(job.error ?? "")?.[1] ?? "") : "";
  return {
    ...common,
    state: "failed",
    status: null,
    summary: fill(s.imported, counts),
    error: { code, text: fill(explained.text, { detail }), action: explained.action, details: job.error && code !== "MISSING_SCOPE" ? fill(s.details, { text: job.error }) : null },
  };
}
