/// <reference types="@shopify/ui-extensions/purchase.checkout.contact.render-after" />
import { createResult } from "@shopify/ui-extensions-tester/checkout";
import { getExtension } from "@shopify/ui-extensions-tester";
import { fireEvent, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { APP_URL, OPT_IN_PATH } from "../src/backend";
import { sha256Hex } from "../src/wording";
import { translator } from "./translations";

const ext = getExtension("purchase.checkout.contact.render-after");

let applyAttributeChange: Mock;
let fetchMock: Mock;

beforeEach(() => {
  ext.setUp();
  useLocale("en");
  ext.shopify.checkoutToken.value = "checkout-token-1";
  applyAttributeChange = vi.fn().mockResolvedValue(createResult("applyAttributeChange"));
  ext.shopify.applyAttributeChange = applyAttributeChange;
  fetchMock = vi.fn().mockResolvedValue(Response.json({ ok: true, state: "REQUESTED" }));
  ext.fetch = fetchMock;
  vi.spyOn(console, "warn").mockImplementation(() => {});
});

afterEach(() => {
  ext.tearDown();
  vi.restoreAllMocks();
});

// jsdom has no s-* elements; they are plain HTMLElements carrying what Preact sets on them.
const checkbox = () => document.body.querySelector("s-checkbox") as unknown as HTMLElement & { checked: boolean };
const phoneField = () => document.body.querySelector("s-phone-field") as unknown as (HTMLElement & { value: string }) | null;
/** Preact sets unknown props as attributes or properties depending on the element; read either. */
const prop = (el: Element | null, name: string): unknown => (el ? ((el as unknown as Record<string, unknown>)[name] ?? el.getAttribute(name)) : undefined);
const useLocale = (locale: "en" | "de") => {
  ext.shopify.i18n.translate = translator(locale) as typeof ext.shopify.i18n.translate;
};

async function tick() {
  const box = checkbox();
  box.checked = true;
  fireEvent.change(box);
  await waitFor(() => expect(phoneField()).not.toBeNull());
}

async function untick() {
  const box = checkbox();
  box.checked = false;
  fireEvent.change(box);
  await waitFor(() => expect(phoneField()).toBeNull());
}

function enterNumber(value: string) {
  const field = phoneField()!;
  field.value = value;
  fireEvent.input(field);
  fireEvent.change(field);
}

/** Gives the buyer's phone to the checkout: buyerIdentity only exists with protected-customer-data access. */
function withBuyerPhone(phone: string) {
  Object.defineProperty(ext.shopify, "buyerIdentity", {
    configurable: true,
    value: { phone: { value: phone }, email: { value: undefined }, customer: { value: undefined }, purchasingCompany: { value: undefined } },
  });
}

function postedBodies(): Array<Record<string, unknown>> {
  return fetchMock.mock.calls.map(([, init]) => JSON.parse(String((init as RequestInit).body)));
}

const EN_LABEL = "Send me order updates and offers from Mock Shop on WhatsApp";
const EN_NOTICE = "We'll send you one WhatsApp message to confirm. You can unsubscribe any time by replying STOP.";

describe("the opt-in as the buyer sees it", () => {
  it("is an unticked checkbox naming the shop, with the confirmation/STOP line, and stores nothing on its own", async () => {
    await ext.render();
    expect(prop(checkbox(), "label")).toBe(EN_LABEL);
    expect(prop(checkbox(), "checked")).toBeFalsy();
    expect(document.body.querySelector("s-text")!.textContent).toBe(EN_NOTICE);
    expect(phoneField()).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(applyAttributeChange).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("speaks German in a German checkout", async () => {
    useLocale("de");
    ext.shopify.localization.language.value = { isoCode: "de" };
    ext.shopify.localization.country.value = { isoCode: "DE" };
    await ext.render();
    expect(prop(checkbox(), "label")).toBe("Ja, ich möchte Bestell-Updates und Angebote von Mock Shop per WhatsApp erhalten");
    expect(document.body.querySelector("s-text")!.textContent).toContain("STOP");
    await tick();
    expect(prop(phoneField(), "label")).toBe("WhatsApp-Nummer");
    enterNumber("0151 123");
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("Diese Nummer ist zu kurz. Bitte prüfen."));
    enterNumber("0151 12345678");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(postedBodies()[0]).toMatchObject({ optIn: true, phone: "+4915112345678", locale: "de", wording: expect.stringContaining("Ja, ich möchte") });
  });

  it("uses the merchant's wording when set, with {shop} filled in, and versions exactly that text", async () => {
    ext.shopify.settings.value = { opt_in_label: "WhatsApp-News von {shop} abonnieren" };
    withBuyerPhone("+49 151 12345678");
    await ext.render();
    expect(prop(checkbox(), "label")).toBe("WhatsApp-News von Mock Shop abonnieren");
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const text = `WhatsApp-News von Mock Shop abonnieren\n${EN_NOTICE}`;
    expect(postedBodies()[0]).toMatchObject({ wording: text, wordingVersion: `sha256:${sha256Hex(text)}` });
  });
});

describe("ticking with a valid number", () => {
  it("writes the marker attributes and tells the app with the session token and the evidence", async () => {
    withBuyerPhone("+49 151 12345678");
    await ext.render();
    await tick();
    expect(prop(phoneField(), "value")).toBe("+49 151 12345678");

    await waitFor(() => expect(applyAttributeChange).toHaveBeenCalledTimes(2));
    expect(applyAttributeChange.mock.calls.map(([change]) => change)).toEqual([
      { type: "updateAttribute", key: "_momento_whatsapp_phone", value: "+4915112345678" },
      { type: "updateAttribute", key: "_momento_whatsapp_opt_in", value: "1" },
    ]);
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`${APP_URL}${OPT_IN_PATH}`);
    expect(init.method).toBe("POST");
    expect(init.headers).toMatchObject({ Authorization: "Bearer mock-session-token", "Content-Type": "application/json" });
    const text = `${EN_LABEL}\n${EN_NOTICE}`;
    expect(postedBodies()[0]).toEqual({
      optIn: true,
      phone: "+4915112345678",
      locale: "en",
      wording: text,
      wordingVersion: `sha256:${sha256Hex(text)}`,
      checkoutToken: "checkout-token-1",
    });
    expect(prop(phoneField(), "error")).toBeFalsy();
  });

  it("reads a national number with the buyer's country and sends it as E.164", async () => {
    ext.shopify.localization.country.value = { isoCode: "AT" };
    await ext.render();
    await tick();
    enterNumber("0664 1234567");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(postedBodies()[0].phone).toBe("+436641234567");
  });

  it("opens an empty field without an error when the checkout has no phone, and records the number once typed", async () => {
    await ext.render();
    await tick();
    expect(prop(phoneField(), "value")).toBe("");
    expect(prop(phoneField(), "error")).toBeFalsy();
    enterNumber("+44 7400 123456");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(postedBodies()[0].phone).toBe("+447400123456");
  });

  it("posts to the backend_url setting when one is set (development tunnel)", async () => {
    ext.shopify.settings.value = { backend_url: "https://abc.trycloudflare.com/" };
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(fetchMock.mock.calls[0][0]).toBe("https://abc.trycloudflare.com/api/checkout/opt-in");
  });
});

describe("a number that does not parse", () => {
  it("shows a readable error and stores nothing", async () => {
    await ext.render();
    await tick();
    enterNumber("+49 151 1234");
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("This number is too short. Please check it."));
    enterNumber("call me maybe");
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("A phone number can only contain digits, spaces and a leading +."));
    enterNumber("+999 1234567");
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("Check the country code, e.g. +49 for Germany."));
    enterNumber("");
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("Enter the number you use on WhatsApp."));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(applyAttributeChange).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the error at once when the prefilled checkout phone is not a valid mobile number", async () => {
    withBuyerPhone("12");
    await ext.render();
    await tick();
    await waitFor(() => expect(prop(phoneField(), "error")).toBe("This number is too short. Please check it."));
    expect(applyAttributeChange).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe("withdrawing", () => {
  it("unticking sets the marker to 0, removes the number and tells the app", async () => {
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    await untick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(applyAttributeChange.mock.calls.slice(2).map(([change]) => change)).toEqual([
      { type: "updateAttribute", key: "_momento_whatsapp_opt_in", value: "0" },
      { type: "removeAttribute", key: "_momento_whatsapp_phone" },
    ]);
    expect(postedBodies()[1]).toMatchObject({ optIn: false, phone: "+4915112345678", checkoutToken: "checkout-token-1" });
  });

  it("unticking when nothing was stored (invalid number) stores and sends nothing", async () => {
    await ext.render();
    await tick();
    enterNumber("123");
    await waitFor(() => expect(prop(phoneField(), "error")).toBeTruthy());
    await untick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(applyAttributeChange).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("a corrected number withdraws the old one and records the new one, in that order", async () => {
    await ext.render();
    await tick();
    enterNumber("+49 151 12345678");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    enterNumber("+49 151 87654321");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3));
    expect(postedBodies().map((b) => [b.optIn, b.phone])).toEqual([
      [true, "+4915112345678"],
      [false, "+4915112345678"],
      [true, "+4915187654321"],
    ]);
    await waitFor(() => expect(applyAttributeChange).toHaveBeenCalledTimes(4));
    expect(applyAttributeChange.mock.calls[2][0]).toEqual({ type: "updateAttribute", key: "_momento_whatsapp_phone", value: "+4915187654321" });
  });

  it("a reloaded checkout shows the buyer's earlier tick from the marker, and unticking withdraws that number", async () => {
    ext.shopify.attributes.value = [
      { key: "_momento_whatsapp_opt_in", value: "1" },
      { key: "_momento_whatsapp_phone", value: "+4915112345678" },
    ];
    await ext.render();
    expect(prop(checkbox(), "checked")).toBeTruthy();
    expect(prop(phoneField(), "value")).toBe("+4915112345678");
    await untick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(postedBodies()[0]).toMatchObject({ optIn: false, phone: "+4915112345678" });
  });
});

describe("the checkout is never blocked", () => {
  it("backend down: no error for the buyer, the marker is still written", async () => {
    fetchMock.mockRejectedValue(new TypeError("Failed to fetch"));
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(applyAttributeChange).toHaveBeenCalledTimes(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(prop(phoneField(), "error")).toBeFalsy();
    expect(document.body.querySelector("s-banner")).toBeNull();
    expect(prop(checkbox(), "checked")).toBeTruthy();
  });

  it("backend answering 500 or 401: nothing shown to the buyer", async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 500 }));
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(prop(phoneField(), "error")).toBeFalsy();
  });

  it("backend hanging: the marker of a later untick does not wait for it", async () => {
    fetchMock.mockReturnValue(new Promise(() => {}));
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    await untick();
    await waitFor(() => expect(applyAttributeChange).toHaveBeenCalledTimes(4));
    expect(applyAttributeChange.mock.calls[2][0]).toEqual({ type: "updateAttribute", key: "_momento_whatsapp_opt_in", value: "0" });
    // The withdrawal call itself waits its turn behind the hanging one (order matters), which times out.
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("no session token: no crash, nothing shown", async () => {
    ext.shopify.sessionToken.get = vi.fn().mockRejectedValue(new Error("no token"));
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(console.warn).toHaveBeenCalledWith(expect.stringContaining("opt-in call failed")));
    expect(fetchMock).not.toHaveBeenCalled();
    expect(prop(phoneField(), "error")).toBeFalsy();
  });
});

describe("checkouts that do not allow attributes", () => {
  it("skips the marker when instructions forbid attribute changes, and still tells the app", async () => {
    ext.shopify.instructions.value = { ...ext.shopify.instructions.value, attributes: { canUpdateAttributes: false } };
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(applyAttributeChange).not.toHaveBeenCalled();
    expect(prop(phoneField(), "error")).toBeFalsy();
  });

  it("an accelerated checkout failing the write (error result or exception) is quiet", async () => {
    applyAttributeChange.mockResolvedValueOnce(createResult("applyAttributeChange", { type: "error", message: "accelerated checkout" }));
    withBuyerPhone("+4915112345678");
    await ext.render();
    await tick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(applyAttributeChange).toHaveBeenCalledTimes(1); // the flag is not written without its number
    applyAttributeChange.mockRejectedValue(new Error("boom"));
    await untick();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(prop(checkbox(), "checked")).toBeFalsy();
  });
});
