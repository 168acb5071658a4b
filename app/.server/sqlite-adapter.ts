// A Prisma driver adapter on Node's built-in SQLite (`node:sqlite`, DatabaseSync), made for several processes
// writing one file (the web process and the worker). Why it exists: docs/decisions/005-sqlite-concurrent-writers.md.
//
// It keeps the contract of @prisma/adapter-libsql 6.19 (column types from the declared types, values, arguments,
// error kinds such as UniqueConstraintViolation → P2002 and SQLITE_BUSY → P1008), so Prisma reads the same values
// from the same files. What differs is how it uses SQLite:
// - ONE long-lived connection per adapter (per PrismaClient), in WAL mode, foreign keys on;
// - an async mutex: a statement, or a transaction from BEGIN to COMMIT/ROLLBACK, has the connection to itself;
// - transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so two writers queue for it instead
//   of both reading and then deadlocking on the upgrade (which SQLite answers with SQLITE_BUSY at once);
// - every failure ends the transaction with ROLLBACK, including a failed COMMIT, so no lock is left behind;
// - waiting for the lock is asynchronous (see BUSY WAIT below).
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import path from "node:path";
import {
  ColumnTypeEnum,
  Debug,
  DriverAdapterError,
  type ArgType,
  type ColumnType,
  type Error as DriverError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
  type Transaction,
  type TransactionOptions,
} from "@prisma/driver-adapter-utils";

const debug = Debug("prisma:driver-adapter:node-sqlite");
const ADAPTER_NAME = "momento-node-sqlite";

// BUSY WAIT. SQLite's own busy handler (DatabaseSync's `timeout`) sleeps inside the native call, which blocks
// the whole Node process: no HTTP request, timer or other query runs meanwhile. Worse, when the lock is held by
// another connection of the SAME process (two PrismaClients, as in tests/outbox/claim.test.ts), that connection
// cannot finish while we block, so the wait always runs to its end and fails. So the native timeout is 0 and the
// adapter waits itself: on SQLITE_BUSY it sleeps with setTimeout (1 ms, doubling to 25 ms, like SQLite's own
// schedule) and tries again, for at most `busyTimeoutMs`. Nothing has happened when SQLite answers BUSY (BEGIN
// IMMEDIATE, a single autocommit statement, COMMIT), so trying again is safe.
// 5 s: our transactions hold the lock for milliseconds; 5 s is Prisma's default interactive-transaction timeout,
// i.e. the longest a well-behaved holder keeps it. After that the error is SQLITE_BUSY → P1008 (isContention).
// Interactive transactions also give up on their own after Prisma's maxWait (2 s by default, P2028).
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export type NodeSqliteOptions = {
  /** `file:path` (relative to the working directory, like libsql), `file:///abs/path`, a path, or `:memory:`. */
  url: string;
  /** The longest the adapter waits for another connection's lock before answering SQLITE_BUSY (P1008). */
  busyTimeoutMs?: number;
  /**
   * "async" (default): wait as described above. "native": DatabaseSync's own `timeout` blocks the process while
   * it waits; only for comparison (scripts/probe-sqlite-writers.ts).
   */
  busyWait?: "async" | "native";
  /**
   * PRAGMA synchronous. "NORMAL" (default): with WAL, a commit does not wait for fsync; the WAL is synced at
   * checkpoints. A commit survives a crash of the app, but the last ones may roll back after a power loss or an OS
   * crash (decision 006). It halves how long each writer holds the one write lock. "FULL": fsync on every commit.
   */
  synchronous?: "NORMAL" | "FULL";
  /** DateTime arguments as ISO text (what libsql and Prisma write, the default) or as Unix milliseconds. */
  timestampFormat?: "iso8601" | "unixepoch-ms";
};

// ------------------------------------------------------------------------------------------------------------
// Conversion (the same rules as @prisma/adapter-libsql's conversion.ts)
// ------------------------------------------------------------------------------------------------------------

function mapDeclType(declType: string): ColumnType | null {
  switch (declType.toUpperCase()) {
    case "":
      return null;
    case "DECIMAL":
      return ColumnTypeEnum.Numeric;
    case "FLOAT":
      return ColumnTypeEnum.Float;
    case "DOUBLE":
    case "DOUBLE PRECISION":
    case "NUMERIC":
    case "REAL":
      return ColumnTypeEnum.Double;
    case "TINYINT":
    case "SMALLINT":
    case "MEDIUMINT":
    case "INT":
    case "INTEGER":
    case "SERIAL":
    case "INT2":
      return ColumnTypeEnum.Int32;
    case "BIGINT":
    case "UNSIGNED BIG INT":
    case "INT8":
      return ColumnTypeEnum.Int64;
    case "DATETIME":
    case "TIMESTAMP":
      return ColumnTypeEnum.DateTime;
    case "TIME":
      return ColumnTypeEnum.Time;
    case "DATE":
      return ColumnTypeEnum.Date;
    case "TEXT":
    case "CLOB":
    case "CHARACTER":
    case "VARCHAR":
    case "VARYING CHARACTER":
    case "NCHAR":
    case "NATIVE CHARACTER":
    case "NVARCHAR":
      return ColumnTypeEnum.Text;
    case "BLOB":
      return ColumnTypeEnum.Bytes;
    case "BOOLEAN":
      return ColumnTypeEnum.Boolean;
    case "JSONB":
      return ColumnTypeEnum.Json;
    default:
      debug("unknown decltype:", declType);
      return null;
  }
}

/** A value as libsql hands it over: integers as numbers (bigint only beyond 2^53, where libsql would throw). */
type Value = null | number | bigint | string | Uint8Array;

function inferColumnType(value: Value): ColumnType {
  if (typeof value === "string") return ColumnTypeEnum.Text;
  if (typeof value === "bigint") return ColumnTypeEnum.Int64;
  if (typeof value === "number") return ColumnTypeEnum.UnknownNumber;
  if (value instanceof Uint8Array) return ColumnTypeEnum.Bytes;
  throw new Error(`unexpected value of type ${typeof value}: ${String(value)}`);
}

function getColumnTypes(declaredTypes: string[], rows: Value[][]): ColumnType[] {
  return declaredTypes.map((declared, column) => {
    const mapped = mapDeclType(declared);
    if (mapped !== null) return mapped;
    // No (known) declared type, e.g. an expression: the first non-null value decides, else Int32 (as libsql).
    for (const row of rows) {
      if (row[column] !== null) return inferColumnType(row[column]);
    }
    return ColumnTypeEnum.Int32;
  });
}

function mapRow(row: Value[], columnTypes: ColumnType[]): unknown[] {
  return row.map((value, i) => {
    if (value instanceof Uint8Array) return Array.from(value);
    const type = columnTypes[i];
    if (typeof value === "number" && (type === ColumnTypeEnum.Int32 || type === ColumnTypeEnum.Int64) && !Number.isInteger(value)) {
      return Math.trunc(value);
    }
    if ((typeof value === "number" || typeof value === "bigint") && type === ColumnTypeEnum.DateTime) {
      return new Date(Number(value)).toISOString();
    }
    if (typeof value === "bigint") return value.toString();
    return value;
  });
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Integers are read as bigint (exact), then handed on as numbers where that is exact, like libsql's intMode "number". */
function fromSql(value: unknown): Value {
  if (typeof value === "bigint") return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
  return value as Value;
}

function mapArg(arg: unknown, argType: ArgType | undefined, timestampFormat: "iso8601" | "unixepoch-ms"): SQLInputValue {
  if (arg === null || arg === undefined) {
    if (arg === undefined) throw new TypeError("undefined cannot be passed as argument to the database");
    return null;
  }
  const scalar = argType?.scalarType;
  if (typeof arg === "string" && scalar === "bigint") return BigInt(arg);
  if (typeof arg === "string" && scalar === "decimal") return Number.parseFloat(arg);
  if (typeof arg === "string" && scalar === "datetime") arg = new Date(arg);
  if (arg instanceof Date) {
    // Prisma's own format in SQLite: 2025-01-02T03:04:05.678+00:00 (what the databases written so far hold).
    return timestampFormat === "unixepoch-ms" ? arg.getTime() : arg.toISOString().replace("Z", "+00:00");
  }
  if (typeof arg === "string" && scalar === "bytes") return Buffer.from(arg, "base64");
  if (Array.isArray(arg) && scalar === "bytes") return new Uint8Array(arg as number[]);
  // What @libsql/client does before binding: booleans as 1/0, finite numbers only, ArrayBuffer as bytes.
  if (typeof arg === "boolean") return arg ? 1 : 0;
  if (typeof arg === "number") {
    if (!Number.isFinite(arg)) throw new RangeError("Only finite numbers (not Infinity or NaN) can be passed as arguments");
    return arg;
  }
  if (arg instanceof ArrayBuffer) return new Uint8Array(arg);
  if (typeof arg === "string" || typeof arg === "bigint" || ArrayBuffer.isView(arg)) return arg as SQLInputValue;
  throw new TypeError(`Unsupported type of value: ${typeof arg}`);
}

// ------------------------------------------------------------------------------------------------------------
// Errors (the same kinds as @prisma/adapter-libsql's errors.ts)
// ------------------------------------------------------------------------------------------------------------

const SQLITE_BUSY = 5;

type SqliteError = Error & { code: "ERR_SQLITE_ERROR"; errcode: number; errstr?: string };

function isSqliteError(error: unknown): error is SqliteError {
  const e = error as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  return e?.code === "ERR_SQLITE_ERROR" && typeof e.errcode === "number" && typeof e.message === "string";
}

export function isBusy(error: unknown): boolean {
  return isSqliteError(error) && (error.errcode & 0xff) === SQLITE_BUSY;
}

// Names for the codes we are likely to see, so messages read like libsql's ("SQLITE_BUSY: database is locked").
const CODE_NAMES: Record<number, string> = {
  1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT", 5: "SQLITE_BUSY", 6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL", 17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB",
  261: "SQLITE_BUSY_RECOVERY", 517: "SQLITE_BUSY_SNAPSHOT", 773: "SQLITE_BUSY_TIMEOUT",
  275: "SQLITE_CONSTRAINT_CHECK", 787: "SQLITE_CONSTRAINT_FOREIGNKEY", 1043: "SQLITE_CONSTRAINT_FUNCTION",
  1299: "SQLITE_CONSTRAINT_NOTNULL", 1555: "SQLITE_CONSTRAINT_PRIMARYKEY", 1811: "SQLITE_CONSTRAINT_TRIGGER",
  2067: "SQLITE_CONSTRAINT_UNIQUE", 2323: "SQLITE_CONSTRAINT_VTAB", 2579: "SQLITE_CONSTRAINT_ROWID",
  3091: "SQLITE_CONSTRAINT_DATATYPE",
};

function constraintFields(message: string): { fields: string[] } | undefined {
  const fields = message
    .split("constraint failed: ")
    .at(1)
    ?.split(", ")
    .map((field) => field.split(".").pop()!);
  return fields !== undefined ? { fields } : undefined;
}

function mapSqliteError(error: SqliteError): DriverError {
  const rawCode = error.errcode;
  const message = error.message;
  const name = CODE_NAMES[rawCode] ?? CODE_NAMES[rawCode & 0xff];
  const original = { originalCode: String(rawCode), originalMessage: name ? `${name}: ${message}` : message };
  switch (rawCode) {
    case 2067:
    case 1555:
      return { ...original, kind: "UniqueConstraintViolation", constraint: constraintFields(message) };
    case 1299:
      return { ...original, kind: "NullConstraintViolation", constraint: constraintFields(message) };
    case 787:
    case 1811:
      return { ...original, kind: "ForeignKeyConstraintViolation", constraint: { foreignKey: {} } };
    default:
      if ((rawCode & 0xff) === SQLITE_BUSY) return { ...original, kind: "SocketTimeout" };
      if (message.startsWith("no such table")) return { ...original, kind: "TableDoesNotExist", table: message.split(": ").at(1) };
      if (message.startsWith("no such column")) return { ...original, kind: "ColumnNotFound", column: message.split(": ").at(1) };
      if (message.includes("has no column named ")) {
        return { ...original, kind: "ColumnNotFound", column: message.split("has no column named ").at(1) };
      }
      return { ...original, kind: "sqlite", extendedCode: rawCode, message };
  }
}

/** SQLite errors become DriverAdapterErrors (Prisma maps their kinds to P-codes); anything else is thrown as is. */
function toDriverError(error: unknown): never {
  debug("error: %O", error);
  if (isSqliteError(error)) throw new DriverAdapterError(mapSqliteError(error));
  throw error;
}

function transactionClosed(cause: string): DriverAdapterError {
  return new DriverAdapterError({ kind: "TransactionAlreadyClosed", cause });
}

// ------------------------------------------------------------------------------------------------------------
// The connection
// ------------------------------------------------------------------------------------------------------------

/** First come, first served: `acquire` resolves with the release function once the previous holder released. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => released);
    let done = false;
    return previous.then(() => () => {
      if (done) return;
      done = true;
      release();
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Connections still open when the process exits are closed then, so SQLite checkpoints the WAL into the database
// file and removes the -wal/-shm files (scripts like replay end with process.exit without disconnecting).
const openConnections = new Set<Connection>();
let exitHookInstalled = false;
function closeAllOnExit(): void {
  for (const connection of openConnections) connection.close();
}

const OPTIMIZE_EVERY_MS = 60 * 60 * 1000;

class Connection {
  readonly db: DatabaseSync;
  readonly lock = new Mutex();
  readonly #statements = new Map<string, StatementSync>();
  readonly #busyTimeoutMs: number;
  readonly #asyncBusyWait: boolean;

  readonly #synchronous: "NORMAL" | "FULL";
  #optimizeTimer: ReturnType<typeof setInterval> | undefined;

  constructor(file: string, options: Required<Pick<NodeSqliteOptions, "busyTimeoutMs" | "busyWait" | "synchronous">>) {
    this.#busyTimeoutMs = options.busyTimeoutMs;
    this.#synchronous = options.synchronous;
    this.#asyncBusyWait = options.busyWait === "async";
    this.db = new DatabaseSync(file, {
      timeout: this.#asyncBusyWait ? 0 : options.busyTimeoutMs,
      enableForeignKeyConstraints: true,
    });
    openConnections.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once("exit", closeAllOnExit);
    }
  }

  /** Sets the connection up; WAL (readers never block the writer, nor it them) is kept in the file from then on. */
  async init(): Promise<void> {
    // foreign_keys as libsql has it (Prisma's onDelete: Cascade relies on it).
    this.db.exec("PRAGMA foreign_keys = ON");
    const mode = await this.withBusyRetry(() => this.db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string });
    debug("journal_mode: %s", mode.journal_mode);
    this.db.exec(`PRAGMA synchronous = ${this.#synchronous}`);
    // Without table statistics SQLite's planner guesses between indexes with as many equal columns, and guessed
    // wrong at scale (cart recovery's per-checkout lookup took Message(shop, flow, …) over Message(shop,
    // checkoutToken): 40 ms instead of 0.1 ms with 200 k messages). SQLite's advice for long-lived connections:
    // PRAGMA optimize at open, then now and then; it only analyses what changed enough, with a bounded cost.
    this.optimize(0x10002);
    this.#optimizeTimer = setInterval(() => void this.lock.acquire().then((release) => (this.optimize(), release())), OPTIMIZE_EVERY_MS);
    this.#optimizeTimer.unref();
  }

  /** Statistics are an optimisation: a busy or read-only file just goes without them this time. */
  optimize(mask?: number): void {
    try {
      this.db.exec(mask === undefined ? "PRAGMA optimize" : `PRAGMA optimize=${mask}`);
    } catch (error) {
      debug("PRAGMA optimize skipped: %O", error);
    }
  }

  /** Runs `work` until it does not fail with SQLITE_BUSY, sleeping in between, for at most busyTimeoutMs. */
  async withBusyRetry<T>(work: () => T): Promise<T> {
    if (!this.#asyncBusyWait) return work();
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return work();
      } catch (error) {
        const left = deadline - Date.now();
        if (!isBusy(error) || left <= 0) throw error;
        await sleep(Math.min(2 ** Math.min(attempt, 5), 25, left) * (0.75 + Math.random() / 2));
      }
    }
  }

  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement) {
      // Most recently used last, so the oldest is the first to go.
      this.#statements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      statement.setReadBigInts(true);
      statement.setReturnArrays(true);
      if (this.#statements.size >= 200) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  close(): void {
    clearInterval(this.#optimizeTimer);
    openConnections.delete(this);
    this.#statements.clear();
    if (this.db.isOpen) {
      if (this.db.isTransaction) {
        try {
          this.db.exec("ROLLBACK");
        } catch (error) {
          debug("rollback on close failed: %O", error);
        }
      }
      this.db.close();
    }
  }
}

function resolveFile(url: string): string {
  if (url === ":memory:" || url === "file::memory:") return ":memory:";
  let file = url;
  if (file.startsWith("file://")) file = decodeURIComponent(new URL(file).pathname);
  else if (file.startsWith("file:")) file = file.slice("file:".length);
  file = file.replace(/\?.*$/, "");
  return path.resolve(file);
}

type Statement = { sql: string; args: SQLInputValue[] };

class NodeSqliteQueryable implements SqlQueryable {
  readonly provider = "sqlite" as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(
    protected readonly connection: Connection,
    protected readonly timestampFormat: "iso8601" | "unixepoch-ms",
  ) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    debug("[js::query_raw] %O", query);
    const { columnNames, declaredTypes, rows } = await this.run(this.prepare(query), (statement, args) => {
      const columns = statement.columns();
      if (columns.length === 0) {
        statement.run(...args);
        return { columnNames: [], declaredTypes: [], rows: [] };
      }
      const raw = statement.all(...args) as unknown as unknown[][];
      return {
        columnNames: columns.map((column) => column.name),
        declaredTypes: columns.map((column) => column.type ?? ""),
        rows: raw.map((row) => row.map(fromSql)),
      };
    });
    const columnTypes = getColumnTypes(declaredTypes, rows);
    return { columnNames, columnTypes, rows: rows.map((row) => mapRow(row, columnTypes)) };
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    debug("[js::execute_raw] %O", query);
    return this.run(this.prepare(query), (statement, args) => Number(statement.run(...args).changes));
  }

  protected prepare(query: SqlQuery): Statement {
    return { sql: query.sql, args: query.args.map((arg, i) => mapArg(arg, query.argTypes[i], this.timestampFormat)) };
  }

  /** Outside a transaction: waits for the connection, then runs the statement, waiting out other writers' locks. */
  protected async run<T>(statement: Statement, execute: (prepared: StatementSync, args: SQLInputValue[]) => T): Promise<T> {
    const release = await this.connection.lock.acquire();
    try {
      return await this.connection.withBusyRetry(() => execute(this.connection.statement(statement.sql), statement.args));
    } catch (error) {
      toDriverError(error);
    } finally {
      release();
    }
  }
}

class NodeSqliteTransaction extends NodeSqliteQueryable implements Transaction {
  readonly options: TransactionOptions = { usePhantomQuery: true };
  #release: (() => void) | undefined;

  constructor(connection: Connection, timestampFormat: "iso8601" | "unixepoch-ms", release: () => void) {
    super(connection, timestampFormat);
    this.#release = release;
  }

  /** Inside the transaction, which already holds the connection and the write lock. */
  protected override async run<T>(statement: Statement, execute: (prepared: StatementSync, args: SQLInputValue[]) => T): Promise<T> {
    if (!this.#release) throw transactionClosed("the transaction was already committed or rolled back");
    const { db } = this.connection;
    // SQLite rolls a transaction back by itself after some errors (disk full, I/O …). Running on would write
    // outside any transaction, so stop here.
    if (!db.isTransaction) throw transactionClosed("SQLite rolled the transaction back after an error");
    try {
      return execute(this.connection.statement(statement.sql), statement.args);
    } catch (error) {
      toDriverError(error);
    }
  }

  async commit(): Promise<void> {
    debug("[js::commit]");
    if (!this.#release) throw transactionClosed("the transaction was already committed or rolled back");
    const { db } = this.connection;
    try {
      if (!db.isTransaction) throw transactionClosed("SQLite rolled the transaction back after an error");
      // In WAL mode COMMIT does not wait for anyone; in rollback-journal mode it may, and can then be tried again.
      await this.connection.withBusyRetry(() => db.exec("COMMIT"));
    } catch (error) {
      this.#rollbackQuietly();
      toDriverError(error);
    } finally {
      this.#end();
    }
  }

  async rollback(): Promise<void> {
    debug("[js::rollback]");
    if (!this.#release) return;
    try {
      this.#rollbackQuietly();
    } finally {
      this.#end();
    }
  }

  #rollbackQuietly(): void {
    const { db } = this.connection;
    if (!db.isOpen || !db.isTransaction) return;
    try {
      db.exec("ROLLBACK");
    } catch (error) {
      debug("error in rollback: %O", error);
    }
  }

  #end(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

export class NodeSqliteAdapter extends NodeSqliteQueryable implements SqlDriverAdapter {
  async executeScript(script: string): Promise<void> {
    const release = await this.connection.lock.acquire();
    try {
      await this.connection.withBusyRetry(() => this.connection.db.exec(script));
    } catch (error) {
      toDriverError(error);
    } finally {
      // A script that failed half-way inside its own BEGIN must not leave the connection in a transaction.
      if (this.connection.db.isOpen && this.connection.db.isTransaction) {
        try {
          this.connection.db.exec("ROLLBACK");
        } catch (error) {
          debug("rollback after script failed: %O", error);
        }
      }
      release();
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    // SQLite transactions are serializable; like libsql, that is the only level accepted.
    if (isolationLevel && isolationLevel !== "SERIALIZABLE") {
      throw new DriverAdapterError({ kind: "InvalidIsolationLevel", level: isolationLevel });
    }
    debug("[js::startTransaction]");
    const release = await this.connection.lock.acquire();
    try {
      await this.connection.withBusyRetry(() => this.connection.db.exec("BEGIN IMMEDIATE"));
      return new NodeSqliteTransaction(this.connection, this.timestampFormat, release);
    } catch (error) {
      release();
      toDriverError(error);
    }
  }

  async dispose(): Promise<void> {
    this.connection.close();
  }
}

/** Use as `new PrismaClient({ adapter: new PrismaNodeSqlite({ url }) })`. */
export class PrismaNodeSqlite implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName = ADAPTER_NAME;
  readonly #options: NodeSqliteOptions;

  constructor(options: NodeSqliteOptions) {
    this.#options = options;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.#open(this.#options.url);
  }

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#open(":memory:");
  }

  async #open(url: string): Promise<SqlDriverAdapter> {
    const connection = new Connection(resolveFile(url), {
      busyTimeoutMs: this.#options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      busyWait: this.#options.busyWait ?? "async",
      synchronous: this.#options.synchronous ?? "NORMAL",
    });
    try {
      await connection.init();
    } catch (error) {
      connection.close();
      toDriverError(error);
    }
    return new NodeSqliteAdapter(connection, this.#options.timestampFormat ?? "iso8601");
  }
}
