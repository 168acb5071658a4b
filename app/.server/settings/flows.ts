// The merchant's Automations settings applied to planned messages, at the one place every plan passes
// (enqueuePlans): a flow that is switched off plans a SKIPPED message with reason `flow_off` (so the
// message log says why nothing went out), a flow's delay moves its send time, and a mapped template
// replaces the suggested one where it fits in the message's language.
import type { MessagePlan } from "../automations/types";
import type { DbTx } from "../db";
import { templateFits } from "./form";
import { loadShopTemplates } from "../templates/whatsapp-templates";
import { DELAYED_FLOWS, FLOW_IDS, type FlowId, type ShopSettings, type SyncedTemplate } from "./schema";
import { readSettings } from "./store";

export const FLOW_OFF = "flow_off";

const isKnownFlow = (flow: string): flow is FlowId => (FLOW_IDS as readonly string[]).includes(flow);

export function applyFlowSettingsTo(plans: MessagePlan[], settings: Pick<ShopSettings, "flows">, synced: readonly SyncedTemplate[]): MessagePlan[] {
  return plans.map((plan) => {
    if (!isKnownFlow(plan.flow) || plan.skipReason) return plan;
    const flow = settings.flows[plan.flow];
    if (!flow.enabled) return { ...plan, skipReason: FLOW_OFF };
    let next = plan;
    if (DELAYED_FLOWS.includes(plan.flow) && flow.delayMinutes > 0) {
      next = { ...next, sendAfter: new Date(plan.sendAfter.getTime() + flow.delayMinutes * 60_000) };
    }
    if (flow.template) {
      const mapped = synced.find((t) => t.name === flow.template && t.language === plan.language && t.status === "APPROVED");
      const suggested = synced.find((t) => t.name === plan.template && t.language === plan.language);
      // Without the suggested template's shape to compare with, the mapping cannot be proven to fit.
      if (mapped && suggested && templateFits(mapped, suggested)) next = { ...next, template: mapped.name };
    }
    return next;
  });
}

export async function applyFlowSettings(tx: DbTx, shop: string, plans: MessagePlan[]): Promise<MessagePlan[]> {
  if (!plans.some((p) => isKnownFlow(p.flow))) return plans;
  const settings = await readSettings(tx, shop);
  // The synced templates are read only when a flow of these plans is mapped to one.
  const mapped = plans.some((p) => isKnownFlow(p.flow) && settings.flows[p.flow].template !== null);
  return applyFlowSettingsTo(plans, settings, mapped ? (await loadShopTemplates(tx, shop)).templates : []);
}
