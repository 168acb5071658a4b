// The merchant experience in a real browser (Debian's Chromium via playwright-core) on a running
// `npm run demo`: Setup from empty credentials to all steps done, Settings refusing bad input, switching
// a flow off and on, the phone view confirming an opt-in that then shows on the Subscribers page and in
// the message log, and the pages in German. Every step saves a screenshot under .data/screenshots/ and
// fails on any console error.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LIVE_SHOPPERS } from "../../scripts/lib/demo-live";
import { browserSkipReason, openDemoSession, openFromNav, screenshot, watchConsole, type DemoSession, type RunningDemo } from "./demo-harness";

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[e2e merchant] ${skipReason}`);
const test = it.skipIf(skipReason !== null);

let session: DemoSession | undefined;
let demo: RunningDemo | undefined;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];

/** Opens a page through the app's navigation (client-side, as a merchant clicks it) and waits for its title. */
const nav = (href: string, title: string) => openFromNav(page, href, title);

/** A labelled section of a page (each Setup step and each flow is one). */
const card = (heading: string) => page.getByRole("region", { name: heading, exact: true });

describe("the merchant pages in Chromium", () => {
  beforeAll(async () => {
    if (skipReason) return;
    session = await openDemoSession("e2e-merchant");
    ({ demo, context, page, errors } = session);
  }, 300_000);

  // Each test answers for the console errors during it (one shared page, one list).
  beforeEach(() => {
    errors.length = 0;
  });

  afterAll(async () => {
    await session?.close();
  }, 30_000);

  test(skipReason ?? "Setup: connect WhatsApp (errors inline first), sync templates, send a test message, switch flows on", async () => {
    await nav("/app/onboarding", "Set up Momento");
    const connect = card("1. Connect your WhatsApp Business number");
    await expect(connect.getByRole("textbox", { name: "Callback URL" }).inputValue()).resolves.toBe(`${demo!.appUrl}/webhooks/whatsapp`);

    // Nothing filled in: every field says what is wrong, nothing is stored.
    await connect.getByRole("button", { name: "Check and connect" }).click();
    await expect(connect.getByText("Enter the access token (it cannot be empty or contain spaces).").waitFor()).resolves.toBeUndefined();
    await expect(connect.getByText("Enter a value.").first().isVisible()).resolves.toBe(true);
    await screenshot(page, "merchant-setup-errors");

    // A wrong token: WhatsApp's error 190 on the token field, with what to do.
    await connect.getByRole("button", { name: "Fill in the simulator's test credentials" }).click();
    await page.getByLabel("Access token").fill("expired-token");
    await connect.getByRole("button", { name: "Check and connect" }).click();
    await expect(connect.getByText("WhatsApp says this token is expired or invalid (error 190).").waitFor()).resolves.toBeUndefined();
    await expect(connect.getByText(/What to do:/).isVisible()).resolves.toBe(true);

    await connect.getByRole("button", { name: "Fill in the simulator's test credentials" }).click();
    await connect.getByRole("button", { name: "Check and connect" }).click();
    await expect(connect.getByText(/^Connected to \+15550000001/).waitFor()).resolves.toBeUndefined();

    const templates = card("2. Sync your message templates");
    await templates.getByRole("button", { name: "Sync templates" }).click();
    await expect(templates.getByText("All of Momento's suggested templates are approved.").waitFor()).resolves.toBeUndefined();
    await expect(templates.getByRole("table").getByText("momento_order_confirmation").first().isVisible()).resolves.toBe(true);

    const testCard = card("3. Send a test message to yourself");
    await page.getByLabel("Your WhatsApp number").fill("0151");
    await testCard.getByRole("button", { name: "Send test message" }).click();
    await expect(testCard.getByText(/This is not a valid phone number/).waitFor()).resolves.toBeUndefined();
    await page.getByLabel("Your WhatsApp number").fill("+49 151 99887766");
    await testCard.getByRole("button", { name: "Send test message" }).click();
    await expect(testCard.getByText(/^Last test message: /).waitFor()).resolves.toBeUndefined();

    // The replayed history has opt-ins from checkout, so the checkout step counts as done already.
    await expect(card("4. Add the WhatsApp box to your checkout").getByText("Opt-ins from your checkout are arriving, so the box is live.").isVisible()).resolves.toBe(true);
    await card("5. Switch your flows on").getByRole("button", { name: "Switch these flows on" }).click();
    await expect(page.getByText("5 of 5 steps done").waitFor()).resolves.toBeUndefined();
    await expect(page.getByRole("heading", { name: "You are ready" }).isVisible()).resolves.toBe(true);
    await expect(page.locator('ui-nav-menu a[href="/app/onboarding"]').textContent()).resolves.toBe("Setup");
    await screenshot(page, "merchant-setup-done");
    expect(errors).toEqual([]);
  }, 120_000);

  test(skipReason ?? "Settings: quiet hours that end when they start and an empty token are refused inline; nothing is saved", async () => {
    await nav("/app/settings", "Settings");
    await page.getByLabel("Until").fill("21:00");
    await page.getByRole("button", { name: "Save" }).first().click();
    await expect(page.getByText(/^Start and end are the same, so there would be no quiet hours/).waitFor()).resolves.toBeUndefined();
    await expect(page.getByText("Nothing was saved. Please correct the fields marked below.").first().isVisible()).resolves.toBe(true);

    // The stored token shows only its last four characters; replacing it with nothing is refused.
    await expect(page.getByText("••••oken").first().isVisible()).resolves.toBe(true);
    await page.getByRole("button", { name: "Replace credentials" }).click();
    await page.getByRole("button", { name: "Check and connect" }).click();
    await expect(page.getByText("Enter the access token (it cannot be empty or contain spaces).").waitFor()).resolves.toBeUndefined();
    await screenshot(page, "merchant-settings-errors");

    // Nothing was saved: the page loaded afresh shows the stored window again. (A browser reload would
    // lose the admin's URL parameters in the demo, so the test navigates away and back instead.)
    await nav("/app/automations", "Automations");
    await nav("/app/settings", "Settings");
    await expect(page.getByLabel("Until").inputValue()).resolves.toBe("08:00");
    // A valid window across midnight is saved.
    await page.getByLabel("From").fill("22:00");
    await page.getByLabel("Until").fill("07:30");
    await page.getByRole("button", { name: "Save" }).first().click();
    await expect(page.getByRole("status").filter({ hasText: /^Saved$/ }).waitFor()).resolves.toBeUndefined();
    await nav("/app/automations", "Automations");
    await nav("/app/settings", "Settings");
    await expect(page.getByLabel("From").inputValue()).resolves.toBe("22:00");
    await expect(page.getByLabel("Until").inputValue()).resolves.toBe("07:30");
    expect(errors).toEqual([]);
  }, 60_000);

  test(skipReason ?? "Automations: order confirmation switched off and on again, with its WhatsApp preview", async () => {
    await nav("/app/automations", "Automations");
    const order = card("Order confirmation");
    await expect(order.getByRole("figure", { name: /Preview of the WhatsApp message: Order confirmation/ }).getByText("↗ View order").isVisible()).resolves.toBe(true);
    await order.getByRole("button", { name: "Turn off: Order confirmation" }).click();
    await expect(order.getByText("Off: Momento sends nothing for this flow.").waitFor()).resolves.toBeUndefined();
    await expect(page.getByRole("status").filter({ hasText: /^Order confirmation is off\./ }).waitFor()).resolves.toBeUndefined();
    await screenshot(page, "merchant-automations-off");
    await order.getByRole("button", { name: "Turn on: Order confirmation" }).click();
    await expect(order.getByText("On: Momento sends this message.").waitFor()).resolves.toBeUndefined();
    // Every flow is built: none is shown as coming soon, and each has its switch.
    await expect(page.getByText("Coming soon").count()).resolves.toBe(0);
    await expect(card("Feedback request").getByRole("button", { name: /^Turn (on|off): Feedback request$/ }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);

  test(skipReason ?? "phone view: a shopper confirms the opt-in; Subscribers and the message log show it", async () => {
    const lena = LIVE_SHOPPERS[0];
    const digits = lena.phone.replace(/\D/g, "");
    const phone = await context.newPage();
    const phoneErrors = watchConsole(phone);
    await phone.goto(`${demo!.simUrl}/_sim/phone?chat=${digits}`, { waitUntil: "load" });
    const yes = phone.getByRole("button", { name: "↩ Ja, anmelden" });
    await expect(yes.waitFor({ timeout: 30_000 })).resolves.toBeUndefined();
    await expect(phone.locator("#bubbles").getByText(/möchte dir Bestell-Updates und Angebote per WhatsApp schicken/).isVisible()).resolves.toBe(true);
    await expect(yes.isEnabled()).resolves.toBe(true);
    await yes.click();
    await expect(phone.getByText("Tapped “Ja, anmelden”. WhatsApp sends it to the app.").waitFor()).resolves.toBeUndefined();
    // The tap shows in the chat as the shopper's own message.
    await expect(phone.locator(".msg.mine .bubble", { hasText: "Ja, anmelden" }).first().waitFor()).resolves.toBeUndefined();
    await phone.getByLabel("Reply as the shopper").fill("Danke!");
    await phone.getByRole("button", { name: "Send", exact: true }).click();
    await expect(phone.locator(".msg.mine .bubble", { hasText: "Danke!" }).first().waitFor()).resolves.toBeUndefined();
    await screenshot(phone, "merchant-phone-view");
    expect(phoneErrors).toEqual([]);
    await phone.close();

    // The signed webhook reached the app: Lena is a confirmed subscriber.
    await nav("/app/subscribers", "Subscribers");
    await page.getByLabel("Search").fill(lena.phone);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const row = page.getByRole("row", { name: new RegExp(lena.phone.replace("+", "\\+")) });
    await expect(row.waitFor()).resolves.toBeUndefined();
    for (let i = 0; i < 20 && !(await row.getByText("Confirmed").isVisible()); i++) {
      await page.waitForTimeout(500);
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.waitForLoadState("networkidle");
    }
    await expect(row.getByText("Confirmed").isVisible()).resolves.toBe(true);
    await screenshot(page, "merchant-subscribers-confirmed");

    // …and the opt-in message's timeline in the log shows her answer.
    await nav("/app/messages", "Message log");
    await page.getByLabel("Phone number").fill(digits.slice(2));
    await page.getByLabel("Flow").selectOption("opt_in_confirmation");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await page.getByRole("link", { name: /^Timeline: Opt-in confirmation/ }).first().click();
    await expect(page.getByText("Tapped the button: the subscription is confirmed.").waitFor()).resolves.toBeUndefined();
    await expect(page.getByText("Accepted by WhatsApp.").first().isVisible()).resolves.toBe(true);
    await screenshot(page, "merchant-message-log");
    expect(errors).toEqual([]);
  }, 120_000);

  test(skipReason ?? "message log: a bad filter is refused inline; the test message's timeline is there", async () => {
    await nav("/app/messages", "Message log");
    // Each filter change is a navigation: let it finish before the next action, as a person would, or
    // the next one aborts its data request (an AbortError in the console that is the test's, not the app's).
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.waitForLoadState("networkidle");
    await page.getByLabel("Phone number").fill("abc");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect(page.getByText("Enter digits of a phone number (at least 3).").waitFor()).resolves.toBeUndefined();
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.waitForLoadState("networkidle");
    await page.getByLabel("Flow").selectOption("test_message");
    await page.waitForLoadState("networkidle");
    await page.getByRole("link", { name: /^Timeline: Test message/ }).first().click();
    await expect(page.getByText("Test message requested in Setup.").waitFor()).resolves.toBeUndefined();
    await expect(page.getByText(/^Test message to \+4915199887766/).isVisible()).resolves.toBe(true);
    await screenshot(page, "merchant-message-log-test-message");
    expect(errors).toEqual([]);
  }, 60_000);

  test(skipReason ?? "German: Shopify's locale=de turns every page German", async () => {
    await page.goto(`${demo!.appUrl}/demo?locale=de`, { waitUntil: "networkidle" });
    await expect(page.getByRole("heading", { name: "Nachrichten im Verlauf" }).waitFor()).resolves.toBeUndefined();
    await nav("/app/automations", "Automationen");
    await expect(page.getByRole("heading", { name: "Bestellbestätigung", exact: true }).isVisible()).resolves.toBe(true);
    await screenshot(page, "merchant-de-automations");
    for (const [href, title, text] of [
      ["/app/onboarding", "Momento einrichten", "1. Deine WhatsApp-Business-Nummer verbinden"],
      ["/app/messages", "Nachrichtenprotokoll", "Jede WhatsApp-Nachricht, die Momento für deinen Shop geplant hat"],
      ["/app/subscribers", "Abonnenten", "WhatsApp-Nummer"],
      ["/app/settings", "Einstellungen", "Versandregeln"],
    ] as const) {
      await nav(href, title);
      await expect(page.getByText(text).first().waitFor(), href).resolves.toBeUndefined();
    }
    await screenshot(page, "merchant-de-settings");
    // Back to English for whoever looks next.
    await page.goto(`${demo!.appUrl}/demo?locale=en`, { waitUntil: "networkidle" });
    expect(errors).toEqual([]);
  }, 60_000);
});
