// Shopify's bulk query API for the Admin API stand-in (simulator/shopify-admin.ts): bulkOperationRunQuery, the
// operation's life (CREATED → RUNNING → COMPLETED or FAILED with an errorCode) as seen through node(id:) and
// currentBulkOperation, and the JSONL result file served from a loopback URL, with Range requests.
// The file is generated from seeded objects in the Admin API's own shapes: the query is parsed and each object
// is projected onto its selection, nested connections become lines of their own with `__parentId` (after all
// root objects, as Shopify writes them without groupObjects), and a field the type does not have is refused
// like Shopify refuses it. Shapes: see app/.server/history-import/bulk-operations.ts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Kind, parse, type FieldNode, type SelectionSetNode } from "graphql";

/** Field name → null (a scalar), the name of an object type, or a connection of a type. */
type FieldKinds = Record<string, null | string | { connection: string }>;

const SCALARS = (...names: string[]): FieldKinds => Object.fromEntries(names.map((n) => [n, null]));

const TYPES: Record<string, FieldKinds> = {
  Order: {
    ...SCALARS("id", "name", "email", "phone", "customerLocale", "checkoutToken", "test", "createdAt", "updatedAt", "cancelledAt", "statusPageUrl", "currencyCode", "note"),
    totalPriceSet: "MoneyBag",
    customAttributes: "Attribute",
    customer: "Customer",
    shippingAddress: "MailingAddress",
    billingAddress: "MailingAddress",
    lineItems: { connection: "LineItem" },
  },
  Customer: {
    ...SCALARS("id", "firstName", "lastName", "locale", "createdAt", "updatedAt", "numberOfOrders"),
    defaultEmailAddress: "CustomerEmailAddress",
    defaultPhoneNumber: "CustomerPhoneNumber",
    defaultAddress: "MailingAddress",
    orders: { connection: "Order" },
  },
  MoneyBag: { shopMoney: "MoneyV2", presentmentMoney: "MoneyV2" },
  MoneyV2: SCALARS("amount", "currencyCode"),
  Attribute: SCALARS("key", "value"),
  MailingAddress: SCALARS("phone", "firstName", "lastName", "countryCodeV2", "city", "zip", "address1"),
  CustomerEmailAddress: SCALARS("emailAddress"),
  CustomerPhoneNumber: SCALARS("phoneNumber"),
  LineItem: SCALARS("id", "title", "quantity", "sku"),
};

const ROOTS: Record<string, { type: string; filterField: string; dateOf: (node: SeedNode) => string | undefined; scope: string }> = {
  orders: { type: "Order", filterField: "created_at", dateOf: (n) => n.createdAt as string | undefined, scope: "read_orders" },
  customers: { type: "Customer", filterField: "updated_at", dateOf: (n) => n.updatedAt as string | undefined, scope: "read_customers" },
};

/** An object as the Admin API would return it with every field selected; connections as arrays of nodes. */
export type SeedNode = Record<string, unknown> & { id: string };

export type BulkFailure = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";

interface Operation {
  id: string;
  shop: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED";
  lines: string[];
  rootCount: number;
  pollsLeft: number;
  failure: BulkFailure | null;
  file: Buffer | null;
}

export class BulkQueryError extends Error {}

/** Projects `value` (of GraphQL type `type`) onto `selection`; children of connections go to `children`. */
function project(value: Record<string, unknown>, type: string, selection: SelectionSetNode, children: { parentId: string; type: string; node: Record<string, unknown>; selection: SelectionSetNode }[], depth: number): Record<string, unknown> {
  const kinds = TYPES[type];
  const out: Record<string, unknown> = {};
  for (const sel of selection.selections) {
    if (sel.kind !== Kind.FIELD) throw new BulkQueryError(`Fragments are not supported by the simulator (on type '${type}')`);
    const name = sel.name.value;
    if (name === "__typename") {
      out[name] = type;
      continue;
    }
    if (!(name in kinds)) throw new BulkQueryError(`Field '${name}' doesn't exist on type '${type}'`);
    const kind = kinds[name];
    const raw = value[name];
    if (kind === null) {
      if (sel.selectionSet) throw new BulkQueryError(`Selections can't be made on scalars (field '${name}' returns a scalar)`);
      out[sel.alias?.value ?? name] = raw ?? null;
    } else if (typeof kind === "string") {
      if (!sel.selectionSet) throw new BulkQueryError(`Field must have selections (field '${name}' returns ${kind}!)`);
      const sub = sel.selectionSet;
      out[sel.alias?.value ?? name] = raw == null ? null : Array.isArray(raw) ? raw.map((item) => project(item as Record<string, unknown>, kind, sub, children, depth)) : project(raw as Record<string, unknown>, kind, sub, children, depth);
    } else {
      if (depth >= 2) throw new BulkQueryError("Bulk queries cannot contain connections with a nesting depth greater than 2");
      const nodeSelection = connectionNodeSelection(sel);
      for (const node of (raw as Record<string, unknown>[] | undefined) ?? []) children.push({ parentId: value.id as string, type: kind.connection, node, selection: nodeSelection });
    }
  }
  return out;
}

function connectionNodeSelection(field: FieldNode): SelectionSetNode {
  const edges = field.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === "edges");
  const node = edges?.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === "node");
  if (!node?.selectionSet) throw new BulkQueryError(`Connection field '${field.name.value}' must select edges { node { … } }`);
  return node.selectionSet;
}

/** The JSONL lines a bulk query gives for the seeded objects, root objects first. */
export function bulkQueryLines(query: string, seed: Record<string, SeedNode[]>, options: { ordersFrom?: Date } = {}): { lines: string[]; rootCount: number; scope: string } {
  let document;
  try {
    document = parse(query);
  } catch (error) {
    throw new BulkQueryError(`Invalid query: ${(error as Error).message}`);
  }
  const operation = document.definitions[0];
  if (document.definitions.length !== 1 || operation.kind !== Kind.OPERATION_DEFINITION) throw new BulkQueryError("Bulk queries must contain exactly one operation");
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1 || roots[0].kind !== Kind.FIELD) throw new BulkQueryError("Bulk queries must have exactly one top-level field");
  const rootField = roots[0];
  const root = ROOTS[rootField.name.value];
  if (!root) throw new BulkQueryError(`The simulator serves bulk queries over orders and customers, not '${rootField.name.value}'`);
  const filter = rootField.arguments?.find((a) => a.name.value === "query");
  let since: number | null = null;
  if (filter) {
    if (filter.value.kind !== Kind.STRING) throw new BulkQueryError("The query argument must be a string");
    const match = new RegExp(`^${root.filterField}:>=\\s*'?([^'\\s]+)'?$`).exec(filter.value.value.trim());
    if (!match || Number.isNaN(Date.parse(match[1]))) throw new BulkQueryError(`The simulator understands only "${root.filterField}:>='<ISO date>'" as the search query`);
    since = Date.parse(match[1]);
  }
  const nodeSelection = connectionNodeSelection(rootField);
  const floor = root.type === "Order" && options.ordersFrom ? options.ordersFrom.getTime() : null;
  const selected = (seed[rootField.name.value] ?? []).filter((node) => {
    const at = Date.parse(root.dateOf(node) ?? "");
    return (since === null || at >= since) && (floor === null || at >= floor);
  });
  const children: Parameters<typeof project>[3] = [];
  const lines = selected.map((node) => JSON.stringify(project(node, root.type, nodeSelection, children, 1)));
  for (const child of children) lines.push(JSON.stringify({ ...project(child.node, child.type, child.selection, [], 2), __parentId: child.parentId }));
  return { lines, rootCount: selected.length, scope: root.scope };
}

export interface BulkSimulatorOptions {
  /** Polls an operation answers RUNNING before it completes. */
  pollsUntilComplete?: number;
  /** Where result files are served; serveBulkFiles() points it at a real loopback server. */
  fileBaseUrl?: string;
  /** "Now" for the 60-day limit on orders without read_all_orders (the virtual clock in tests). */
  now?: () => Date;
}

/** The bulk part of the stand-in: state, the GraphQL answers and the file download. */
export function createBulkOperations(options: BulkSimulatorOptions = {}) {
  const operations = new Map<string, Operation>();
  const seeds = new Map<string, Record<string, SeedNode[]>>();
  const failures: BulkFailure[] = [];
  let cutAfter: number | null = null;
  let sequence = 0;

  const state = {
    fileBaseUrl: options.fileBaseUrl ?? "http://127.0.0.1:4011/_shopify-bulk",
    /** Range requests answered (the import resumes with them). */
    rangeRequests: [] as string[],
    operations,
    seed(shop: string, data: { orders?: SeedNode[]; customers?: SeedNode[] }) {
      const current = seeds.get(shop) ?? {};
      seeds.set(shop, { orders: data.orders ?? current.orders ?? [], customers: data.customers ?? current.customers ?? [] });
    },
    /** The next operation that completes fails with this errorCode instead. */
    failNextBulk(code: BulkFailure) {
      failures.push(code);
    },
    /** The next download breaks off after this many bytes (a dropped connection). */
    cutNextDownloadAfter(bytes: number) {
      cutAfter = bytes;
    },

    run(shop: string, query: string, granted: string[] | undefined): { bulkOperation: object | null; userErrors: object[] } {
      const running = [...operations.values()].filter((op) => op.shop === shop && (op.status === "CREATED" || op.status === "RUNNING"));
      // API 2026-01 and later: up to five bulk query operations at a time per shop.
      if (running.length >= 5) return { bulkOperation: null, userErrors: [{ field: null, message: "Bulk operations limit reached. Please try again later.", code: "LIMIT_REACHED" }] };
      let result;
      try {
        const ordersFrom = granted && !granted.includes("read_all_orders") ? new Date((options.now?.() ?? new Date()).getTime() - 60 * 86_400_000) : undefined;
        result = bulkQueryLines(query, seeds.get(shop) ?? {}, { ordersFrom });
      } catch (error) {
        if (error instanceof BulkQueryError) return { bulkOperation: null, userErrors: [{ field: ["query"], message: error.message, code: "INVALID" }] };
        throw error;
      }
      sequence += 1;
      const op: Operation = {
        id: `gid://shopify/BulkOperation/${720_000 + sequence}`,
        shop,
        status: "CREATED",
        lines: result.lines,
        rootCount: result.rootCount,
        pollsLeft: options.pollsUntilComplete ?? 2,
        // A query over data the app may not read runs, then fails with ACCESS_DENIED.
        failure: granted && !granted.includes(result.scope) ? "ACCESS_DENIED" : null,
        file: null,
      };
      operations.set(op.id, op);
      return { bulkOperation: view(op), userErrors: [] };
    },

    /** node(id:) and currentBulkOperation: each look moves a running operation on. */
    look(shop: string, id: string | null): object | null {
      const op = id ? operations.get(id) : [...operations.values()].filter((o) => o.shop === shop).pop();
      if (!op || op.shop !== shop) return null;
      if (op.status === "CREATED" || op.status === "RUNNING") {
        if (op.pollsLeft > 0) {
          op.pollsLeft -= 1;
          op.status = "RUNNING";
        } else {
          const failure = op.failure ?? failures.shift() ?? null;
          if (failure) {
            op.status = "FAILED";
            op.failure = failure;
          } else {
            op.status = "COMPLETED";
            op.file = op.lines.length > 0 ? Buffer.from(op.lines.map((l) => `${l}\n`).join(""), "utf8") : null;
          }
        }
      }
      return view(op);
    },

    /** GET of a result file, with Range support; null when the URL is not one of ours. */
    download(request: Request): Response | null {
      const url = new URL(request.url);
      const base = new URL(state.fileBaseUrl);
      if (url.origin !== base.origin || !url.pathname.startsWith(`${base.pathname}/`)) return null;
      const op = [...operations.values()].find((o) => `${base.pathname}/${o.id.slice(o.id.lastIndexOf("/") + 1)}.jsonl` === url.pathname);
      if (!op?.file || url.searchParams.get("signature") !== signature(op)) return new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 });
      const range = /^bytes=(\d+)-$/.exec(request.headers.get("Range") ?? "");
      const start = range ? Number(range[1]) : 0;
      if (range) state.rangeRequests.push(range[0]);
      if (start >= op.file.length) return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${op.file.length}` } });
      const body = op.file.subarray(start);
      const headers: Record<string, string> = { "Content-Type": "application/jsonl" };
      if (range) headers["Content-Range"] = `bytes ${start}-${op.file.length - 1}/${op.file.length}`;
      const cut = cutAfter;
      cutAfter = null;
      if (cut === null) return new Response(new Uint8Array(body), { status: range ? 206 : 200, headers: { ...headers, "Content-Length": String(body.length) } });
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent) {
            // The bytes sent so far reach the reader first; then the connection drops.
            await new Promise((resolve) => setTimeout(resolve, 100));
            return controller.error(new TypeError("terminated: other side closed"));
          }
          sent = true;
          controller.enqueue(new Uint8Array(body.subarray(0, cut)));
        },
      });
      return new Response(stream, { status: range ? 206 : 200, headers });
    },
  };

  function signature(op: Operation): string {
    return `sim-${op.id.slice(op.id.lastIndexOf("/") + 1)}`;
  }

  function view(op: Operation) {
    const done = op.status === "COMPLETED";
    const count = done || op.status === "FAILED" ? op.lines.length : Math.floor((op.lines.length * (2 - Math.min(op.pollsLeft, 2))) / 3);
    return {
      id: op.id,
      status: op.status,
      errorCode: op.status === "FAILED" ? op.failure : null,
      objectCount: String(count),
      rootObjectCount: String(done ? op.rootCount : 0),
      fileSize: done && op.file ? String(op.file.length) : null,
      url: done && op.file ? `${state.fileBaseUrl}/${op.id.slice(op.id.lastIndexOf("/") + 1)}.jsonl?signature=${signature(op)}` : null,
      partialDataUrl: null,
      type: "QUERY",
    };
  }

  return state;
}

export type BulkOperations = ReturnType<typeof createBulkOperations>;

/** Serves the result files on a real loopback port (tests fetch them with the global fetch). */
export async function serveBulkFiles(bulk: BulkOperations, handler: (request: Request) => Promise<Response>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const range = req.headers.range;
    const request = new Request(new URL(req.url ?? "/", bulk.fileBaseUrl), { method: req.method, headers: range ? { Range: range } : {} });
    void handler(request).then(async (response) => {
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      res.writeHead(response.status, headers);
      res.flushHeaders();
      if (!response.body) return res.end();
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          res.write(value);
        }
        res.end();
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  bulk.fileBaseUrl = `http://127.0.0.1:${port}/_shopify-bulk`;
  return { url: bulk.fileBaseUrl, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A seeded Order in the Admin API's shape (every field the stand-in knows), for bulk queries. */
export function bulkOrderNode(o: {
  /** The numeric id (a string for ids beyond 2^53, as Shopify's are). */
  id: number | string;
  createdAt: string;
  updatedAt?: string;
  total?: string;
  currency?: string;
  phone?: string | null;
  email?: string | null;
  locale?: string | null;
  checkoutToken?: string | null;
  test?: boolean;
  cancelledAt?: string | null;
  optInPhone?: string | null;
  customer?: SeedNode | null;
  lineItems?: { id: number; title: string; quantity: number }[];
}): SeedNode {
  const currency = o.currency ?? "EUR";
  return {
    id: `gid://shopify/Order/${o.id}`,
    name: `#${1000 + Number(BigInt(o.id) % 100_000n)}`,
    email: o.email ?? null,
    phone: o.phone ?? null,
    customerLocale: o.locale ?? "de",
    checkoutToken: o.checkoutToken ?? null,
    test: o.test ?? false,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt ?? o.createdAt,
    cancelledAt: o.cancelledAt ?? null,
    statusPageUrl: `https://example-shop.myshopify.com/71619149999/orders/${BigInt(o.id).toString(16)}/authenticate?key=sim`,
    currencyCode: currency,
    note: null,
    totalPriceSet: { shopMoney: { amount: o.total ?? "49.9", currencyCode: currency }, presentmentMoney: { amount: o.total ?? "49.9", currencyCode: currency } },
    customAttributes: o.optInPhone ? [{ key: "_momento_whatsapp_opt_in", value: "1" }, { key: "_momento_whatsapp_phone", value: o.optInPhone }] : [],
    customer: o.customer ?? null,
    shippingAddress: o.phone ? { phone: o.phone, firstName: "Lena", lastName: "Beispiel", countryCodeV2: "DE", city: "Berlin", zip: "10115", address1: "Torstraße 1" } : null,
    billingAddress: null,
    lineItems: (o.lineItems ?? []).map((l) => ({ id: `gid://shopify/LineItem/${l.id}`, title: l.title, quantity: l.quantity, sku: null })),
  };
}

/** A seeded Customer in the Admin API's shape. */
export function bulkCustomerNode(c: { id: number | string; updatedAt: string; firstName?: string | null; email?: string | null; phone?: string | null; locale?: string }): SeedNode {
  return {
    id: `gid://shopify/Customer/${c.id}`,
    firstName: c.firstName ?? null,
    lastName: null,
    locale: c.locale ?? "de",
    createdAt: c.updatedAt,
    updatedAt: c.updatedAt,
    numberOfOrders: "0",
    defaultEmailAddress: c.email ? { emailAddress: c.email } : null,
    defaultPhoneNumber: c.phone ? { phoneNumber: c.phone } : null,
    defaultAddress: null,
    orders: [],
  };
}

/**
 * A year of a small store's history before the demo's replayed weeks, for the demo's "Import history": 40 customers
 * (a third of them come back), a few guest orders, ids and numbers apart from the replayed shoppers'. Deterministic.
 */
export function demoStoreHistory(now: Date): { orders: SeedNode[]; customers: SeedNode[] } {
  const DAY = 86_400_000;
  const at = (daysAgo: number, hour: number) => new Date(now.getTime() - daysAgo * DAY + hour * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const customers = Array.from({ length: 40 }, (_, i) =>
    bulkCustomerNode({ id: 6_900_000_000 + i, updatedAt: at(30 + ((i * 37) % 300), 9), firstName: ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes"][i % 8], email: `kunde${i}@example.de`, phone: `+49 160 9${String(1_000_000 + i * 7919).slice(-7)}`, locale: i % 5 === 0 ? "en" : "de" }),
  );
  const orders: SeedNode[] = [];
  for (let i = 0; i < 120; i++) {
    const guest = i % 10 === 9;
    const customer = customers[(i * 13) % (i % 3 === 0 ? 13 : 40)];
    const daysAgo = 35 + ((i * 53) % 320);
    orders.push(
      bulkOrderNode({
        id: 7_100_000_000_000 + i,
        createdAt: at(daysAgo, 10 + (i % 8)),
        updatedAt: at(daysAgo - 2, 12),
        total: `${19 + ((i * 17) % 140)}.${(i * 7) % 10}0`,
        phone: guest ? `+49 170 8${String(2_000_000 + i * 104_729).slice(-7)}` : null,
        email: guest ? `gast${i}@example.de` : (customer.defaultEmailAddress as { emailAddress: string }).emailAddress,
        locale: (customer.locale as string) ?? "de",
        checkoutToken: `demo-history-${i}`,
        cancelledAt: i % 41 === 40 ? at(daysAgo - 1, 9) : null,
        customer: guest ? null : { ...customer, orders: undefined },
      }),
    );
  }
  return { orders, customers };
}
