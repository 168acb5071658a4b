import { randomUUID } from "node:crypto";
import type { DbTx } from "../db";
import type { MessagePlan } from "../automations/types";
import type { TemplateComponent } from "../whatsapp/types";
import { applyFlowSettings } from "../settings/flows";
import { rollupMessagesCreated } from "../analytics/rollups";

const SKIP_SENTENCES: Record<string, string> = {
  no_phone: "The order has no phone number to reach the shopper on WhatsApp.",
  invalid_phone: "The phone number on the order is not a valid number.",
  flow_off: "The merchant switched this flow off in Automations.",
  header_media_missing: "The template's header needs an image or video this message does not have.",
};

export function newMessageId(): string {
  return randomUUID().replace(/-/g, "");
}

/**
 * Writes planned messages into the outbox (SCHEDULED, or SKIPPED with the reason known at planning).
 * A plan whose dedupeKey exists already is left alone: that is what makes duplicate webhooks harmless.
 */
export async function enqueuePlans(tx: DbTx, shop: string, planned: MessagePlan[], now: Date): Promise<number> {
  let created = 0;
  if (planned.length === 0) return 0;
  // The merchant's Automations settings: flows switched off, delays, template mapping.
  const plans = await applyFlowSettings(tx, shop, planned);
  for (const plan of plans) {
    const existing = await tx.message.findUnique({ where: { shop_dedupeKey: { shop, dedupeKey: plan.dedupeKey } }, select: { id: true } });
    if (existing) continue;
    const id = newMessageId();
    const components: TemplateComponent[] = plan.linkUrl
      ? [...plan.components, { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: id }] }]
      : plan.components;
    const status = plan.skipReason ? "SKIPPED" : "SCHEDULED";
    await tx.message.create({
      data: {
        id,
        shop,
        flow: plan.flow,
        dedupeKey: plan.dedupeKey,
        to: plan.to,
        waUserId: plan.waUserId ?? null,
        customerKey: plan.customerKey,
        category: plan.category,
        template: plan.template,
        language: plan.language,
        components: JSON.stringify(components),
        text: plan.text ?? null,
        orderId: plan.orderId ?? null,
        checkoutToken: plan.checkoutToken ?? null,
        linkUrl: plan.linkUrl ?? null,
        status,
        statusReason: plan.skipReason ?? null,
        sendAfter: plan.sendAfter,
        plannedFor: plan.sendAfter,
        createdAt: now,
        events: {
          create: {
            status,
            reason: `${plan.skipReason ? `${plan.skipReason}: ${SKIP_SENTENCES[plan.skipReason] ?? "skipped when planned"}` : `planned for ${plan.sendAfter.toISOString()}`}${plan.planNote ? ` (${plan.planNote})` : ""}`,
            source: "planner",
            at: now,
          },
        },
      },
      select: { id: true },
    });
    await rollupMessagesCreated(tx, [{ shop, flow: plan.flow, createdAt: now, orderId: plan.orderId ?? null, to: plan.to, category: plan.category, status }]);
    created += 1;
  }
  return created;
}
