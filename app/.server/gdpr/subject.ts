// Who a GDPR request is about, and every row Momento holds about them: matched by the Shopify customer
// id, the phone (normalized with the shop's country) and the email, then widened once by what those rows
// know (a customer row's phone finds its messages, a consent's WhatsApp user id finds messages to it).
import { z } from "zod";
import type { Checkout, Consent, ConsentEvent, Customer, Message, Order, Prisma } from "@prisma/client";
import type { DbTx } from "../db";
import { customerKey, normalizePhone } from "../identity";
import type { ShopContext } from "../ingest/projections";

// API-FACTS.md B1; ids are JSON numbers (exact below 2^53, which today's customer and order ids are).
const id = z.union([z.number(), z.string()]).transform(String);
export const customerRequestPayload = z.object({
  shop_id: z.union([z.number(), z.string()]).nullish(),
  shop_domain: z.string().nullish(),
  customer: z.object({ id: id.nullish(), email: z.string().nullish(), phone: z.string().nullish() }).nullish(),
  orders_requested: z.array(id).nullish(),
  orders_to_redact: z.array(id).nullish(),
  data_request: z.object({ id: id.nullish() }).passthrough().nullish(),
});
export type CustomerRequestPayload = z.output<typeof customerRequestPayload>;

export interface SubjectIdentity {
  customerId: string | null;
  email: string | null;
  phone: string | null;
  orderIds: string[];
}

export interface Subject {
  customerId: string | null;
  /** The key the request itself identifies (customer id, else phone, else email). */
  key: string | null;
  phones: Set<string>;
  /** Lower-cased. */
  emails: Set<string>;
  waUserIds: Set<string>;
  customerKeys: Set<string>;
  orderIds: Set<string>;
  customers: Customer[];
  orders: Order[];
  checkouts: Checkout[];
  consents: (Consent & { events: ConsentEvent[] })[];
  messages: Message[];
}

export function subjectIdentity(payload: CustomerRequestPayload, orderIds: string[] | null | undefined): SubjectIdentity {
  return { customerId: payload.customer?.id ?? null, email: payload.customer?.email ?? null, phone: payload.customer?.phone ?? null, orderIds: orderIds ?? [] };
}

const emailVariants = (emails: Iterable<string>) => [...emails].flatMap((e) => [e, e.toUpperCase(), e.charAt(0).toUpperCase() + e.slice(1)]);

export async function findSubject(tx: DbTx, shop: ShopContext, identity: SubjectIdentity): Promise<Subject> {
  const phone = normalizePhone(identity.phone, shop.country);
  const email = identity.email?.trim().toLowerCase() || null;
  const { customerId } = identity;
  const subject: Subject = {
    customerId,
    key: customerKey({ shopifyCustomerId: customerId, phone, email }),
    phones: new Set(phone ? [phone] : []),
    emails: new Set(email ? [email] : []),
    waUserIds: new Set(),
    customerKeys: new Set(
      [customerId ? `customer:${customerId}` : null, phone ? `phone:${phone}` : null, email ? `email:${email}` : null].filter((k): k is string => k !== null),
    ),
    orderIds: new Set(identity.orderIds),
    customers: [],
    orders: [],
    checkouts: [],
    consents: [],
    messages: [],
  };
  const where = { shop: shop.domain };

  // A row of another known Shopify customer is not theirs just because it shares a phone or an email.
  const contactMatch: Prisma.CustomerWhereInput[] = [
    ...(phone ? [{ phone }] : []),
    ...(email ? [{ email: { in: [identity.email!.trim(), ...emailVariants([email])] } }] : []),
  ];
  subject.customers = await tx.customer.findMany({
    where: {
      ...where,
      OR: [
        ...(customerId ? [{ shopifyCustomerId: customerId }] : []),
        { key: { in: [...subject.customerKeys] } },
        ...(contactMatch.length ? [{ AND: [{ OR: contactMatch }, { OR: [{ shopifyCustomerId: null }, ...(customerId ? [{ shopifyCustomerId: customerId }] : [])] }] }] : []),
      ],
    },
  });
  for (const c of subject.customers) {
    subject.customerKeys.add(c.key);
    if (c.phone) subject.phones.add(c.phone);
    if (c.email) subject.emails.add(c.email.toLowerCase());
  }

  const phones = [...subject.phones];
  const keys = [...subject.customerKeys];
  subject.orders = await tx.order.findMany({
    where: { ...where, OR: [{ shopifyOrderId: { in: [...subject.orderIds] } }, { customerKey: { in: keys } }, ...(phones.length ? [{ phone: { in: phones } }] : [])] },
    orderBy: { createdAt: "asc" },
  });
  for (const o of subject.orders) {
    subject.orderIds.add(o.shopifyOrderId);
    if (o.phone) subject.phones.add(o.phone);
  }
  subject.checkouts = await tx.checkout.findMany({
    where: {
      ...where,
      OR: [{ customerKey: { in: keys } }, { phone: { in: [...subject.phones] } }, ...(subject.emails.size ? [{ email: { in: emailVariants(subject.emails) } }] : [])],
    },
    orderBy: { createdAt: "asc" },
  });
  subject.consents = await tx.consent.findMany({
    where: { ...where, OR: [...(customerId ? [{ customerId }] : []), { phone: { in: [...subject.phones] } }] },
    include: { events: { orderBy: { id: "asc" } } },
    orderBy: { updatedAt: "asc" },
  });
  for (const c of subject.consents) {
    if (c.phone) subject.phones.add(c.phone);
    if (c.waUserId) subject.waUserIds.add(c.waUserId);
  }
  subject.messages = await tx.message.findMany({
    where: {
      ...where,
      OR: [{ to: { in: [...subject.phones] } }, { customerKey: { in: [...subject.customerKeys] } }, ...(subject.waUserIds.size ? [{ waUserId: { in: [...subject.waUserIds] } }] : [])],
    },
    orderBy: { createdAt: "asc" },
  });
  return subject;
}
