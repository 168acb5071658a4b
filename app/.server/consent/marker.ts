// The opt-in marker the checkout extension leaves as a cart attribute reappears in checkouts/* and
// orders/* payloads. If the extension's call to the backend never arrived, the marker alone records
// the request, so an abandoned checkout can still be matched to its consent.
import type { DbTx } from "../db";
import type { MessagePlan } from "../automations/types";
import { requestConsent } from "./lifecycle";

export interface ConsentMarker {
  shop: string;
  /** E.164 phone of the opt-in (null when none parsed). */
  phone: string | null;
  optIn: boolean;
  checkoutToken: string | null;
  locale: string | null;
  customerId: string | null;
}

/** Records REQUESTED for a marked checkout/order and returns the messages that follow from it. */
export async function consentPlansFromMarker(tx: DbTx, marker: ConsentMarker, now: Date): Promise<MessagePlan[]> {
  if (!marker.optIn || !marker.phone) return [];
  return requestConsent(tx, { shop: marker.shop, phone: marker.phone, checkoutToken: marker.checkoutToken, locale: marker.locale, customerId: marker.customerId, source: "checkout_marker" }, now);
}
