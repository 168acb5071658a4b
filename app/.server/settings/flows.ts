// The merchant's Automations settings applied to planned messages, at the one place every plan passes
// (enqueuePlans): a flow that is switched off plans a SKIPPED message with reason `flow_off` (so the
// message log says why nothing went out), a flow's delay moves its send time, a mapped template
// replaces the suggested one where it fits in the message's language, and the header parameter the chosen
// template's header needs is added (templates/media-header.ts).
import type { MessagePlan } from "../automations/types";
import type { DbTx } from "../db";
import { templateFits } from "./form";
import { loadShopTemplates } from "../templates/whatsapp-templates";
import { catalogueShape, TEMPLATE_NAMES } from "../templates/catalogue";
import { headerComponent, withHeader, type HeaderMedia } from "../templates/media-header";
import { DELAYED_FLOWS, FLOW_IDS, type FlowId, type FlowSettings, type ShopSettings, type SyncedTemplate } from "./schema";
import { readSettings } from "./store";

export const FLOW_OFF = "flow_off";
export const HEADER_MEDIA_MISSING = "header_media_missing";

/** Momento's suggested template per flow: the one a merchant's mapped template stands in for. */
export const SUGGESTED_TEMPLATE: Partial<Record<FlowId, string>> = {
  order_confirmation: TEMPLATE_NAMES.orderConfirmation,
  opt_in_confirmation: TEMPLATE_NAMES.optInConfirmation,
  cart_recovery: TEMPLATE_NAMES.cartRecovery1,
  shipping_update: TEMPLATE_NAMES.shippingUpdate,
  feedback: TEMPLATE_NAMES.feedback,
  back_in_stock: TEMPLATE_NAMES.backInStock,
  win_back: TEMPLATE_NAMES.winBack,
  loyalty: TEMPLATE_NAMES.loyaltyThanks,
};

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
    const mapped = mappedTemplate(plan.flow, plan.template, plan.language, flow, synced);
    if (mapped) next = { ...next, template: mapped.name };
    return withTemplateHeader(next, plan.template, { ...plan.media, video: flow.headerVideoUrl }, synced);
  });
}

/** The merchant's mapped template where it stands in for `template` in `language`: approved there, and fitting. */
export function mappedTemplate(flowId: FlowId, template: string, language: string, flow: Pick<FlowSettings, "template">, synced: readonly SyncedTemplate[]): SyncedTemplate | null {
  // The mapping stands in for the flow's suggested template only (cart recovery: step 1; not the no-link shipping update).
  if (!flow.template || template !== SUGGESTED_TEMPLATE[flowId]) return null;
  const mapped = synced.find((t) => t.name === flow.template && t.language === language && t.status === "APPROVED");
  const suggested = synced.find((t) => t.name === template && t.language === language);
  // Without the suggested template's shape to compare with, the mapping cannot be proven to fit.
  return mapped && suggested && templateFits(mapped, suggested) ? mapped : null;
}

/**
 * The header for the template the plan goes out with. When that template needs media the message lacks (a cart
 * without an image, no video URL set), the flow's suggested header-less template (`suggested`, the planner's
 * choice) goes out instead; when even that one cannot, the message is skipped (decision 011).
 */
function withTemplateHeader(plan: MessagePlan, suggested: string, media: HeaderMedia, synced: readonly SyncedTemplate[]): MessagePlan {
  const shape = (name: string) =>
    synced.find((t) => t.name === name && t.language === plan.language) ?? catalogueShape(name, plan.language) ?? { header: "none" as const };
  const header = headerComponent(shape(plan.template), media);
  if (header.ok) return { ...plan, components: withHeader(plan.components, header.component) };
  const why = `${plan.template} needs a header ${header.missing} this message does not have`;
  if (plan.template !== suggested) {
    const fallback = headerComponent(shape(suggested), media);
    // A known variant: the send path looks its image up at Shopify and, if there is one, sends the mapped template after all.
    const then = media.variantId && header.missing === "image" ? `; planned with ${suggested} until the variant's image is looked up at Shopify right before the send` : `; sent with ${suggested} instead`;
    if (fallback.ok) return { ...plan, template: suggested, components: withHeader(plan.components, fallback.component), planNote: `${why}${then}` };
  }
  return { ...plan, skipReason: HEADER_MEDIA_MISSING, planNote: why };
}

export async function applyFlowSettings(tx: DbTx, shop: string, plans: MessagePlan[]): Promise<MessagePlan[]> {
  if (!plans.some((p) => isKnownFlow(p.flow))) return plans;
  const settings = await readSettings(tx, shop);
  // The synced templates are read only when a flow of these plans is mapped to one.
  const mapped = plans.some((p) => isKnownFlow(p.flow) && settings.flows[p.flow].template !== null);
  return applyFlowSettingsTo(plans, settings, mapped ? (await loadShopTemplates(tx, shop)).templates : []);
}
