// One prepareSend for the worker from one per flow: each flow's last step before the call (cart recovery's
// discount, header image and re-check, the order confirmation's header image, back in stock's relevance, the
// win-back and loyalty codes).
import type { PrepareSend } from "./dispatch";

export function prepareSendByFlow(byFlow: Record<string, PrepareSend>): PrepareSend {
  return async (message, components, now, facts) => {
    const prepare = byFlow[message.flow];
    return prepare ? prepare(message, components, now, facts) : { action: "send" };
  };
}
