// The send-time half of a mapped template's IMAGE header (docs/decisions/011). Shopify's checkout and order webhooks
// carry variant ids, no images, so a message mapped to a template with an IMAGE header is planned with the flow's
// header-less suggested template (settings/flows.ts), and here, right before the call and outside any webhook
// transaction, the first item's variant image is asked of the Admin API (cached per shop and variant). Found: the
// mapped template goes out with it. Shopify has none: the header-less template goes out, and the timeline says why.
// Throttled or down: the send waits and tries again, a bounded number of times, then the header-less template goes
// out all the same — a cart reminder or an order confirmation is not held back for a picture.
import type { Message } from "@prisma/client";
import type { PrepareResult } from "../outbox/dispatch";
import type { SendFacts } from "../outbox/gate";
import { resolveVariantImage, type AdminLookupDeps } from "../shopify-admin/variant-image";
import { headerComponent, withHeader } from "../templates/media-header";
import { loadShopTemplates } from "../templates/whatsapp-templates";
import type { TemplateComponent } from "../whatsapp/types";
import { mappedTemplate } from "./flows";
import { FLOW_IDS, type FlowId } from "./schema";

/** Lookups per message before the header-less template goes out without waiting any longer. */
export const MAX_VARIANT_IMAGE_TRIES = 3;
const RETRY_MS = 60_000;
const RETRY_REASON = "variant_image_retry";

/**
 * What to send instead of the planned header-less template, or null to send it as planned (no IMAGE template mapped
 * that stands in for it, a header there already). The flow's mapping comes with the send's facts (the shop's settings
 * as the gate read them): without one nothing is read here. The synced templates are read only when there is a
 * mapping, `variantId` only when a lookup is due; `message.language` is the gate's.
 */
export async function variantImageHeader(
  deps: AdminLookupDeps,
  message: Message,
  components: TemplateComponent[],
  variantId: () => Promise<string | null>,
  now: Date,
  facts: Pick<SendFacts, "flowTemplate">,
): Promise<PrepareResult | null> {
  const { db } = deps;
  if (!facts.flowTemplate || !(FLOW_IDS as readonly string[]).includes(message.flow) || components.some((c) => c.type === "header")) return null;
  const flowId = message.flow as FlowId;
  const mapped = mappedTemplate(flowId, message.template, message.language, { template: facts.flowTemplate }, (await loadShopTemplates(db, message.shop)).templates);
  if (mapped?.header !== "IMAGE") return null;
  const variant = await variantId();
  if (!variant) return null;

  const plain = (reason: string, detail: string): PrepareResult => ({ action: "send", note: { reason, detail: `${mapped.name} needs a header image: ${detail}; ${message.template} goes out without one.` } });
  const outcome = await resolveVariantImage(deps, message.shop, variant, now);
  switch (outcome.status) {
    case "image": {
      const header = headerComponent(mapped, { image: outcome.url });
      if (!header.ok) return plain("variant_image_unusable", "the image Shopify has for the first item's variant is not a public https URL");
      return {
        action: "send",
        template: mapped.name,
        components: withHeader(components, header.component),
        parameters: mapped.parameters,
        note: { reason: "variant_image", detail: `The image of the first item's variant, looked up at Shopify, goes in the header of ${mapped.name}.` },
      };
    }
    case "none":
      return plain("variant_image_missing", outcome.reason);
    case "failed":
      return plain("variant_image_unavailable", `the variant's image could not be looked up at Shopify (${outcome.reason})`);
    case "retry": {
      const tries = 1 + (await db.messageEvent.count({ where: { messageId: message.id, reason: { startsWith: `${RETRY_REASON}:` } } }));
      if (tries >= MAX_VARIANT_IMAGE_TRIES) {
        return plain("variant_image_unavailable", `the variant's image could not be looked up at Shopify in ${tries} tries (last: ${outcome.reason})`);
      }
      const until = new Date(now.getTime() + (outcome.retryAfterMs ?? RETRY_MS * 2 ** (tries - 1)));
      return { action: "defer", until, reason: RETRY_REASON, detail: `The first item's variant image could not be looked up at Shopify yet (${outcome.reason}; try ${tries} of ${MAX_VARIANT_IMAGE_TRIES}).` };
    }
  }
}
