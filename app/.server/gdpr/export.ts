// customers/data_request: everything Momento holds about one customer, as one JSON document the
// merchant downloads (Subscribers page) and hands to the customer.
import type { Subject } from "./subject";

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface CustomerExport {
  kind: "momento.customer_data";
  version: 1;
  shop: string;
  requestId: string | null;
  generatedAt: string;
  request: { shopifyCustomerId: string | null; ordersRequested: string[] };
  customers: Record<string, unknown>[];
  orders: Record<string, unknown>[];
  checkouts: Record<string, unknown>[];
  consents: Record<string, unknown>[];
  messages: Record<string, unknown>[];
}

export function buildCustomerExport(shop: string, subject: Subject, meta: { requestId: string | null; ordersRequested: string[]; now: Date }): CustomerExport {
  return {
    kind: "momento.customer_data",
    version: 1,
    shop,
    requestId: meta.requestId,
    generatedAt: meta.now.toISOString(),
    request: { shopifyCustomerId: subject.customerId, ordersRequested: meta.ordersRequested },
    customers: subject.customers.map((c) => ({
      shopifyCustomerId: c.shopifyCustomerId,
      phone: c.phone,
      email: c.email,
      firstName: c.firstName,
      locale: c.locale,
      firstOrderAt: iso(c.firstOrderAt),
      lastOrderAt: iso(c.lastOrderAt),
    })),
    orders: subject.orders.map((o) => ({
      shopifyOrderId: o.shopifyOrderId,
      name: o.name,
      createdAt: iso(o.createdAt),
      phone: o.phone,
      locale: o.locale,
      totalPrice: o.totalPrice,
      currency: o.currency,
      cancelledAt: iso(o.cancelledAt),
      whatsAppOptInRequested: o.optInRequested,
    })),
    checkouts: subject.checkouts.map((c) => ({
      token: c.token,
      createdAt: iso(c.createdAt),
      completedAt: iso(c.completedAt),
      phone: c.phone,
      email: c.email,
      locale: c.locale,
      totalPrice: c.totalPrice,
      currency: c.currency,
    })),
    consents: subject.consents.map((c) => ({
      phone: c.phone,
      whatsAppUserId: c.waUserId,
      shopifyCustomerId: c.customerId,
      state: c.state,
      locale: c.locale,
      updatedAt: iso(c.updatedAt),
      // The full evidence trail: every transition with who, when and the proof kept.
      events: c.events.map((e) => ({ at: iso(e.at), from: e.fromState, to: e.toState, source: e.source, evidence: parseJson(e.evidence) })),
    })),
    messages: subject.messages.map((m) => ({
      flow: m.flow,
      category: m.category,
      template: m.template,
      language: m.language,
      to: m.to,
      status: m.status,
      statusReason: m.statusReason,
      createdAt: iso(m.createdAt),
      plannedFor: iso(m.plannedFor),
      sentAt: iso(m.sentAt),
      deliveredAt: iso(m.deliveredAt),
      readAt: iso(m.readAt),
      failedAt: iso(m.failedAt),
      clickedAt: iso(m.clickedAt),
    })),
  };
}
