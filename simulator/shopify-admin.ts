// A local stand-in for Shopify's Admin GraphQL endpoint, for the calls the worker makes
// (customerWhatsAppMarketingConsentUpdate, API-FACTS.md B5; discountCodeBasicCreate, B6; the history import's bulk
// queries, simulator/shopify-admin-bulk.ts), because Shopify is unreachable from our machines. It is a `fetch`
// handler: hand it to createAdminGraphql({ fetch }) in tests, replay and the demo.
// It checks the URL, the token and the input the way Shopify's schema would (unknown fields, enum
// values, the customer GID), records every applied change, and can answer like Shopify does when it
// throttles, denies access, fails or rejects the input.

import { createBulkOperations, type BulkOperations, type BulkSimulatorOptions } from "./shopify-admin-bulk";

export const SIMULATED_ADMIN_API_VERSION = "2026-07";

export type AdminFailure =
  /** Cost limit reached: HTTP 200 with a THROTTLED GraphQL error (Shopify's GraphQL behaviour). */
  | "throttled"
  /** HTTP 429 with Retry-After (the REST-style limit, also seen on GraphQL). */
  | "http429"
  /** The scope or protected customer data access is missing: HTTP 200 with ACCESS_DENIED. */
  | "access_denied"
  | "http403"
  | "http500"
  /** fetch rejects (connection refused, DNS). */
  | "network"
  | { userErrors: { field: string[] | null; message: string; code: "INCLUSION" | "INTERNAL_ERROR" | "INVALID" | "MISSING_ARGUMENT" | null }[] };

export interface AppliedConsent {
  shop: string;
  /** Numeric Shopify customer id. */
  customerId: string;
  state: string;
  optInLevel: string | null;
  updatedAt: string | null;
}

export interface CreatedDiscount {
  shop: string;
  /** gid://shopify/DiscountCodeNode/<n> */
  id: string;
  code: string;
  title: string;
  /** 0.00–1.00 as Shopify takes it. */
  percentage: number;
  startsAt: string;
  endsAt: string | null;
  usageLimit: number | null;
  appliesOncePerCustomer: boolean;
}

export interface ShopifyAdminSimulatorOptions {
  /** Token accepted per shop; a shop not listed accepts any non-empty token. */
  tokens?: Record<string, string>;
  /** Granted scopes per shop; a shop listed without write_customers gets ACCESS_DENIED. Unlisted: granted. */
  scopes?: Record<string, string[]>;
  /** Known customer ids per shop; when a shop is listed, other ids get Shopify's userError. */
  customers?: Record<string, string[]>;
  /** Bulk queries (the history import): how long operations run, where files are served, the clock. */
  bulk?: BulkSimulatorOptions;
}

/** A product variant behind an inventory item, as the inventoryItem query answers it. */
export interface SimulatedVariant {
  variantId: string;
  title: string;
  productTitle: string;
  onlineStoreUrl: string | null;
  imageUrl: string | null;
}

/** A product variant's images, as the productVariant query answers them. */
export interface SimulatedVariantImages {
  /** The variant's own image. */
  imageUrl: string | null;
  /** The product's featured image. */
  productImageUrl: string | null;
}

export interface ShopifyAdminSimulator {
  fetch: typeof fetch;
  /** productVariant(id:) answers from here: shop → variant id → images (unknown ids answer null). */
  addVariant(shop: string, variantId: string, images: SimulatedVariantImages): void;
  /** Every productVariant lookup, in order (shop, numeric variant id). */
  variantLookups: { shop: string; variantId: string }[];
  /** inventoryItem(id:) answers from here: shop → inventory item id → variant (unknown ids answer null). */
  addInventoryItem(shop: string, inventoryItemId: string, variant: SimulatedVariant): void;
  /** Every inventoryItem lookup, in order (shop, numeric item id). */
  inventoryLookups: { shop: string; inventoryItemId: string }[];
  /** tagsAdd calls that were applied, in order. */
  taggings: { shop: string; id: string; tags: string[] }[];
  /** A resource's tags as Shopify would hold them (tagsAdd merges, never duplicates). */
  tagsOf(shop: string, gid: string): string[];
  /** Every applied change, in order. */
  applied: AppliedConsent[];
  /** Every discount code created, in order. */
  discounts: CreatedDiscount[];
  /** Called when a discountCodeBasicCreate arrives, before it is answered (tests race other work against it). */
  onDiscountCall?: () => Promise<void>;
  /** Calls that reached the endpoint (applied or not). */
  calls: number;
  /** The next `times` calls answer with `failure` (queued after earlier failNext calls). */
  failNext(failure: AdminFailure, times?: number): void;
  setScopes(shop: string, scopes: string[]): void;
  /** The current WhatsApp marketing consent of a customer, as Shopify would hold it. */
  consentOf(shop: string, customerId: string): AppliedConsent | undefined;
  /** Bulk query operations: seed a shop's orders and customers, inject failures, serve the files. */
  bulk: BulkOperations;
}

const INPUT_TYPE = "CustomerWhatsAppMarketingConsentUpdateInput";
const DISCOUNT_INPUT_TYPE = "DiscountCodeBasicInput";
const DISCOUNT_FIELDS = new Set([
  "appliesOncePerCustomer", "code", "combinesWith", "context", "customerGets", "endsAt", "minimumRequirement", "recurringCycleLimit",
  "startsAt", "tags", "title", "usageLimit", "customerSelection",
]);
const DISCOUNT_QUERY = /discountCodeBasicCreate\s*\(\s*basicCodeDiscount\s*:\s*\$basicCodeDiscount\s*\)/;
const BULK_RUN_QUERY = /bulkOperationRunQuery\s*\(/;
const BULK_NODE_QUERY = /\bnode\s*\(\s*id\s*:\s*\$id\s*\)[\s\S]*\bon\s+BulkOperation\b/;
const CURRENT_BULK_QUERY = /\bcurrentBulkOperation\b/;
const CONSENT_FIELDS = new Set(["state", "optInLevel", "updatedAt", "sourceLocationId"]);
const SETTABLE_STATES = new Set(["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"]);
const READ_ONLY_STATES = new Set(["NOT_SUBSCRIBED", "REDACTED"]);
const OPT_IN_LEVELS = new Set(["SINGLE_OPT_IN", "CONFIRMED_OPT_IN", "UNKNOWN"]);
const ACCESS_DENIED_MESSAGE =
  "Access denied for customerWhatsAppMarketingConsentUpdate field. Required access: `write_customers` access scope. Also: The user must have permission to create and edit customers.";

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers } });
}

function graphqlError(message: string, code: string, extra: Record<string, unknown> = {}): Response {
  return json({ errors: [{ message, extensions: { code, ...extra } }] });
}

function failureResponse(failure: AdminFailure, mutation = "customerWhatsAppMarketingConsentUpdate"): Response {
  if (typeof failure === "object") return json({ data: { [mutation]: mutation === "discountCodeBasicCreate" ? { codeDiscountNode: null, userErrors: failure.userErrors } : { userErrors: failure.userErrors } } });
  switch (failure) {
    case "throttled":
      return json({
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: 10, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 0, restoreRate: 100 } } },
      });
    case "http429":
      return json({ errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }, 429, { "Retry-After": "2.0" });
    case "access_denied":
      return json({
        errors: [
          {
            message: ACCESS_DENIED_MESSAGE,
            path: ["customerWhatsAppMarketingConsentUpdate"],
            extensions: { code: "ACCESS_DENIED", documentation: "https://shopify.dev/api/usage/access-scopes", requiredAccess: "`write_customers` access scope." },
          },
        ],
        data: { customerWhatsAppMarketingConsentUpdate: null },
      });
    case "http403":
      return json({ errors: "[API] This action requires merchant approval for write_customers scope." }, 403);
    case "http500":
      return json({ errors: [{ message: "Internal error. Looks like something went wrong on our end.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }, 500);
    case "network":
      throw new TypeError("fetch failed");
  }
}

function invalidVariable(detail: string): Response {
  return graphqlError(`Variable $input of type ${INPUT_TYPE}! was provided invalid value for ${detail}`, "INVALID_VARIABLE");
}

export function createShopifyAdminSimulator(options: ShopifyAdminSimulatorOptions = {}): ShopifyAdminSimulator {
  const failures: AdminFailure[] = [];
  const scopes = new Map(Object.entries(options.scopes ?? {}));
  const consents = new Map<string, AppliedConsent>();
  const applied: AppliedConsent[] = [];
  const discounts: CreatedDiscount[] = [];
  const inventoryItems = new Map<string, SimulatedVariant>();
  const variants = new Map<string, SimulatedVariantImages>();
  const tags = new Map<string, string[]>();
  const bulk = createBulkOperations(options.bulk);

  function createDiscount(shop: string, input: unknown): Response {
    const userErrors = (field: string[], message: string, code: string) =>
      json({ data: { discountCodeBasicCreate: { codeDiscountNode: null, userErrors: [{ field, message, code }] } } });
    const invalid = (detail: string) => graphqlError(`Variable $basicCodeDiscount of type ${DISCOUNT_INPUT_TYPE}! was provided invalid value for ${detail}`, "INVALID_VARIABLE");
    if (!input || typeof input !== "object") return invalid("basicCodeDiscount (Expected value to not be null)");
    const d = input as Record<string, unknown>;
    const unknownKey = Object.keys(d).find((key) => !DISCOUNT_FIELDS.has(key));
    if (unknownKey) return invalid(`${unknownKey} (Field is not defined on ${DISCOUNT_INPUT_TYPE})`);
    for (const field of ["code", "title", "startsAt"] as const) {
      if (typeof d[field] !== "string" || d[field] === "") return userErrors(["basicCodeDiscount", field], `${field} can't be blank`, "BLANK");
    }
    if (d.context === undefined && d.customerSelection === undefined) return userErrors(["basicCodeDiscount", "context"], "Context can't be blank", "BLANK");
    const context = d.context as Record<string, unknown> | undefined;
    if (context && context.all !== undefined && context.all !== "ALL") return invalid(`context.all (Expected "${String(context.all)}" to be one of: ALL)`);
    for (const field of ["startsAt", "endsAt"] as const) {
      if (d[field] !== undefined && d[field] !== null && (typeof d[field] !== "string" || Number.isNaN(Date.parse(d[field] as string)))) return invalid(`${field} (invalid DateTime)`);
    }
    if (typeof d.endsAt === "string" && Date.parse(d.endsAt) <= Date.parse(d.startsAt as string)) {
      return userErrors(["basicCodeDiscount", "endsAt"], "Ends at needs to be after starts_at", "END_DATE_BEFORE_START_DATE");
    }
    const gets = d.customerGets as { value?: { percentage?: unknown }; items?: { all?: unknown } } | undefined;
    const percentage = gets?.value?.percentage;
    if (typeof percentage !== "number" || percentage <= 0 || percentage > 1) {
      return userErrors(["basicCodeDiscount", "customerGets", "value", "percentage"], "Value must be between 0.0 and 1.0", "VALUE_OUTSIDE_RANGE");
    }
    if (gets?.items?.all !== true) return userErrors(["basicCodeDiscount", "customerGets", "items"], "Items must be specified", "BLANK");
    const code = d.code as string;
    if (discounts.some((x) => x.shop === shop && x.code.toLowerCase() === code.toLowerCase())) {
      return userErrors(["basicCodeDiscount", "code"], "Code must be unique. Please try a different code.", "TAKEN");
    }
    const created: CreatedDiscount = {
      shop,
      id: `gid://shopify/DiscountCodeNode/${1_000_000 + discounts.length + 1}`,
      code,
      title: d.title as string,
      percentage,
      startsAt: d.startsAt as string,
      endsAt: typeof d.endsAt === "string" ? d.endsAt : null,
      usageLimit: typeof d.usageLimit === "number" ? d.usageLimit : null,
      appliesOncePerCustomer: d.appliesOncePerCustomer === true,
    };
    discounts.push(created);
    return json({ data: { discountCodeBasicCreate: { codeDiscountNode: { id: created.id }, userErrors: [] } } });
  }

  function inventoryItem(shop: string, id: unknown): Response {
    const match = typeof id === "string" ? /^gid:\/\/shopify\/InventoryItem\/(\d+)$/.exec(id) : null;
    if (!match) return graphqlError(`Invalid global id '${String(id)}'`, "argumentLiteralsIncompatible");
    simulator.inventoryLookups.push({ shop, inventoryItemId: match[1] });
    const v = inventoryItems.get(`${shop}:${match[1]}`);
    if (!v) return json({ data: { inventoryItem: null } });
    return json({
      data: {
        inventoryItem: {
          id,
          variants: {
            nodes: [
              {
                id: `gid://shopify/ProductVariant/${v.variantId}`,
                title: v.title,
                image: null,
                product: { title: v.productTitle, onlineStoreUrl: v.onlineStoreUrl, featuredMedia: v.imageUrl ? { preview: { image: { url: v.imageUrl } } } : null },
              },
            ],
          },
        },
      },
    });
  }

  function productVariant(shop: string, id: unknown): Response {
    const match = typeof id === "string" ? /^gid:\/\/shopify\/ProductVariant\/(\d+)$/.exec(id) : null;
    if (!match) return graphqlError(`Invalid global id '${String(id)}'`, "argumentLiteralsIncompatible");
    simulator.variantLookups.push({ shop, variantId: match[1] });
    const v = variants.get(`${shop}:${match[1]}`);
    if (!v) return json({ data: { productVariant: null } });
    const image = (url: string | null) => (url ? { url } : null);
    return json({
      data: {
        productVariant: {
          id,
          image: image(v.imageUrl),
          product: { featuredMedia: v.productImageUrl ? { preview: { image: image(v.productImageUrl) } } : null },
        },
      },
    });
  }

  function tagsAdd(shop: string, id: unknown, list: unknown): Response {
    const payload = (userErrors: { field: string[]; message: string }[]) => json({ data: { tagsAdd: { node: userErrors.length ? null : { id }, userErrors } } });
    if (typeof id !== "string" || !/^gid:\/\/shopify\/(Customer|Order|Product|DraftOrder|Article)\/\d+$/.test(id)) return payload([{ field: ["id"], message: "Invalid id" }]);
    if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== "string" || t.trim() === "")) return payload([{ field: ["tags"], message: "Tags can't be blank" }]);
    const key = `${shop}:${id}`;
    const current = tags.get(key) ?? [];
    tags.set(key, [...current, ...(list as string[]).filter((t) => !current.includes(t))]);
    simulator.taggings.push({ shop, id, tags: list as string[] });
    return payload([]);
  }

  const simulator: ShopifyAdminSimulator = {
    inventoryLookups: [],
    variantLookups: [],
    addVariant(shop, variantId, images) {
      variants.set(`${shop}:${variantId}`, images);
    },
    taggings: [],
    addInventoryItem(shop, inventoryItemId, variant) {
      inventoryItems.set(`${shop}:${inventoryItemId}`, variant);
    },
    tagsOf(shop, gid) {
      return tags.get(`${shop}:${gid}`) ?? [];
    },
    applied,
    discounts,
    bulk,
    calls: 0,
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    setScopes(shop, list) {
      scopes.set(shop, list);
    },
    consentOf(shop, customerId) {
      return consents.get(`${shop}:${customerId}`);
    },
    fetch: async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const shop = url.hostname;
      if (request.method === "GET") {
        const file = bulk.download(request);
        if (file) return file;
      }
      if (request.method !== "POST" || url.pathname !== `/admin/api/${SIMULATED_ADMIN_API_VERSION}/graphql.json`) return json({ errors: "Not Found" }, 404);
      const token = request.headers.get("X-Shopify-Access-Token");
      const expected = options.tokens?.[shop];
      if (!token || (expected !== undefined && token !== expected)) {
        return json({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }, 401);
      }
      simulator.calls += 1;
      const raw = await request.text();
      const isDiscount = DISCOUNT_QUERY.test(raw);
      if (isDiscount) await simulator.onDiscountCall?.();
      const failure = failures.shift();
      if (failure) return failureResponse(failure, isDiscount ? "discountCodeBasicCreate" : undefined);

      let body: { query?: unknown; variables?: { input?: unknown; basicCodeDiscount?: unknown } };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return json({ errors: [{ message: "Invalid JSON in request body" }] }, 400);
      }
      if (typeof body.query === "string" && BULK_RUN_QUERY.test(body.query)) {
        if (!body.query.includes("$query: String!")) return graphqlError("Variable $query must be declared as String!", "INVALID_VARIABLE");
        const query = (body.variables as { query?: unknown } | undefined)?.query;
        if (typeof query !== "string") return graphqlError("Variable $query of type String! was provided invalid value", "INVALID_VARIABLE");
        return json({ data: { bulkOperationRunQuery: bulk.run(shop, query, scopes.get(shop)) } });
      }
      if (typeof body.query === "string" && BULK_NODE_QUERY.test(body.query)) {
        const id = (body.variables as { id?: unknown } | undefined)?.id;
        return json({ data: { node: typeof id === "string" ? bulk.look(shop, id) : null } });
      }
      if (typeof body.query === "string" && CURRENT_BULK_QUERY.test(body.query)) return json({ data: { currentBulkOperation: bulk.look(shop, null) } });
      if (typeof body.query === "string" && DISCOUNT_QUERY.test(body.query)) {
        if (!body.query.includes(`$basicCodeDiscount: ${DISCOUNT_INPUT_TYPE}!`)) return graphqlError(`Variable $basicCodeDiscount must be declared as ${DISCOUNT_INPUT_TYPE}!`, "INVALID_VARIABLE");
        const granted = scopes.get(shop);
        if (granted && !granted.includes("write_discounts")) {
          return json({
            errors: [{ message: "Access denied for discountCodeBasicCreate field. Required access: `write_discounts` access scope.", path: ["discountCodeBasicCreate"], extensions: { code: "ACCESS_DENIED" } }],
            data: { discountCodeBasicCreate: null },
          });
        }
        return createDiscount(shop, body.variables?.basicCodeDiscount);
      }
      if (typeof body.query === "string" && /inventoryItem\s*\(\s*id\s*:\s*\$id\s*\)/.test(body.query)) {
        const granted = scopes.get(shop);
        if (granted && !granted.includes("read_inventory")) {
          return json({ errors: [{ message: "Access denied for inventoryItem field. Required access: `read_inventory` access scope.", path: ["inventoryItem"], extensions: { code: "ACCESS_DENIED" } }], data: { inventoryItem: null } });
        }
        return inventoryItem(shop, (body.variables as Record<string, unknown> | undefined)?.id);
      }
      if (typeof body.query === "string" && /productVariant\s*\(\s*id\s*:\s*\$id\s*\)/.test(body.query)) {
        const granted = scopes.get(shop);
        if (granted && !granted.includes("read_products")) {
          return json({ errors: [{ message: "Access denied for productVariant field. Required access: `read_products` access scope.", path: ["productVariant"], extensions: { code: "ACCESS_DENIED" } }], data: { productVariant: null } });
        }
        return productVariant(shop, (body.variables as Record<string, unknown> | undefined)?.id);
      }
      if (typeof body.query === "string" && /tagsAdd\s*\(\s*id\s*:\s*\$id\s*,\s*tags\s*:\s*\$tags\s*\)/.test(body.query)) {
        const granted = scopes.get(shop);
        if (granted && !granted.includes("write_customers")) return failureResponse("access_denied", "tagsAdd");
        const vars = (body.variables ?? {}) as Record<string, unknown>;
        return tagsAdd(shop, vars.id, vars.tags);
      }
      if (typeof body.query !== "string" || !/customerWhatsAppMarketingConsentUpdate\s*\(\s*input\s*:\s*\$input\s*\)/.test(body.query)) {
        return graphqlError("The simulator answers only customerWhatsAppMarketingConsentUpdate(input: $input)", "UNSUPPORTED");
      }
      if (!body.query.includes(`$input: ${INPUT_TYPE}!`)) return graphqlError(`Variable $input must be declared as ${INPUT_TYPE}!`, "INVALID_VARIABLE");
      const granted = scopes.get(shop);
      if (granted && !granted.includes("write_customers")) return failureResponse("access_denied");

      const inputValue = body.variables?.input;
      if (!inputValue || typeof inputValue !== "object") return invalidVariable("input (Expected value to not be null)");
      const { customerId, whatsAppMarketingConsent, ...unknown } = inputValue as Record<string, unknown>;
      const unknownKey = Object.keys(unknown)[0];
      if (unknownKey) return invalidVariable(`${unknownKey} (Field is not defined on ${INPUT_TYPE})`);
      if (typeof customerId !== "string") return invalidVariable("customerId (Expected value to not be null)");
      const gid = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(customerId);
      if (!gid) return json({ data: { customerWhatsAppMarketingConsentUpdate: { userErrors: [{ field: ["input", "customerId"], message: "Invalid id", code: "INVALID" }] } } });
      if (!whatsAppMarketingConsent || typeof whatsAppMarketingConsent !== "object") return invalidVariable("whatsAppMarketingConsent (Expected value to not be null)");
      const consent = whatsAppMarketingConsent as Record<string, unknown>;
      const extra = Object.keys(consent).find((key) => !CONSENT_FIELDS.has(key));
      if (extra) return invalidVariable(`whatsAppMarketingConsent.${extra} (Field is not defined on CustomerMarketingConsentInput)`);
      if (typeof consent.state !== "string" || (!SETTABLE_STATES.has(consent.state) && !READ_ONLY_STATES.has(consent.state))) {
        return invalidVariable(`whatsAppMarketingConsent.state (Expected "${String(consent.state)}" to be one of: NOT_SUBSCRIBED, PENDING, REDACTED, SUBSCRIBED, UNSUBSCRIBED)`);
      }
      if (consent.optInLevel !== undefined && (typeof consent.optInLevel !== "string" || !OPT_IN_LEVELS.has(consent.optInLevel))) {
        return invalidVariable(`whatsAppMarketingConsent.optInLevel (Expected "${String(consent.optInLevel)}" to be one of: SINGLE_OPT_IN, CONFIRMED_OPT_IN, UNKNOWN)`);
      }
      if (consent.updatedAt !== undefined && (typeof consent.updatedAt !== "string" || Number.isNaN(Date.parse(consent.updatedAt)))) {
        return invalidVariable("whatsAppMarketingConsent.updatedAt (invalid DateTime)");
      }
      const userError = (field: string[], message: string, code: string) => json({ data: { customerWhatsAppMarketingConsentUpdate: { userErrors: [{ field, message, code }] } } });
      if (READ_ONLY_STATES.has(consent.state)) return userError(["input", "whatsAppMarketingConsent", "state"], `${consent.state} cannot be set`, "INCLUSION");
      const known = options.customers?.[shop];
      if (known && !known.includes(gid[1])) return userError(["input", "customerId"], "Customer not found", "INVALID");

      const change: AppliedConsent = {
        shop,
        customerId: gid[1],
        state: consent.state,
        optInLevel: typeof consent.optInLevel === "string" ? consent.optInLevel : null,
        updatedAt: typeof consent.updatedAt === "string" ? consent.updatedAt : null,
      };
      consents.set(`${shop}:${gid[1]}`, change);
      applied.push(change);
      return json({ data: { customerWhatsAppMarketingConsentUpdate: { userErrors: [] } } });
    },
  };
  return simulator;
}
