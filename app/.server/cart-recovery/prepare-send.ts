// The last step before a cart reminder goes to Meta (outbox/dispatch.ts prepareSend): check once more that
// the checkout is still open, look step 1's header image up when its mapped template needs one the webhook did not
// carry (settings/header-image.ts), create step 2's discount code if the merchant wants one and the discount template
// can be sent (approved, or its language fallback; else plain step 2 and no code), and hand dispatch a
// re-check it runs as its very last database read before the call. What is left is the time between that
// read and Meta accepting the message (one HTTP call), plus whatever Shopify has not told us yet
// (see tests/cart-recovery/race.test.ts).
import type { Message } from "@prisma/client";
import { discountComponents, parseCartItems, stepOfDedupeKey } from "../automations/cart-recovery";
import { firstVariantId } from "../templates/media-header";
import type { PrepareResult, PrepareSend } from "../outbox/dispatch";
import { CART_RECOVERY_FLOW, syncedParameterCount, templateCheck, type SendFacts } from "../outbox/gate";
import { TEMPLATE_NAMES, templateLanguage } from "../templates/catalogue";
import { loadTemplateApproval } from "../templates/whatsapp-templates";
import type { TemplateComponent } from "../whatsapp/types";
import { ensureDiscountCode, type DiscountDeps } from "./discount";
import { variantImageHeader } from "../settings/header-image";
import { timeZoneOf } from "../settings/store";
import { checkoutClosed } from "./send-facts";
import { cartRecoverySettings } from "./settings";

const CLOSED: Record<string, PrepareResult> = {
  order_placed: { action: "cancel", reason: "order_placed", detail: "An order for the checkout arrived just before the send; the reminder is not sent." },
  checkout_deleted: { action: "cancel", reason: "checkout_deleted", detail: "Shopify deleted the checkout just before the send." },
};
const closedResult = (reason: string): PrepareResult => CLOSED[reason] ?? { action: "cancel", reason: "not_tracked", detail: "The checkout is closed." };

export function cartRecoveryPrepareSend(deps: DiscountDeps & { log?: (line: string) => void }): PrepareSend {
  return async (message: Message, components: TemplateComponent[], now: Date, facts: SendFacts): Promise<PrepareResult> => {
    if (message.flow !== CART_RECOVERY_FLOW || !message.checkoutToken) return { action: "send" };
    const { db } = deps;
    const token = message.checkoutToken;
    // The very last read before the call to Meta (dispatch runs it after storing the content).
    const recheck = async () => {
      const closed = await checkoutClosed(db, message.shop, token);
      return closed ? closedResult(closed) : null;
    };
    // Checked before anything is created at Shopify: no code for a checkout that has become an order.
    const closed = await checkoutClosed(db, message.shop, token);
    if (closed) return closedResult(closed);
    const step = stepOfDedupeKey(message.dedupeKey);
    if (step === 1 && message.template === TEMPLATE_NAMES.cartRecovery1) {
      const cartVariant = async () => {
        const checkout = await db.checkout.findUnique({ where: { shop_token: { shop: message.shop, token } }, select: { lineItems: true } });
        return firstVariantId(parseCartItems(checkout?.lineItems ?? null));
      };
      const withImage = await variantImageHeader(deps, message, components, cartVariant, now, facts);
      return withImage?.action === "send" ? { ...withImage, recheck } : withImage ?? { action: "send", recheck };
    }
    if (step !== 2 || message.template !== TEMPLATE_NAMES.cartRecovery2) return { action: "send", recheck };

    const shop = await db.shop.findUnique({ where: { domain: message.shop }, select: { settings: true, timezone: true, locale: true } });
    const { discount } = cartRecoverySettings(shop?.settings);
    if (!discount) return { action: "send", recheck };
    // The discount template must be sendable before a code is created: Meta refuses one that is not approved (132001).
    const name = TEMPLATE_NAMES.cartRecovery2Discount;
    const approval = await loadTemplateApproval(db, message.shop, name, message.language);
    const check = templateCheck(approval, message.language);
    if (check?.action === "skip" && approval.state === "not_approved") {
      const status = approval.status === "MISSING" ? "not in the shop's WhatsApp account" : approval.status;
      const detail = `${name} is ${status} in ${message.language} (and in no language that could stand in); Meta sends only approved templates, so step 2 goes out without a discount code and none was created.`;
      deps.log?.(`cart-recovery: message ${message.id} goes out without a discount code: ${name} is ${status} in ${message.language}`);
      return { action: "send", note: { reason: "discount_template_not_approved", detail }, recheck };
    }
    const language = check && "language" in check ? check.language : message.language;
    const outcome = await ensureDiscountCode(deps, { shop: message.shop, checkoutToken: token, messageId: message.id, ...discount, now });
    switch (outcome.status) {
      case "ready":
        return {
          action: "send",
          template: name,
          components: discountComponents(components, outcome, templateLanguage(language, shop?.locale), timeZoneOf(shop)),
          parameters: syncedParameterCount(approval, language !== message.language),
          ...(check && "language" in check ? { language, note: { reason: check.reason, detail: `${name}: ${check.detail}` } } : {}),
          recheck,
        };
      case "retry":
        return { action: "defer", until: outcome.until, reason: "discount_retry", detail: `The discount code could not be created yet (${outcome.reason}).` };
      case "unavailable":
        deps.log?.(`cart-recovery: message ${message.id} goes out without a discount code: ${outcome.reason}`);
        return { action: "send", recheck };
    }
  };
}
