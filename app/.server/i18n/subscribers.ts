// German for the Subscribers page. Its strings table lives with the page's queries
// (consent/subscribers.ts) and is open for more languages; importing this module adds German to it.
// The CSV header stays English on purpose: it is read by spreadsheets and scripts, not by people.
import { SUBSCRIBER_STRINGS, subscriberStrings, type SubscriberStrings } from "../consent/subscribers";
import type { DbTx } from "../db";
import { adminLanguage } from "./admin-language";
import type { AdminLanguage } from "./locale";

const en = subscriberStrings("en");

const de: SubscriberStrings = {
  dateLocale: "de-DE",
  title: "Abonnenten",
  exportCsv: "CSV exportieren",
  searchLabel: "Suche",
  searchPlaceholder: "Telefonnummer oder Name",
  search: "Suchen",
  stateLabel: "Status",
  allStates: "Alle Status",
  columns: { number: "WhatsApp-Nummer", name: "Name", state: "Status", since: "Seit", evidence: "Letzter Nachweis" },
  view: "Nachweis",
  count: (shown: number, total: number) => `${shown} von ${total}`,
  previous: "Zurück",
  next: "Weiter",
  noMatches: "Kein Abonnent passt zu dieser Suche.",
  emptyHeading: "Noch keine Abonnenten",
  emptyBody: [
    "Deine Kundschaft meldet sich mit dem WhatsApp-Kästchen im Checkout an. Füge den Momento-Block im Checkout-Editor hinzu (Einstellungen → Checkout → Anpassen), falls noch nicht geschehen.",
    "Wer das Kästchen ankreuzt, erhält auf WhatsApp eine Bitte um Bestätigung. Nach einem Tipp auf „Ja“ erscheint die Person hier als bestätigt, mit dem Nachweis ihrer Einwilligung.",
    "Auch wer sich in Shopify selbst anmeldet, wird auf WhatsApp um Bestätigung gebeten.",
  ],
  states: { NONE: "Keine", REQUESTED: "Angefragt", CONFIRMED: "Bestätigt", REVOKED: "Abgemeldet", REDACTED: "Gelöscht" },
  stateHelp: {
    NONE: "Keine Einwilligung erfasst.",
    REQUESTED: "Hat um Anmeldung gebeten; die Bestätigung auf WhatsApp steht noch aus. Nur Bestell-Updates.",
    CONFIRMED: "Auf WhatsApp bestätigt: erhält Bestell-Updates und Marketing.",
    REVOKED: "Abgemeldet: erhält nichts.",
    REDACTED: "Auf eine DSGVO-Anfrage hin gelöscht.",
  },
  sources: {
    checkout: "Checkout",
    checkout_marker: "Checkout (Markierung an der Bestellung)",
    back_in_stock_signup: "Anmeldung für „Wieder verfügbar“",
    whatsapp_reply: "WhatsApp-Antwort",
    whatsapp_button: "WhatsApp-Button",
    user_preferences: "WhatsApp-Einstellung „Marketing stoppen“",
    error_131050: "WhatsApp: Die Person hat Marketing-Nachrichten gestoppt (131050)",
    admin: "Du (Admin)",
    shopify: "Shopify",
    gdpr: "DSGVO-Anfrage",
    test: "Test",
  },
  evidence: {
    checkout: (v: string) => `Checkout ${v}`,
    wordingVersion: (v: string) => `Wortlaut ${/^\d/.test(v) ? `v${v}` : v}`,
    labels: {
      checkoutToken: "Checkout",
      wording: "Wortlaut",
      wordingVersion: "Version des Wortlauts",
      locale: "Sprache",
      inboundWaMessageId: "WhatsApp-Nachricht der Person",
      contextWaMessageId: "Antwort auf",
      staffUserId: "Mitarbeiter",
      customerId: "Shopify-Kunde",
      request: "Anfrage",
      confirmationTemplate: "Bestätigungsvorlage",
      shopify: "Shopify",
      signalId: "WhatsApp-Signal",
      matched: "Erkannt",
      happenedAt: "Geschehen am",
      eventId: "Ereignis",
      at: "am",
      source: "Quelle",
      name: "Name",
      language: "Sprache",
      messageId: "Nachricht",
      waMessageId: "WhatsApp-Nachricht",
      state: "Status",
      optInLevel: "Opt-in-Stufe",
      collectedFrom: "erfasst über",
      updatedAt: "aktualisiert am",
      webhookId: "Webhook",
    },
    inbound: (v: string) => `WhatsApp-Nachricht ${v}`,
    inReplyTo: (v: string) => `als Antwort auf ${v}`,
    template: (name: string, language: string) => `Vorlage ${name} (${language})`,
    shopify: (state: string, from: string | null) => `Shopify: ${state}${from ? `, erfasst über ${from}` : ""}`,
    staff: (v: string) => `Mitarbeiter ${v}`,
    request: (at: string) => `bestätigt die Anfrage vom ${at}`,
    erased: "Angaben gelöscht (DSGVO)",
    none: "—",
  },
  writeBack: {
    DONE: "In Shopify übernommen",
    PENDING: "Übernahme in Shopify ausstehend",
    SKIPPED: (reason: string) => `Nicht in Shopify übernommen: ${reason}`,
    FAILED: (reason: string) => `Übernahme in Shopify fehlgeschlagen: ${reason}`,
  },
  detail: {
    title: (who: string) => `Nachweis für ${who}`,
    close: "Schließen",
    customer: "Shopify-Kunde",
    locale: "Sprache",
    trail: "Nachweisverlauf",
    noEvents: "Keine Übergänge erfasst.",
  },
  revoke: {
    button: "Einwilligung widerrufen",
    title: "Diese Einwilligung widerrufen?",
    body: "Die Nummer erhält kein Marketing und keine Bestell-Updates mehr auf WhatsApp, und jede geplante Nachricht an sie wird abgebrochen. Die Person kann sich im Checkout oder mit der Antwort START wieder anmelden.",
    confirm: "Widerrufen",
    cancel: "Abbrechen",
    done: "Einwilligung widerrufen",
    notAllowed: (state: string) => `Nur eine angefragte oder bestätigte Einwilligung kann widerrufen werden (diese ist ${state}).`,
    notFound: "Diesen Abonnenten gibt es nicht mehr.",
  },
  dataRequests: {
    title: "Datenanfragen von Kunden (DSGVO)",
    body: "Shopify leitet Anfragen deiner Kundschaft nach ihren Daten weiter. Momento bereitet jede hier vor; lade sie herunter und sende sie der Person.",
    requested: (id: string | null, at: string) => `Anfrage ${id ?? "ohne ID"} · ${at}`,
    download: "Herunterladen",
  },
  csv: en.csv,
};

SUBSCRIBER_STRINGS.de ??= de;

export const GERMAN_SUBSCRIBER_STRINGS = de;

/** The Subscribers page's admin language for this request (with German registered above). */
export function subscribersLanguage(db: DbTx, shop: string, request: Request): Promise<AdminLanguage> {
  return adminLanguage(db, shop, request);
}
