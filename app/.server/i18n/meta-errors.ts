// Meta's error codes (API-FACTS.md A2) in words a merchant reads: what happened and what to do.
// Every code of META_ERROR_POLICY has an entry in both languages (a test checks it).
import type { AdminLanguage } from "./locale";

export interface ErrorExplanation {
  /** What happened, in plain language. */
  meaning: string;
  /** What the merchant can do about it. */
  action: string;
}

type Table = Record<number, ErrorExplanation>;

const en: Table = {
  0: { meaning: "Meta could not authenticate Momento's request.", action: "Check the access token in Settings → WhatsApp connection; create a new system-user token if needed." },
  1: { meaning: "Meta had an unknown problem with the request.", action: "Nothing to do: Momento tries again. If it keeps happening, check Meta's status page." },
  2: { meaning: "Meta's service was temporarily unavailable.", action: "Nothing to do: Momento tries again later." },
  3: { meaning: "The Meta app lacks the permission for this call.", action: "In Meta's App Dashboard, add the WhatsApp product and the whatsapp_business_messaging permission to the app." },
  4: { meaning: "The Meta app made too many API calls in a short time.", action: "Nothing to do: Momento slows down and tries again." },
  10: { meaning: "Meta denied the permission for this call.", action: "Give the system user of your token full control of the WhatsApp account and the whatsapp_business_messaging permission." },
  100: { meaning: "Meta rejected a parameter of the request (often a wrong id, template name or language).", action: "Check the phone number id and WhatsApp Business Account id in Settings, and that the template exists in this language." },
  190: { meaning: "The WhatsApp access token has expired or is not valid.", action: "Create a permanent system-user token in Meta Business Settings and enter it in Settings → WhatsApp connection." },
  368: { meaning: "Meta has restricted your WhatsApp Business Account for a policy violation.", action: "Open WhatsApp Manager → Account quality to see the violation and request a review." },
  80007: { meaning: "Your WhatsApp Business Account reached its rate limit.", action: "Nothing to do: Momento tries again later." },
  130429: { meaning: "Too many messages per second went out through your number.", action: "Nothing to do: Momento slows down and tries again." },
  130472: { meaning: "The shopper's number is part of a Meta experiment that holds back some marketing messages.", action: "Nothing to do; this shopper will not receive this marketing message." },
  130497: { meaning: "Your account may not send messages to shoppers in this country.", action: "Check the country restrictions of your account in WhatsApp Manager." },
  131000: { meaning: "Something went wrong at Meta.", action: "Nothing to do: Momento tries again. If it keeps happening, check Meta's status page." },
  131008: { meaning: "A required part of the message was missing.", action: "Check the template mapping of this flow in Automations; if it is Momento's own template, tell us." },
  131009: { meaning: "A value in the message was not valid (often the phone number).", action: "Check the shopper's number on the order; nothing else to do." },
  131016: { meaning: "A WhatsApp service was temporarily unavailable.", action: "Nothing to do: Momento tries again later." },
  131026: { meaning: "WhatsApp could not deliver the message: the number may not use WhatsApp, the shopper has not accepted WhatsApp's terms, or their app is outdated.", action: "Reach the shopper another way (e-mail); Momento does not retry." },
  131031: { meaning: "Your WhatsApp Business Account is locked or restricted.", action: "Open WhatsApp Manager → Account quality, and check two-step verification of the number." },
  131042: { meaning: "There is a problem with the payment method of your WhatsApp Business Account.", action: "Add or fix the payment method in Meta Business Settings → Billing." },
  131047: { meaning: "More than 24 hours passed since the shopper last wrote to you; only templates may be sent then.", action: "Nothing to do: Momento sends templates only. If it repeats, tell us." },
  131048: { meaning: "Too many of your messages were blocked or reported as spam, so Meta limited your number.", action: "Send fewer marketing messages (lower the marketing cap in Settings) and check your quality rating in WhatsApp Manager." },
  131049: { meaning: "Meta held this marketing message back to keep the shopper from getting too many.", action: "Nothing to do: Momento waits 24 hours before sending marketing to this shopper again." },
  131050: { meaning: "The shopper stopped marketing messages from your business in WhatsApp.", action: "Nothing to do: Momento marks them as unsubscribed and sends them no more marketing." },
  131051: { meaning: "The message type is not supported.", action: "Tell us: Momento should only send templates." },
  131052: { meaning: "A photo or file the shopper sent could not be downloaded.", action: "Ask the shopper to send it again." },
  131053: { meaning: "A photo or file in the message could not be uploaded.", action: "Check the image or file of the template (type, size and that its URL is reachable)." },
  131056: { meaning: "Too many messages went to the same shopper in a short time.", action: "Nothing to do: Momento waits a few seconds and tries again." },
  131057: { meaning: "Your WhatsApp Business Account was in maintenance (usually less than a minute).", action: "Nothing to do: Momento tries again shortly." },
  131063: { meaning: "Your account must send marketing templates through Meta's Marketing Messages API, not the Cloud API.", action: "Check the marketing-messages setting of your account in WhatsApp Manager." },
  131064: { meaning: "Meta limited your messaging because templates were in the wrong category.", action: "Check the template categories in WhatsApp Manager; the limit ends when Meta's enforcement ends." },
  132000: { meaning: "The number of values did not match the template's placeholders.", action: "Map this flow to a template with the same placeholders in Automations, or use Momento's suggested template." },
  132001: { meaning: "The template does not exist in this language or is not approved yet.", action: "Sync templates in Setup and check in WhatsApp Manager that the template is approved in this language." },
  132005: { meaning: "The message text became too long after the values were filled in.", action: "Shorten the template text in WhatsApp Manager." },
  132012: { meaning: "A value in the message had the wrong format for the template.", action: "Map this flow to Momento's suggested template in Automations." },
  132015: { meaning: "Meta paused the template because of low quality (shoppers blocked or reported it).", action: "Edit the template in WhatsApp Manager so it is reviewed again, or map the flow to another template." },
  132016: { meaning: "Meta disabled the template for good after it was paused too often.", action: "Create a new template in WhatsApp Manager, sync templates and map the flow to it." },
  132018: { meaning: "A value in the message is not allowed by the template (e.g. line breaks).", action: "Tell us if it repeats; Momento removes line breaks from values." },
  133004: { meaning: "A WhatsApp server was temporarily unavailable.", action: "Nothing to do: Momento tries again later." },
  133010: { meaning: "Your business phone number is not registered on the WhatsApp Business Platform.", action: "Register the number in WhatsApp Manager (Phone numbers → Register)." },
};

const de: Table = {
  0: { meaning: "Meta konnte die Anfrage von Momento nicht authentifizieren.", action: "Prüfe den Zugriffstoken unter Einstellungen → WhatsApp-Verbindung; erstelle bei Bedarf einen neuen System-User-Token." },
  1: { meaning: "Bei Meta ist ein unbekannter Fehler aufgetreten.", action: "Nichts zu tun: Momento versucht es erneut. Falls es anhält, prüfe Metas Statusseite." },
  2: { meaning: "Metas Dienst war vorübergehend nicht erreichbar.", action: "Nichts zu tun: Momento versucht es später erneut." },
  3: { meaning: "Der Meta-App fehlt die Berechtigung für diesen Aufruf.", action: "Füge der App im Meta App-Dashboard das Produkt WhatsApp und die Berechtigung whatsapp_business_messaging hinzu." },
  4: { meaning: "Die Meta-App hat in kurzer Zeit zu viele API-Aufrufe gemacht.", action: "Nichts zu tun: Momento wird langsamer und versucht es erneut." },
  10: { meaning: "Meta hat die Berechtigung für diesen Aufruf verweigert.", action: "Gib dem System-User deines Tokens volle Kontrolle über das WhatsApp-Konto und die Berechtigung whatsapp_business_messaging." },
  100: { meaning: "Meta hat einen Parameter der Anfrage abgelehnt (oft eine falsche ID, ein falscher Vorlagenname oder eine falsche Sprache).", action: "Prüfe in den Einstellungen die Telefonnummer-ID und die WhatsApp-Business-Konto-ID und ob die Vorlage in dieser Sprache existiert." },
  190: { meaning: "Der WhatsApp-Zugriffstoken ist abgelaufen oder ungültig.", action: "Erstelle in den Meta-Unternehmenseinstellungen einen dauerhaften System-User-Token und trage ihn unter Einstellungen → WhatsApp-Verbindung ein." },
  368: { meaning: "Meta hat dein WhatsApp-Business-Konto wegen eines Richtlinienverstoßes eingeschränkt.", action: "Öffne den WhatsApp Manager → Kontoqualität, um den Verstoß zu sehen und eine Überprüfung zu beantragen." },
  80007: { meaning: "Dein WhatsApp-Business-Konto hat sein Anfragelimit erreicht.", action: "Nichts zu tun: Momento versucht es später erneut." },
  130429: { meaning: "Über deine Nummer gingen zu viele Nachrichten pro Sekunde hinaus.", action: "Nichts zu tun: Momento wird langsamer und versucht es erneut." },
  130472: { meaning: "Die Nummer der Kundin oder des Kunden ist Teil eines Meta-Experiments, das manche Marketing-Nachrichten zurückhält.", action: "Nichts zu tun; diese Person erhält diese Marketing-Nachricht nicht." },
  130497: { meaning: "Dein Konto darf keine Nachrichten an Kundschaft in diesem Land senden.", action: "Prüfe die Länderbeschränkungen deines Kontos im WhatsApp Manager." },
  131000: { meaning: "Bei Meta ist etwas schiefgegangen.", action: "Nichts zu tun: Momento versucht es erneut. Falls es anhält, prüfe Metas Statusseite." },
  131008: { meaning: "Ein notwendiger Teil der Nachricht fehlte.", action: "Prüfe die Vorlagenzuordnung dieses Ablaufs unter Automationen; ist es Momentos eigene Vorlage, sag uns Bescheid." },
  131009: { meaning: "Ein Wert in der Nachricht war ungültig (oft die Telefonnummer).", action: "Prüfe die Nummer in der Bestellung; sonst ist nichts zu tun." },
  131016: { meaning: "Ein WhatsApp-Dienst war vorübergehend nicht erreichbar.", action: "Nichts zu tun: Momento versucht es später erneut." },
  131026: { meaning: "WhatsApp konnte die Nachricht nicht zustellen: Die Nummer nutzt vielleicht kein WhatsApp, die Person hat WhatsApps Bedingungen nicht akzeptiert oder ihre App ist veraltet.", action: "Erreiche die Person auf anderem Weg (E-Mail); Momento versucht es nicht erneut." },
  131031: { meaning: "Dein WhatsApp-Business-Konto ist gesperrt oder eingeschränkt.", action: "Öffne den WhatsApp Manager → Kontoqualität und prüfe die Zwei-Schritt-Verifizierung der Nummer." },
  131042: { meaning: "Mit der Zahlungsmethode deines WhatsApp-Business-Kontos stimmt etwas nicht.", action: "Hinterlege oder korrigiere die Zahlungsmethode in den Meta-Unternehmenseinstellungen → Abrechnung." },
  131047: { meaning: "Seit der letzten Nachricht der Person sind mehr als 24 Stunden vergangen; dann sind nur Vorlagen erlaubt.", action: "Nichts zu tun: Momento sendet nur Vorlagen. Falls es wieder vorkommt, sag uns Bescheid." },
  131048: { meaning: "Zu viele deiner Nachrichten wurden blockiert oder als Spam gemeldet, daher hat Meta deine Nummer begrenzt.", action: "Sende weniger Marketing (senke das Marketing-Limit in den Einstellungen) und prüfe deine Qualitätsbewertung im WhatsApp Manager." },
  131049: { meaning: "Meta hat diese Marketing-Nachricht zurückgehalten, damit die Person nicht zu viele erhält.", action: "Nichts zu tun: Momento wartet 24 Stunden, bevor es dieser Person wieder Marketing sendet." },
  131050: { meaning: "Die Person hat in WhatsApp Marketing-Nachrichten deines Unternehmens abbestellt.", action: "Nichts zu tun: Momento markiert sie als abgemeldet und sendet ihr kein Marketing mehr." },
  131051: { meaning: "Dieser Nachrichtentyp wird nicht unterstützt.", action: "Sag uns Bescheid: Momento sollte nur Vorlagen senden." },
  131052: { meaning: "Ein Foto oder eine Datei der Person konnte nicht heruntergeladen werden.", action: "Bitte die Person, es erneut zu senden." },
  131053: { meaning: "Ein Foto oder eine Datei der Nachricht konnte nicht hochgeladen werden.", action: "Prüfe Bild oder Datei der Vorlage (Typ, Größe und ob die URL erreichbar ist)." },
  131056: { meaning: "An dieselbe Person gingen in kurzer Zeit zu viele Nachrichten.", action: "Nichts zu tun: Momento wartet ein paar Sekunden und versucht es erneut." },
  131057: { meaning: "Dein WhatsApp-Business-Konto war in Wartung (meist unter einer Minute).", action: "Nichts zu tun: Momento versucht es gleich erneut." },
  131063: { meaning: "Dein Konto muss Marketing-Vorlagen über Metas Marketing Messages API senden, nicht über die Cloud API.", action: "Prüfe die Marketing-Einstellung deines Kontos im WhatsApp Manager." },
  131064: { meaning: "Meta hat deinen Versand begrenzt, weil Vorlagen in der falschen Kategorie waren.", action: "Prüfe die Kategorien deiner Vorlagen im WhatsApp Manager; die Begrenzung endet mit Metas Maßnahme." },
  132000: { meaning: "Die Anzahl der Werte passte nicht zu den Platzhaltern der Vorlage.", action: "Ordne dem Ablauf unter Automationen eine Vorlage mit denselben Platzhaltern zu oder nutze Momentos vorgeschlagene Vorlage." },
  132001: { meaning: "Die Vorlage gibt es in dieser Sprache nicht oder sie ist noch nicht genehmigt.", action: "Synchronisiere die Vorlagen unter Einrichtung und prüfe im WhatsApp Manager, dass die Vorlage in dieser Sprache genehmigt ist." },
  132005: { meaning: "Der Nachrichtentext wurde mit den eingesetzten Werten zu lang.", action: "Kürze den Vorlagentext im WhatsApp Manager." },
  132012: { meaning: "Ein Wert hatte das falsche Format für die Vorlage.", action: "Ordne dem Ablauf unter Automationen Momentos vorgeschlagene Vorlage zu." },
  132015: { meaning: "Meta hat die Vorlage wegen geringer Qualität pausiert (Kundschaft hat blockiert oder gemeldet).", action: "Bearbeite die Vorlage im WhatsApp Manager, damit sie erneut geprüft wird, oder ordne dem Ablauf eine andere Vorlage zu." },
  132016: { meaning: "Meta hat die Vorlage dauerhaft deaktiviert, nachdem sie zu oft pausiert wurde.", action: "Erstelle im WhatsApp Manager eine neue Vorlage, synchronisiere die Vorlagen und ordne sie dem Ablauf zu." },
  132018: { meaning: "Ein Wert ist in dieser Vorlage nicht erlaubt (z. B. Zeilenumbrüche).", action: "Sag uns Bescheid, falls es wieder vorkommt; Momento entfernt Zeilenumbrüche aus Werten." },
  133004: { meaning: "Ein WhatsApp-Server war vorübergehend nicht erreichbar.", action: "Nichts zu tun: Momento versucht es später erneut." },
  133010: { meaning: "Deine Unternehmensnummer ist nicht auf der WhatsApp Business Platform registriert.", action: "Registriere die Nummer im WhatsApp Manager (Telefonnummern → Registrieren)." },
};

const TABLES: Record<AdminLanguage, Table> = { en, de };

const FALLBACK: Record<AdminLanguage, (code: number) => ErrorExplanation> = {
  en: (code) =>
    code >= 200 && code <= 299
      ? { meaning: `Meta denied a permission (error ${code}).`, action: "Check the permissions of your token's system user in Meta Business Settings." }
      : { meaning: `Meta reported error ${code}.`, action: "Look the code up on Meta's error-codes page; if it repeats, tell us." },
  de: (code) =>
    code >= 200 && code <= 299
      ? { meaning: `Meta hat eine Berechtigung verweigert (Fehler ${code}).`, action: "Prüfe die Berechtigungen des System-Users deines Tokens in den Meta-Unternehmenseinstellungen." }
      : { meaning: `Meta hat Fehler ${code} gemeldet.`, action: "Schlage den Code auf Metas Seite mit den Fehlercodes nach; falls er wieder auftritt, sag uns Bescheid." },
};

export function explainMetaError(code: number, language: AdminLanguage): ErrorExplanation {
  return TABLES[language][code] ?? FALLBACK[language](code);
}

/** Codes with a written explanation (for the completeness test). */
export function explainedCodes(language: AdminLanguage): number[] {
  return Object.keys(TABLES[language]).map(Number);
}
