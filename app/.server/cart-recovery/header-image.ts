// Step 1's header image looked up at send time (docs/decisions/011): Shopify's checkout webhooks carry no image, so
// a reminder mapped to a template with an IMAGE header is planned with the header-less suggested template, and here,
// right before the call and outside any webhook transaction, the cart's first variant's image is asked of the Admin
// API (cached per shop and variant). Found: the mapped template goes out with it. Shopify has none: the header-less
// template goes out, and the timeline says why. Throttled or down: the send waits and tries again, a bounded number
// of times, then the header-less template goes out all the same — a reminder is not held back for a picture.
import type { Message } from "@prisma/client";
import { firstVariantId, parseCartItems } from "../automations/cart-recovery";
import type { PrepareResult } from "../outbox/dispatch";
import { mappedTemplate } from "../settings/flows";
import { readSettings } from "../settings/store";
import { resolveVariantImage, type AdminLookupDeps } from "../shopify-admin/variant-image";
import { headerComponent, withHeader } from "../templates/media-header";
import { loadShopTemplates } from "../templates/whatsapp-templates";
import type { TemplateComponent } from "../whatsapp/types";

/** Lookups per message before the header-less template goes out without waiting any longer. */
export const MAX_VARIANT_IMAGE_TRIES = 3;
const RETRY_MS = 60_000;
const RETRY_REASON = "variant_image_retry";

/**
 * What to send instead of the planned header-less step 1, or null to send it as planned (no image template mapped,
 * a header there already, no variant to look up). `message.language` is the gate's.
 */
export async function variantImageHeader(deps: AdminLookupDeps, message: Message, components: TemplateComponent[], now: Date): Promise<PrepareResult | null> {
  const { db } = deps;
  if (components.some((c) => c.type === "header")) return null;
  const settings = await readSettings(db, message.shop);
  const flow = settings.flows.cart_recovery;
  if (!flow.template) return null;
  const mapped = mappedTemplate("cart_recovery", message.template, message.language, flow, (await loadShopTemplates(db, message.shop)).templates);
  if (mapped?.header !== "IMAGE") return null;
  const checkout = message.checkoutToken
    ? await db.checkout.findUnique({ where: { shop_token: { shop: message.shop, token: message.checkoutToken } }, select: { lineItems: true } })
    : null;
  const variantId = firstVariantId(parseCartItems(checkout?.lineItems ?? null));
  if (!variantId) return null;

  const plain = (reason: string, detail: string): PrepareResult => ({ action: "send", note: { reason, detail: `${mapped.name} needs a header image: ${detail}; ${message.template} goes out without one.` } });
  const outcome = await resolveVariantImage(deps, message.shop, variantId, now);
  switch (outcome.status) {
    case "image": {
      const header = headerComponent(mapped, { image: outcome.url });
      if (!header.ok) return plain("variant_image_unusable", "the image Shopify has for the cart's first variant is not a public https URL");
      return {
        action: "send",
        template: mapped.name,
        components: withHeader(components, header.component),
        parameters: mapped.parameters,
        note: { reason: "variant_image", detail: `The image of the cart's first variant, looked up at Shopify, goes in the header of ${mapped.name}.` },
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
      return { action: "defer", until, reason: RETRY_REASON, detail: `The cart's first variant's image could not be looked up at Shopify yet (${outcome.reason}; try ${tries} of ${MAX_VARIANT_IMAGE_TRIES}).` };
    }
  }
}
