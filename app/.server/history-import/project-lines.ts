// One line of a bulk result file → the same projections the webhooks use. An order line is turned into the
// orders/* webhook shape the order projection validates (ingest/shopify-payloads.ts), so an imported order and a
// webhook order are one and the same row; its updatedAt is the payload's updated_at, so an older imported state
// never overwrites a newer one a webhook brought. Nothing is planned: history sends no messages.
import type { DbTx } from "../db";
import { projectCustomerRecord, projectOrder, type ShopContext } from "../ingest/projections";
import { describeZodError, orderPayload } from "../ingest/shopify-payloads";

interface BulkAddress {
  phone?: string | null;
  firstName?: string | null;
  countryCodeV2?: string | null;
}

interface BulkCustomer {
  id: string;
  firstName?: string | null;
  locale?: string | null;
  defaultEmailAddress?: { emailAddress?: string | null } | null;
  defaultPhoneNumber?: { phoneNumber?: string | null } | null;
  defaultAddress?: BulkAddress | null;
}

interface BulkOrder {
  id: string;
  name?: string;
  email?: string | null;
  phone?: string | null;
  customerLocale?: string | null;
  checkoutToken?: string | null;
  test?: boolean;
  createdAt?: string;
  updatedAt?: string;
  cancelledAt?: string | null;
  statusPageUrl?: string | null;
  currencyCode?: string;
  totalPriceSet?: { shopMoney?: { amount?: string; currencyCode?: string } } | null;
  customAttributes?: { key: string; value: string | null }[] | null;
  customer?: BulkCustomer | null;
  shippingAddress?: BulkAddress | null;
  billingAddress?: BulkAddress | null;
}

export type LineOutcome = { kind: "order" | "customer" } | { kind: "child" } | { kind: "skipped"; reason: string };

const address = (a: BulkAddress | null | undefined) => (a ? { phone: a.phone ?? null, first_name: a.firstName ?? null, country_code: a.countryCodeV2 ?? null } : null);

/** The orders/* webhook fields the projection reads, from a bulk order line. */
export function orderPayloadFromBulk(o: BulkOrder): Record<string, unknown> {
  return {
    admin_graphql_api_id: o.id,
    name: o.name,
    email: o.email ?? null,
    phone: o.phone ?? null,
    customer_locale: o.customerLocale ?? null,
    checkout_token: o.checkoutToken ?? null,
    total_price: o.totalPriceSet?.shopMoney?.amount,
    currency: o.totalPriceSet?.shopMoney?.currencyCode ?? o.currencyCode,
    test: o.test ?? false,
    cancelled_at: o.cancelledAt ?? null,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    order_status_url: o.statusPageUrl ?? null,
    note_attributes: (o.customAttributes ?? []).map((a) => ({ name: a.key, value: a.value })),
    customer: o.customer
      ? {
          admin_graphql_api_id: o.customer.id,
          email: o.customer.defaultEmailAddress?.emailAddress ?? null,
          phone: o.customer.defaultPhoneNumber?.phoneNumber ?? null,
          first_name: o.customer.firstName ?? null,
        }
      : null,
    shipping_address: address(o.shippingAddress),
    billing_address: address(o.billingAddress),
  };
}

const gidTail = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

export async function projectBulkLine(tx: DbTx, shop: ShopContext, text: string): Promise<LineOutcome> {
  let node: unknown;
  try {
    node = JSON.parse(text);
  } catch {
    return { kind: "skipped", reason: "not a JSON line" };
  }
  if (!node || typeof node !== "object") return { kind: "skipped", reason: "not a JSON object" };
  // An object of a nested connection: the queries select none the projections need, so it is passed over.
  if ("__parentId" in node) return { kind: "child" };
  const id = (node as { id?: unknown }).id;
  if (typeof id !== "string") return { kind: "skipped", reason: "line without an id" };

  if (id.startsWith("gid://shopify/Order/")) {
    const parsed = orderPayload.safeParse(orderPayloadFromBulk(node as BulkOrder));
    if (!parsed.success) return { kind: "skipped", reason: `order not usable (${describeZodError(parsed.error)})` };
    const { stale } = await projectOrder(tx, shop, parsed.data);
    return stale ? { kind: "skipped", reason: "older than the order state a webhook brought; kept the newer one" } : { kind: "order" };
  }
  if (id.startsWith("gid://shopify/Customer/")) {
    const c = node as BulkCustomer;
    const phones = [c.defaultPhoneNumber?.phoneNumber, c.defaultAddress?.phone].filter((p): p is string => Boolean(p));
    await projectCustomerRecord(tx, shop, {
      shopifyCustomerId: gidTail(id),
      phones,
      email: c.defaultEmailAddress?.emailAddress ?? null,
      firstName: c.firstName ?? null,
      locale: c.locale ?? null,
    });
    return { kind: "customer" };
  }
  return { kind: "skipped", reason: `unexpected object ${id.slice(0, id.lastIndexOf("/"))}` };
}
