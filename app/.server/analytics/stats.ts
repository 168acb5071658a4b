// The one stats function: every figure on screen, in exports and in the stats/replay JSON comes from
// here, exactly as defined in METRICS.md. Sections of METRICS.md whose flows are not built yet
// (retention) are added together with those flows.
import type { DbTx } from "../db";
import type { Flow } from "../automations/types";
import { cartRecoveryFigures, type CartRecoveryStats } from "../cart-recovery/figures";

export const MESSAGE_BUCKETS = ["sent", "delivered", "read", "failed", "skipped", "cancelled", "scheduled"] as const;
export type MessageBucket = (typeof MESSAGE_BUCKETS)[number];
export type MessageCounts = Record<MessageBucket, number>;

/** A message counts by its latest status. SENDING is still in flight: not yet accepted, so "scheduled". */
const BUCKET_OF_STATUS: Record<string, MessageBucket> = {
  SCHEDULED: "scheduled",
  SENDING: "scheduled",
  SENT: "sent",
  DELIVERED: "delivered",
  READ: "read",
  FAILED: "failed",
  SKIPPED: "skipped",
  CANCELLED: "cancelled",
};

export interface Stats {
  shop: string;
  from: string;
  to: string;
  messages: { total: MessageCounts; byFlow: Partial<Record<Flow, MessageCounts>> };
  consent: { requested: number; confirmed: number; revoked: number; confirmationRate: number };
  cartRecovery: CartRecoveryStats;
}

export interface StatsPeriod {
  shop: string;
  /** Instants bounding P = [from, to); callers turn the shop's local dates into these. */
  from: Date;
  to: Date;
  /** How from/to are printed (the shop's local dates). */
  label: { from: string; to: string };
}

function emptyCounts(): MessageCounts {
  return { sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, cancelled: 0, scheduled: 0 };
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export async function computeStats(db: DbTx, period: StatsPeriod): Promise<Stats> {
  const { shop, from, to } = period;
  const inPeriod = { gte: from, lt: to };

  // Test orders are excluded everywhere (METRICS.md), and so are the messages about them.
  const testOrders = await db.order.findMany({ where: { shop, test: true }, select: { id: true } });
  const grouped = await db.message.groupBy({
    by: ["flow", "status"],
    // (orderId NOT IN (…) is NULL, not true, for messages without an order: keep those explicitly.)
    where: { shop, createdAt: inPeriod, OR: [{ orderId: null }, { orderId: { notIn: testOrders.map((o) => o.id) } }] },
    _count: { _all: true },
  });
  const total = emptyCounts();
  const byFlow: Partial<Record<Flow, MessageCounts>> = {};
  for (const row of grouped) {
    const bucket = BUCKET_OF_STATUS[row.status];
    if (!bucket) continue;
    const flow = (byFlow[row.flow as Flow] ??= emptyCounts());
    flow[bucket] += row._count._all;
    total[bucket] += row._count._all;
  }

  const transitions = await db.consentEvent.groupBy({ by: ["toState"], where: { shop, at: inPeriod }, _count: { _all: true } });
  const transitionCount = (state: string) => transitions.find((t) => t.toState === state)?._count._all ?? 0;
  const requestedInP = await db.consentEvent.findMany({ where: { shop, toState: "REQUESTED", at: inPeriod }, select: { consentId: true } });
  const requestedIds = [...new Set(requestedInP.map((e) => e.consentId))];
  const confirmedByTo = requestedIds.length
    ? (await db.consentEvent.findMany({ where: { shop, toState: "CONFIRMED", at: { lt: to }, consentId: { in: requestedIds } }, select: { consentId: true }, distinct: ["consentId"] })).length
    : 0;

  return {
    shop,
    from: period.label.from,
    to: period.label.to,
    messages: { total, byFlow },
    consent: {
      requested: transitionCount("REQUESTED"),
      confirmed: transitionCount("CONFIRMED"),
      revoked: transitionCount("REVOKED"),
      confirmationRate: ratio(confirmedByTo, requestedIds.length),
    },
    cartRecovery: (await cartRecoveryFigures(db, { shop, from, to })).stats,
  };
}
