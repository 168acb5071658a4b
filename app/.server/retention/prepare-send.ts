// The last step before a win-back or loyalty message goes to Meta: a win-back whose customer ordered again is
// cancelled; otherwise the message's unique code is created at Shopify (cart recovery's machinery, keyed by the
// message's dedupeKey, so never two codes for one offer) and filled into the body.
import type { Message } from "@prisma/client";
import { offerParameters } from "../automations/retention";
import { ensureDiscountCode, type DiscountDeps, type DiscountFlow } from "../cart-recovery/discount";
import type { PrepareResult, PrepareSend } from "../outbox/dispatch";
import { readShop } from "../settings/store";
import { templateLanguage } from "../templates/catalogue";
import type { TemplateComponent } from "../whatsapp/types";

const CODE_VALID_DAYS = 30;

async function orderedAgain(deps: DiscountDeps, message: Message): Promise<boolean> {
  if (!message.customerKey) return false;
  const count = await deps.db.order.count({ where: { shop: message.shop, customerKey: message.customerKey, cancelledAt: null, test: false } });
  return count > 1;
}

export function offerPrepareSend(deps: DiscountDeps & { log?: (line: string) => void }): PrepareSend {
  return async (message: Message, components: TemplateComponent[], now: Date): Promise<PrepareResult> => {
    if (message.flow !== "win_back" && message.flow !== "loyalty") return { action: "send" };
    const flow = message.flow as DiscountFlow;
    if (flow === "win_back" && (await orderedAgain(deps, message))) {
      return { action: "cancel", reason: "ordered_again", detail: "The customer ordered again before the win-back offer went out." };
    }
    const recheck = async (): Promise<PrepareResult | null> =>
      flow === "win_back" && (await orderedAgain(deps, message))
        ? { action: "cancel", reason: "ordered_again", detail: "The customer ordered again just before the send." }
        : null;
    const { settings, timezone, locale } = await readShop(deps.db, message.shop);
    const percent = flow === "win_back" ? settings.winBackDiscountPercent : settings.loyaltyDiscountPercent;
    const outcome = await ensureDiscountCode(deps, { shop: message.shop, checkoutToken: message.dedupeKey, flow, messageId: message.id, percent, expiresInDays: CODE_VALID_DAYS, now });
    switch (outcome.status) {
      case "ready": {
        const extra = offerParameters(outcome, templateLanguage(message.language, locale), timezone).map((text) => ({ type: "text" as const, text }));
        return {
          action: "send",
          components: components.map((c) => (c.type === "body" ? { ...c, parameters: [...c.parameters.slice(0, 2), ...extra] } : c)),
          recheck,
        };
      }
      case "retry":
        return { action: "defer", until: outcome.until, reason: "discount_retry", detail: `The discount code could not be created yet (${outcome.reason}).` };
      case "unavailable":
        deps.log?.(`${flow}: message ${message.id} cancelled: no discount code (${outcome.reason})`);
        return { action: "cancel", reason: "discount_unavailable", detail: `The offer's discount code could not be created (${outcome.reason}).` };
    }
  };
}
