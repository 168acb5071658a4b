// The last step before a cart reminder goes to Meta (outbox/dispatch.ts prepareSend): check once more that
// the checkout is still open, create step 2's discount code if the merchant wants one, and hand dispatch a
// re-check it runs as its very last database read before the call. What is left is the time between that
// read and Meta accepting the message (one HTTP call), plus whatever Shopify has not told us yet
// (see tests/cart-recovery/race.test.ts).
import type { Message } from "@prisma/client";
import { discountComponents, stepOfDedupeKey } from "../automations/cart-recovery";
import type { PrepareResult, PrepareSend } from "../outbox/dispatch";
import { CART_RECOVERY_FLOW } from "../outbox/gate";
import { TEMPLATE_NAMES, templateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";
import { ensureDiscountCode, type DiscountDeps } from "./discount";
import { checkoutClosed } from "./send-facts";
import { cartRecoverySettings } from "./settings";

const CLOSED: Record<string, PrepareResult> = {
  order_placed: { action: "cancel", reason: "order_placed", detail: "An order for the checkout arrived just before the send; the reminder is not sent." },
  checkout_deleted: { action: "cancel", reason: "checkout_deleted", detail: "Shopify deleted the checkout just before the send." },
};
const closedResult = (reason: string): PrepareResult => CLOSED[reason] ?? { action: "cancel", reason: "not_tracked", detail: "The checkout is closed." };

export function cartRecoveryPrepareSend(deps: DiscountDeps & { log?: (line: string) => void }): PrepareSend {
  return async (message: Message, components: TemplateComponent[], now: Date): Promise<PrepareResult> => {
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
    if (stepOfDedupeKey(message.dedupeKey) !== 2 || message.template !== TEMPLATE_NAMES.cartRecovery2) return { action: "send", recheck };

    const shop = await db.shop.findUnique({ where: { domain: message.shop }, select: { settings: true, timezone: true, locale: true } });
    const { discount } = cartRecoverySettings(shop?.settings);
    if (!discount) return { action: "send", recheck };
    const outcome = await ensureDiscountCode(deps, { shop: message.shop, checkoutToken: token, messageId: message.id, ...discount, now });
    switch (outcome.status) {
      case "ready":
        return {
          action: "send",
          template: TEMPLATE_NAMES.cartRecovery2Discount,
          components: discountComponents(components, outcome, templateLanguage(message.language, shop?.locale), shop?.timezone ?? "Europe/Berlin"),
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
