// The fields Momento reads from Shopify webhook payloads (API-FACTS.md B1), validated with zod.
// Payload ids are 64-bit and lose precision as JSON numbers, so ids come from admin_graphql_api_id.
import { z } from "zod";
import { httpsUrl } from "../templates/media-header";

const gidTail = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);
const nullableString = z.string().nullish().transform((v) => v ?? null);
const timestamp = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

const address = z.object({ phone: nullableString, country_code: nullableString, first_name: nullableString }).passthrough().nullish();
const noteAttributes = z
  .array(z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).nullish() }))
  .nullish()
  .transform((list) => Object.fromEntries((list ?? []).map((a) => [a.name, a.value == null ? "" : String(a.value)])));
const customer = z
  .object({
    admin_graphql_api_id: z.string().optional(),
    email: nullableString,
    phone: nullableString,
    first_name: nullableString,
    default_address: address,
  })
  .passthrough()
  .nullish();

// `image_url` is in the line items of Shopify's older Checkout resource, not in the 2026-07 checkouts/orders webhook
// samples (fixtures/shopify): read when a payload carries it. Without it the send path of cart recovery and the order
// confirmation looks the first item's variant image up at Shopify (decision 011), hence `variantId`.
// Variant ids are far below 2^53, so the JSON number is exact; anything else is dropped.
const variantIdOf = (v: unknown): string | null =>
  typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === "string" && /^\d{1,20}$/.test(v) ? v : null;
const lineItems = z
  .array(z.object({ title: nullableString, presentment_title: nullableString, quantity: z.number().nullish(), image_url: z.unknown().optional(), variant_id: z.unknown().optional() }).passthrough())
  .nullish()
  .transform((items) =>
    (items ?? []).map((i) => ({
      title: i.presentment_title ?? i.title ?? "",
      quantity: i.quantity ?? 1,
      imageUrl: httpsUrl(typeof i.image_url === "string" ? i.image_url : null),
      variantId: variantIdOf(i.variant_id),
    })),
  );

export const orderPayload = z
  .object({
    admin_graphql_api_id: z.string().startsWith("gid://shopify/Order/"),
    name: z.string(),
    email: nullableString,
    phone: nullableString,
    customer_locale: nullableString,
    checkout_token: nullableString,
    total_price: z.string(),
    currency: z.string(),
    test: z.boolean().default(false),
    cancelled_at: timestamp.nullish(),
    financial_status: nullableString,
    created_at: timestamp,
    updated_at: timestamp,
    order_status_url: nullableString,
    line_items: lineItems,
    note_attributes: noteAttributes,
    customer,
    shipping_address: address,
    billing_address: address,
  })
  .passthrough()
  .transform((o) => ({ ...o, shopifyOrderId: gidTail(o.admin_graphql_api_id), shopifyCustomerId: o.customer?.admin_graphql_api_id ? gidTail(o.customer.admin_graphql_api_id) : null }));
export type OrderPayload = z.output<typeof orderPayload>;

export const checkoutPayload = z
  .object({
    token: z.string().min(1),
    cart_token: nullableString,
    email: nullableString,
    phone: nullableString,
    sms_marketing_phone: nullableString,
    customer_locale: nullableString,
    total_price: z.string().nullish(),
    presentment_currency: nullableString,
    currency: nullableString,
    abandoned_checkout_url: nullableString,
    completed_at: timestamp.nullish(),
    // checkouts/delete names a checkout by its numeric id only; the create/update samples carry it as `id` or in `name` ("#<id>").
    id: z.union([z.number(), z.string()]).nullish(),
    name: nullableString,
    line_items: lineItems,
    created_at: timestamp,
    updated_at: timestamp,
    note_attributes: noteAttributes,
    customer,
    shipping_address: address,
    billing_address: address,
  })
  .passthrough()
  .transform((c) => ({ ...c, shopifyCustomerId: c.customer?.admin_graphql_api_id ? gidTail(c.customer.admin_graphql_api_id) : null }));
export type CheckoutPayload = z.output<typeof checkoutPayload>;

/**
 * Shopify's numeric checkout id, as a JSON number carries it: ids above 2^53 arrive rounded to a double in
 * every payload alike, so the rounded form is what create/update and delete can be matched on.
 */
export function checkoutIdKey(id: number | string | null | undefined, name?: string | null): string | null {
  const raw = id ?? (name && /^#\d+$/.test(name) ? name.slice(1) : null);
  if (raw === null || raw === undefined || raw === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) ? String(value) : null;
}

export const checkoutDeletePayload = z
  .object({ id: z.union([z.number(), z.string()]), cart_token: nullableString })
  .passthrough();

/** Attributes the checkout extension writes; they reappear as note_attributes on checkouts and orders. */
export const OPT_IN_ATTRIBUTE = "_momento_whatsapp_opt_in";
export const OPT_IN_PHONE_ATTRIBUTE = "_momento_whatsapp_phone";

/** The WhatsApp number for a buyer: the one given at the opt-in, else the order's, customer's or an address's. */
export function buyerPhoneCandidates(p: Pick<OrderPayload, "phone" | "customer" | "shipping_address" | "billing_address" | "note_attributes">): string[] {
  return [
    p.note_attributes[OPT_IN_PHONE_ATTRIBUTE],
    p.phone,
    p.customer?.phone,
    p.shipping_address?.phone,
    p.billing_address?.phone,
  ].filter((v): v is string => Boolean(v));
}

/** A readable one-line summary of why a payload was refused (no values, only paths). */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
    .join("; ");
}
