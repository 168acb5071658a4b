// Words several pages share: flow names and descriptions, message statuses, navigation.
import type { FlowId } from "../settings/schema";
import type { AdminLanguage } from "./locale";

const en = {
  nav: { home: "Home", setup: "Setup", setupProgress: "Setup ({done}/{total})", automations: "Automations", messages: "Message log", subscribers: "Subscribers", settings: "Settings" },
  flows: {
    order_confirmation: { name: "Order confirmation", description: "Thanks the shopper for their order with its number, total and a link to the order status page.", trigger: "When an order is placed" },
    opt_in_confirmation: { name: "Opt-in confirmation", description: "Asks a shopper who ticked the WhatsApp box at checkout to confirm with one tap (double opt-in). Without it, subscribers stay unconfirmed and get no marketing.", trigger: "When a shopper ticks the WhatsApp box at checkout" },
    cart_recovery: { name: "Cart recovery", description: "Reminds subscribers of an abandoned checkout, in two steps. The order placed, a reply or an unsubscribe stops the reminders.", trigger: "When a checkout with WhatsApp consent gets no order" },
    shipping_update: { name: "Shipping update", description: "Tells the shopper their parcel is on its way, with the tracking link.", trigger: "When an order is fulfilled or tracking is added" },
    back_in_stock: { name: "Back in stock", description: "Tells shoppers who asked for it that a sold-out variant is available again, once per signup. Shoppers sign up with the \"Notify me on WhatsApp\" block: add it to your product page in the theme editor (Apps).", trigger: "When a subscribed variant is restocked" },
    feedback: { name: "Feedback request", description: "Asks subscribers for a rating from 0 to 10 some days after delivery (or fulfilment, when the carrier reports no delivery). A refund, a cancellation or an unsubscribe stops it. The answers make the NPS figure.", trigger: "Some days after the order was delivered" },
    wismo: { name: "“Where is my order?” answer", description: "Answers a shopper who asks about their order on WhatsApp with its latest status and tracking link, at once. Only the sender's own orders (by their number) are ever described.", trigger: "When a shopper asks about an order" },
    auto_reply: { name: "Automatic reply", description: "Tells a shopper who writes anything else that their message arrived and you will get back to them, at most once a day. You read their messages in the Inbox of the message log.", trigger: "When a shopper writes to you" },
    win_back: { name: "Win-back", description: "Sends one-time buyers one offer with a unique discount code after a long pause. A new order before the send cancels it.", trigger: "Days after a one-time buyer's only order (default 60)" },
    loyalty: { name: "Loyalty thank-you", description: "Thanks returning customers after their k-th order with a code for the next one; customers above a lifetime value get a customer tag in Shopify (once).", trigger: "After the k-th order (default 3)" },
  } satisfies Record<FlowId, { name: string; description: string; trigger: string }>,
  otherFlows: { opt_out_confirmation: "Opt-out confirmation", test_message: "Test message" } as Record<string, string>,
  category: { UTILITY: "Utility (order updates)", MARKETING: "Marketing" } as Record<string, string>,
  consentNeeded: { UTILITY: "Needs the shopper's opt-in request (requested or confirmed)", MARKETING: "Needs a confirmed opt-in" } as Record<string, string>,
  statuses: {
    SCHEDULED: "Scheduled",
    SENDING: "Sending",
    SENT: "Sent",
    DELIVERED: "Delivered",
    READ: "Read",
    FAILED: "Failed",
    SKIPPED: "Not sent",
    CANCELLED: "Cancelled",
    CLICKED: "Link opened",
  } as Record<string, string>,
  languages: { de: "German", en: "English" } as Record<string, string>,
  on: "On",
  off: "Off",
  save: "Save",
  saved: "Saved",
  notSaved: "Nothing was saved. Please correct the fields marked below.",
  never: "never",
  errorCode: "Error",
  whatToDo: "What to do:",
};

export type CommonStrings = typeof en;

const de: CommonStrings = {
  nav: { home: "Start", setup: "Einrichtung", setupProgress: "Einrichtung ({done}/{total})", automations: "Automationen", messages: "Nachrichtenprotokoll", subscribers: "Abonnenten", settings: "Einstellungen" },
  flows: {
    order_confirmation: { name: "Bestellbestätigung", description: "Bedankt sich für die Bestellung, mit Bestellnummer, Summe und einem Link zur Bestellstatusseite.", trigger: "Wenn eine Bestellung eingeht" },
    opt_in_confirmation: { name: "Anmeldebestätigung", description: "Bittet alle, die im Checkout das WhatsApp-Kästchen angekreuzt haben, mit einem Tipp zu bestätigen (Double-Opt-in). Ohne sie bleiben Abonnenten unbestätigt und erhalten kein Marketing.", trigger: "Wenn jemand im Checkout das WhatsApp-Kästchen ankreuzt" },
    cart_recovery: { name: "Warenkorb-Erinnerung", description: "Erinnert Abonnenten in zwei Schritten an einen abgebrochenen Checkout. Eine Bestellung, eine Antwort oder eine Abmeldung beendet die Erinnerungen.", trigger: "Wenn ein Checkout mit WhatsApp-Einwilligung ohne Bestellung bleibt" },
    shipping_update: { name: "Versandbenachrichtigung", description: "Teilt mit, dass das Paket unterwegs ist, mit Sendungsverfolgung.", trigger: "Wenn eine Bestellung versendet oder eine Sendungsnummer ergänzt wird" },
    back_in_stock: { name: "Wieder verfügbar", description: "Sagt allen, die danach gefragt haben, einmal Bescheid, dass eine ausverkaufte Variante wieder da ist. Angemeldet wird über den Block „Auf WhatsApp benachrichtigen“: füge ihn im Theme-Editor (Apps) deiner Produktseite hinzu.", trigger: "Wenn eine abonnierte Variante wieder auf Lager ist" },
    feedback: { name: "Feedback-Anfrage", description: "Bittet Abonnenten einige Tage nach der Zustellung (oder nach dem Versand, wenn der Versanddienstleister keine Zustellung meldet) um eine Bewertung von 0 bis 10. Eine Erstattung, eine Stornierung oder eine Abmeldung stoppt sie. Aus den Antworten entsteht der NPS.", trigger: "Einige Tage nach der Zustellung" },
    wismo: { name: "Antwort auf „Wo ist meine Bestellung?“", description: "Beantwortet die Frage nach einer Bestellung auf WhatsApp sofort mit ihrem aktuellen Stand und der Sendungsverfolgung. Beschrieben werden nur eigene Bestellungen der fragenden Nummer.", trigger: "Wenn jemand nach einer Bestellung fragt" },
    auto_reply: { name: "Automatische Antwort", description: "Bestätigt allen, die etwas anderes schreiben, dass die Nachricht angekommen ist und ihr euch meldet, höchstens einmal am Tag. Die Nachrichten liest du im Posteingang des Nachrichtenprotokolls.", trigger: "Wenn dir jemand schreibt" },
    win_back: { name: "Rückgewinnung", description: "Schickt Einmalkäufern nach einer langen Pause ein Angebot mit einem eigenen Rabattcode. Eine neue Bestellung vor dem Versand bricht es ab.", trigger: "Tage nach der einzigen Bestellung eines Einmalkäufers (Voreinstellung 60)" },
    loyalty: { name: "Treue-Dankeschön", description: "Dankt Stammkundschaft nach der k-ten Bestellung mit einem Code für die nächste; wer über einem Umsatzwert liegt, bekommt in Shopify ein Kunden-Tag (einmal).", trigger: "Nach der k-ten Bestellung (Voreinstellung 3)" },
  },
  otherFlows: { opt_out_confirmation: "Abmeldebestätigung", test_message: "Testnachricht" },
  category: { UTILITY: "Service (Bestell-Updates)", MARKETING: "Marketing" },
  consentNeeded: { UTILITY: "Braucht die Anmeldung im Checkout (angefragt oder bestätigt)", MARKETING: "Braucht eine bestätigte Anmeldung" },
  statuses: {
    SCHEDULED: "Geplant",
    SENDING: "Wird gesendet",
    SENT: "Gesendet",
    DELIVERED: "Zugestellt",
    READ: "Gelesen",
    FAILED: "Fehlgeschlagen",
    SKIPPED: "Nicht gesendet",
    CANCELLED: "Abgebrochen",
    CLICKED: "Link geöffnet",
  },
  languages: { de: "Deutsch", en: "Englisch" },
  on: "An",
  off: "Aus",
  save: "Speichern",
  saved: "Gespeichert",
  notSaved: "Nichts wurde gespeichert. Bitte korrigiere die markierten Felder.",
  never: "nie",
  errorCode: "Fehler",
  whatToDo: "Was tun:",
};

export const COMMON: Record<AdminLanguage, CommonStrings> = { en, de };

export function flowName(language: AdminLanguage, flow: string): string {
  const s = COMMON[language];
  return (s.flows as Record<string, { name: string }>)[flow]?.name ?? s.otherFlows[flow] ?? flow;
}
