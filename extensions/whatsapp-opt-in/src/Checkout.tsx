// Momento's WhatsApp opt-in in checkout (issue 3): an unticked checkbox naming the shop, a line about the
// one confirmation message and STOP, and the WhatsApp number (prefilled from the checkout phone where the
// API allows). Ticking with a valid number leaves a marker on the checkout (cart attributes, which reappear
// as note_attributes in the checkouts/* and orders/* webhooks) and tells the app; unticking withdraws.
// Nothing here can block the checkout: no block_progress, every call fire-and-forget with a timeout.
import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useRef, useState } from "preact/hooks";
import { optInEndpoint, sendOptIn, type OptInBody } from "./backend";
import { parseWhatsAppNumber, type PhoneProblem } from "./phone";
import { buildWording, type Wording } from "./wording";

/** The marker the webhooks carry (app/.server/ingest/shopify-payloads.ts reads the same keys). */
export const OPT_IN_ATTRIBUTE = "_momento_whatsapp_opt_in";
export const OPT_IN_PHONE_ATTRIBUTE = "_momento_whatsapp_phone";

/** Used for numbers typed without a country code when checkout names no country. */
const FALLBACK_COUNTRY = "DE";

export default async () => {
  render(<WhatsAppOptIn />, document.body);
};

const translate = (key: string, options?: Record<string, string>): string => String(shopify.i18n.translate(key, options));

// Optional APIs (protected customer data) are absent without the scope; the tester's mock throws on them.
function checkoutPhone(): string {
  try {
    if ("buyerIdentity" in shopify && shopify.buyerIdentity) {
      const phone = shopify.buyerIdentity.phone.value;
      if (phone) return phone;
    }
    if ("shippingAddress" in shopify && shopify.shippingAddress) {
      const phone = shopify.shippingAddress.value?.phone;
      if (phone) return phone;
    }
  } catch {
    // no access: the buyer types the number
  }
  return "";
}

function buyerCountry(): string {
  try {
    if ("shippingAddress" in shopify && shopify.shippingAddress) {
      const country = shopify.shippingAddress.value?.countryCode;
      if (country) return country;
    }
    const country = shopify.localization.country.value?.isoCode;
    if (country) return country;
  } catch {
    // fall through
  }
  return FALLBACK_COUNTRY;
}

/** A merchant setting; unset keys are absent from the settings object. */
function setting(key: "opt_in_label" | "backend_url"): unknown {
  const settings = shopify.settings.value;
  return settings && key in settings ? settings[key] : undefined;
}

function attribute(key: string): string | null {
  return (shopify.attributes.value ?? []).find((a) => a.key === key)?.value ?? null;
}

function canUpdateAttributes(): boolean {
  try {
    return shopify.instructions.value?.attributes?.canUpdateAttributes === true;
  } catch {
    return false;
  }
}

/**
 * Writes (optIn) or withdraws the marker. The phone goes first and the flag last, so a "1" never stands
 * without its number; on withdrawal the flag becomes "0" and the number is removed. Failures (accelerated
 * checkouts, attributes not allowed) are quiet: the buyer can do nothing about them.
 */
async function applyMarker(marker: { optIn: true; phone: string } | { optIn: false }): Promise<void> {
  if (!canUpdateAttributes()) return;
  const changes = marker.optIn
    ? [
        { type: "updateAttribute" as const, key: OPT_IN_PHONE_ATTRIBUTE, value: marker.phone },
        { type: "updateAttribute" as const, key: OPT_IN_ATTRIBUTE, value: "1" },
      ]
    : [
        { type: "updateAttribute" as const, key: OPT_IN_ATTRIBUTE, value: "0" },
        { type: "removeAttribute" as const, key: OPT_IN_PHONE_ATTRIBUTE },
      ];
  for (const change of changes) {
    try {
      const result = await shopify.applyAttributeChange(change);
      if (result.type === "error") {
        console.warn(`[momento] checkout attribute not written (${result.message})`);
        return;
      }
    } catch (error) {
      console.warn("[momento] checkout attribute not written", error);
      return;
    }
  }
}

const fieldValue = (event: Event): string => (event.currentTarget as HTMLElementTagNameMap["s-phone-field"]).value ?? "";

function WhatsAppOptIn() {
  // A reload of the checkout shows the buyer's own earlier choice again (never a pre-ticked default).
  const [checked, setChecked] = useState(() => attribute(OPT_IN_ATTRIBUTE) === "1");
  const [typed, setTyped] = useState<string | null>(() => attribute(OPT_IN_PHONE_ATTRIBUTE));
  const [problem, setProblem] = useState<PhoneProblem | null>(null);
  /** The E.164 number the app and the marker currently hold as opted in. */
  const recorded = useRef<string | null>(checked ? attribute(OPT_IN_PHONE_ATTRIBUTE) : null);
  // One queue each, so a quick tick/untick reaches the app and the checkout in the order the buyer clicked.
  // Separate, so a slow backend never delays the marker.
  const markerQueue = useRef<Promise<void>>(Promise.resolve());
  const requestQueue = useRef<Promise<void>>(Promise.resolve());

  const shopName = shopify.shop.name;
  const wording: Wording = buildWording({
    customLabel: setting("opt_in_label"),
    shopName,
    defaultLabel: translate("label", { shopName }),
    notice: translate("notice"),
  });
  const phone = typed ?? checkoutPhone();

  function mark(marker: Parameters<typeof applyMarker>[0]) {
    markerQueue.current = markerQueue.current.then(() => applyMarker(marker));
  }

  function tellApp(optIn: boolean, e164: string) {
    const body: OptInBody = {
      optIn,
      phone: e164,
      locale: shopify.localization.language.value?.isoCode ?? null,
      wording: wording.text,
      wordingVersion: wording.version,
      checkoutToken: shopify.checkoutToken.value ?? null,
    };
    const url = optInEndpoint(setting("backend_url"));
    requestQueue.current = requestQueue.current
      .then(() => sendOptIn(body, { url, getToken: () => shopify.sessionToken.get() }))
      .then((outcome) => {
        if (outcome !== "ok") console.warn(`[momento] opt-in call ${outcome}; the checkout attributes still carry the choice`);
      });
  }

  function withdraw() {
    const previous = recorded.current;
    if (!previous) return; // nothing was stored
    recorded.current = null;
    mark({ optIn: false });
    tellApp(false, previous);
  }

  /** Records the number if it is valid; otherwise shows why and stores nothing. */
  function submit(raw: string, { quietWhenEmpty }: { quietWhenEmpty: boolean }) {
    const parsed = parseWhatsAppNumber(raw, buyerCountry());
    if (!parsed.ok) {
      setProblem(parsed.problem === "empty" && quietWhenEmpty ? null : parsed.problem);
      withdraw(); // a number changed into an invalid one no longer stands
      return;
    }
    setProblem(null);
    const previous = recorded.current;
    if (previous === parsed.e164) return;
    recorded.current = parsed.e164;
    if (previous) tellApp(false, previous); // a corrected number: the old one is withdrawn
    mark({ optIn: true, phone: parsed.e164 });
    tellApp(true, parsed.e164);
  }

  return (
    <s-stack gap="small-200">
      <s-checkbox
        label={wording.label}
        checked={checked}
        onChange={(event) => {
          const on = Boolean((event.currentTarget as HTMLElementTagNameMap["s-checkbox"]).checked);
          setChecked(on);
          if (on) {
            // Ticking without a number just opens the field; the number is checked when it is entered.
            submit(phone, { quietWhenEmpty: true });
          } else {
            setProblem(null);
            withdraw();
          }
        }}
      />
      <s-text color="subdued">{wording.notice}</s-text>
      {checked ? (
        <s-phone-field
          label={translate("phoneLabel")}
          type="mobile"
          autocomplete="tel"
          value={phone}
          error={problem ? translate(`errors.${problem}`) : undefined}
          onInput={(event) => {
            setTyped(fieldValue(event));
            setProblem(null);
          }}
          onChange={(event) => {
            const value = fieldValue(event);
            setTyped(value);
            submit(value, { quietWhenEmpty: false });
          }}
        />
      ) : null}
    </s-stack>
  );
}
