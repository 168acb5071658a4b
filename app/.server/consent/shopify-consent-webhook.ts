// customers_whats_app_marketing_consent/update: a change made in Shopify (the merchant's admin, another
// app, our own write-back coming back) flows into our state — without ever looping back:
// - UNSUBSCRIBED revokes with writeBack false, so no ShopifySync row is queued for it;
// - SUBSCRIBED never confirms by itself (see below), and is a no-op for a CONFIRMED consent, which is
//   exactly what the echo of our own CONFIRMED write-back looks like;
// - a change not newer than our last transition is ignored (webhooks come late and out of order, and
//   our write-back sends our transition time as updatedAt, so its echo is never newer).
import { z } from "zod";
import type { Consent } from "@prisma/client";
import type { DbTx } from "../db";
import { normalizePhone } from "../identity";
import type { TopicHandler } from "../ingest/receive-shopify-event";
import type { ShopContext } from "../ingest/projections";
import { requestConsent, revokeConsent } from "./lifecycle";
import { findConsent } from "./state";

// Payload per API-FACTS.md B1 and tests/fixtures/shopify/customers_whats_app_marketing_consent_update.json.
// customer_id is a JSON number: exact for today's customer ids (< 2^53), not for Shopify's 18-digit sample id.
const payloadSchema = z.object({
  customer_id: z.union([z.number(), z.string()]).nullish(),
  phone_number: z.string().nullish(),
  whats_app_marketing_consent: z
    .object({
      state: z.string().nullish(),
      opt_in_level: z.string().nullish(),
      updated_at: z.string().nullish(),
      collected_from: z.string().nullish(),
    })
    .nullish(),
});

export const handleWhatsAppConsentUpdate: TopicHandler = async (tx, shop, event, now) => {
  const parsed = payloadSchema.safeParse(event.payload);
  if (!parsed.success) return { plans: [], note: "skipped: payload is not a WhatsApp consent update" };
  const { customer_id, phone_number, whats_app_marketing_consent: consentPayload } = parsed.data;
  const state = consentPayload?.state?.toUpperCase() ?? null;
  const customerId = customer_id == null ? null : String(customer_id);

  const recipient = await findRecipient(tx, shop, phone_number ?? null, customerId);
  if (!recipient) {
    return { plans: [], note: phone_number ? "skipped: the phone number does not parse" : "skipped: no phone number, and no consent or number known for the customer" };
  }
  const { phone, existing } = recipient;

  const changedAt = parseDate(consentPayload?.updated_at) ?? event.triggeredAt ?? null;
  if (existing && changedAt && changedAt.getTime() <= existing.updatedAt.getTime()) {
    return { plans: [], note: `ignored: Shopify's ${state ?? "change"} is not newer than our last consent change (an echo of our write-back or out of order)` };
  }
  const evidence = {
    shopify: {
      state,
      optInLevel: consentPayload?.opt_in_level ?? null,
      collectedFrom: consentPayload?.collected_from ?? null,
      updatedAt: consentPayload?.updated_at ?? null,
      webhookId: event.webhookId,
    },
    customerId,
  };

  if (state === "UNSUBSCRIBED") {
    if (existing?.state !== "REQUESTED" && existing?.state !== "CONFIRMED") {
      await keepCustomerId(tx, existing, customerId);
      return { plans: [], note: `no change: consent is ${existing?.state ?? "unknown"} here` };
    }
    const plans = await revokeConsent(tx, { shop: shop.domain, phone, waUserId: existing.waUserId, source: "shopify", writeBack: false, evidence }, now);
    await keepCustomerId(tx, existing, customerId);
    return { plans, note: "revoked: unsubscribed in Shopify" };
  }

  if (state === "SUBSCRIBED") {
    if (existing?.state === "CONFIRMED") {
      await keepCustomerId(tx, existing, customerId);
      return { plans: [], note: "no change: already confirmed" };
    }
    // Shopify's SUBSCRIBED is not proof of a WhatsApp opt-in by the shopper (it may have been set by the
    // merchant or another app, and says nothing about this channel's confirmation). The proof we keep is
    // our own double opt-in answered on WhatsApp itself (BGH I ZR 164/09, API-FACTS.md A7): request it.
    const locale = existing?.locale ?? (await customerLocale(tx, shop.domain, phone, customerId));
    const plans = await requestConsent(tx, { shop: shop.domain, phone, waUserId: existing?.waUserId ?? null, source: "shopify", customerId, locale, evidence }, now);
    return { plans, note: plans.length > 0 ? "requested: subscribed in Shopify; double opt-in on WhatsApp planned" : "requested: subscribed in Shopify" };
  }

  await keepCustomerId(tx, existing, customerId);
  return { plans: [], note: `no change for Shopify state ${state ?? "null"}` };
};

async function findRecipient(tx: DbTx, shop: ShopContext, rawPhone: string | null, customerId: string | null): Promise<{ phone: string; existing: Consent | null } | null> {
  const phone = normalizePhone(rawPhone, shop.country);
  if (phone) return { phone, existing: await findConsent(tx, shop.domain, { phone }) };
  if (rawPhone || !customerId) return null;
  // No phone in the payload (e.g. the number was removed): the consent we hold for this customer, else their known number.
  const byCustomer = await tx.consent.findFirst({ where: { shop: shop.domain, customerId, phone: { not: null } }, orderBy: { updatedAt: "desc" } });
  if (byCustomer?.phone) return { phone: byCustomer.phone, existing: byCustomer };
  const customer = await tx.customer.findFirst({ where: { shop: shop.domain, shopifyCustomerId: customerId, phone: { not: null } } });
  if (!customer?.phone) return null;
  return { phone: customer.phone, existing: await findConsent(tx, shop.domain, { phone: customer.phone }) };
}

async function keepCustomerId(tx: DbTx, consent: Consent | null, customerId: string | null): Promise<void> {
  if (consent && customerId && consent.customerId !== customerId) await tx.consent.update({ where: { id: consent.id }, data: { customerId } });
}

async function customerLocale(tx: DbTx, shop: string, phone: string, customerId: string | null): Promise<string | null> {
  const customer = await tx.customer.findFirst({
    where: { shop, OR: [{ phone }, ...(customerId ? [{ shopifyCustomerId: customerId }] : [])], locale: { not: null } },
    orderBy: { updatedAt: "desc" },
  });
  return customer?.locale ?? null;
}

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
