// The last step before a cart reminder goes to Meta (outbox/dispatch.ts prepareSend): check once more that
// the checkout has no order, create step 2's discount code if the merchant wants one, and check again
// after that Admin API round trip. What is left is the time between this last check and Meta accepting
// the message (one HTTP call), plus whatever Shopify has not told us yet (see tests/cart-recovery/race.test.ts).
import type { Message } from "@prisma/client";
import { discountComponents, stepOfDedupeKey } from "../automations/cart-recovery";
import type { Db } from "../db";
import type { PrepareResult, PrepareSend } from "../outbox/dispatch";
import { CART_RECOVERY_FLOW } from "../outbox/gate";
import { TEMPLATE_NAMES, templateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";
import { ensureDiscountCode, type DiscountDeps } from "./discount";
import { checkoutOrdered } from "./send-facts";
import { cartRecoverySettings } from "./settings";

const ORDERED: PrepareResult = { action: "cancel", reason: "order_placed", detail: "An order for the checkout arrived just before the send; the reminder is not sent." };

export function cartRecoveryPrepareSend(deps: DiscountDeps & { log?: (line: string) => void }): PrepareSend {
  return async (message: Message, components: TemplateComponent[], now: Date): Promise<PrepareResult> => {
    if (message.flow !== CART_RECOVERY_FLOW || !message.checkoutToken) return { action: "send" };
    const { db } = deps;
    const token = message.checkoutToken;
    if (await checkoutOrdered(db, message.shop, token)) return ORDERED;
    if (stepOfDedupeKey(message.dedupeKey) !== 2 || message.template !== TEMPLATE_NAMES.cartRecovery2) return { action: "send" };

    const shop = await db.shop.findUnique({ where: { domain: message.shop }, select: { settings: true, timezone: true, locale: true } });
    const { discount } = cartRecoverySettings(shop?.settings);
    if (!discount) return { action: "send" };
    const outcome = await ensureDiscountCode(deps, { shop: message.shop, checkoutToken: token, messageId: message.id, ...discount, now });
    // The Admin API call took a while: the order may have landed meanwhile.
    if (await checkoutOrdered(db, message.shop, token)) return ORDERED;
    switch (outcome.status) {
      case "ready":
        return {
          action: "send",
          template: TEMPLATE_NAMES.cartRecovery2Discount,
          components: discountComponents(components, outcome, templateLanguage(message.language, shop?.locale), shop?.timezone ?? "Europe/Berlin"),
        };
      case "retry":
        return { action: "defer", until: outcome.until, reason: "discount_retry", detail: `The discount code could not be created yet (${outcome.reason}).` };
      case "unavailable":
        deps.log?.(`cart-recovery: message ${message.id} goes out without a discount code: ${outcome.reason}`);
        return { action: "send", note: outcome.reason };
    }
  };
}

/** For callers that only have the database (no Admin API): reminders go out, step 2 without a code. */
export function cartRecoveryPrepareSendWithoutAdmin(db: Db): PrepareSend {
  return cartRecoveryPrepareSend({ db, adminGraphql: null });
}
