// Inline form errors in the merchant's language. Placeholders like {min} are filled from the error's params.
import type { FieldError, FieldErrorCode, FieldErrors } from "../settings/form";
import type { AdminLanguage } from "./locale";

const MESSAGES: Record<AdminLanguage, Record<FieldErrorCode, string>> = {
  en: {
    required: "Enter a value.",
    wholeNumber: "Enter a whole number, without decimals.",
    number: "Enter a number.",
    tooSmall: "Enter {min} or more.",
    tooLarge: "Enter {max} or less.",
    negativeDelay: "A delay cannot be negative. Enter 0 to send at once.",
    timeFormat: "Enter a time as HH:MM, e.g. 21:00.",
    quietHoursEmpty: "Start and end are the same, so there would be no quiet hours. To send at any time, switch quiet hours off.",
    quietHoursTooLong: "This window is {hours} hours long; at most {max} hours are allowed. A window may pass midnight: 21:00 to 08:00 is fine.",
    invalidPhone: "This is not a valid phone number. Enter it with the country code, e.g. +49 151 23456789.",
    country: "Enter a two-letter country code (DE, AT, CH …) or * for all other countries.",
    duplicateCountry: "This country has a row already.",
    needsOtherCountries: "Keep a row with * for all other countries.",
    currency: "Enter a three-letter currency code, e.g. EUR.",
    tokenEmpty: "Enter the access token (it cannot be empty or contain spaces).",
    digitsOnly: "Enter the id as shown in Meta: digits only.",
    verifyToken: "Use at least 8 characters without spaces.",
    tooLong: "Use at most {max} characters.",
    lineBreaks: "No line breaks, tabs or long runs of spaces (WhatsApp refuses them).",
    language: "Choose German or English.",
    templateUnknown: "This template is not among your approved templates. Sync templates in Setup first.",
    templateMismatch: "This template has different placeholders or buttons than the flow needs.",
    stepOrder: "The second reminder must come after the first.",
    unknownFlow: "There is no such flow.",
    tagFormat: "Enter one tag of at most 40 characters, without commas.",
    httpsUrl: "Enter a complete address starting with https://, e.g. https://cdn.example.com/how-to.mp4.",
  },
  de: {
    required: "Bitte gib einen Wert ein.",
    wholeNumber: "Bitte gib eine ganze Zahl ohne Nachkommastellen ein.",
    number: "Bitte gib eine Zahl ein.",
    tooSmall: "Bitte gib {min} oder mehr ein.",
    tooLarge: "Bitte gib {max} oder weniger ein.",
    negativeDelay: "Eine Verzögerung kann nicht negativ sein. Gib 0 ein, um sofort zu senden.",
    timeFormat: "Bitte gib eine Uhrzeit als HH:MM ein, z. B. 21:00.",
    quietHoursEmpty: "Beginn und Ende sind gleich, es gäbe also keine Ruhezeit. Um jederzeit zu senden, schalte die Ruhezeit aus.",
    quietHoursTooLong: "Dieses Zeitfenster ist {hours} Stunden lang; erlaubt sind höchstens {max} Stunden. Es darf über Mitternacht gehen: 21:00 bis 08:00 ist in Ordnung.",
    invalidPhone: "Das ist keine gültige Telefonnummer. Gib sie mit Ländervorwahl ein, z. B. +49 151 23456789.",
    country: "Gib einen zweistelligen Ländercode ein (DE, AT, CH …) oder * für alle anderen Länder.",
    duplicateCountry: "Für dieses Land gibt es schon eine Zeile.",
    needsOtherCountries: "Behalte eine Zeile mit * für alle anderen Länder.",
    currency: "Gib einen dreistelligen Währungscode ein, z. B. EUR.",
    tokenEmpty: "Bitte gib den Zugriffstoken ein (er darf nicht leer sein und keine Leerzeichen enthalten).",
    digitsOnly: "Gib die ID so ein, wie Meta sie zeigt: nur Ziffern.",
    verifyToken: "Verwende mindestens 8 Zeichen ohne Leerzeichen.",
    tooLong: "Verwende höchstens {max} Zeichen.",
    lineBreaks: "Keine Zeilenumbrüche, Tabs oder langen Leerzeichenfolgen (WhatsApp lehnt sie ab).",
    language: "Wähle Deutsch oder Englisch.",
    templateUnknown: "Diese Vorlage ist nicht unter deinen genehmigten Vorlagen. Synchronisiere zuerst die Vorlagen unter Einrichtung.",
    templateMismatch: "Diese Vorlage hat andere Platzhalter oder Buttons, als der Ablauf braucht.",
    stepOrder: "Die zweite Erinnerung muss nach der ersten kommen.",
    unknownFlow: "Diesen Ablauf gibt es nicht.",
    tagFormat: "Gib ein Tag mit höchstens 40 Zeichen ein, ohne Kommas.",
    httpsUrl: "Gib eine vollständige Adresse ein, die mit https:// beginnt, z. B. https://cdn.example.com/anleitung.mp4.",
  },
};

export function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

export function formErrorText(language: AdminLanguage, error: FieldError): string {
  return fill(MESSAGES[language][error.code], error.params);
}

/** Field name → the sentence shown under that field. */
export function localizeErrors(language: AdminLanguage, errors: FieldErrors): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([field, error]) => [field, formErrorText(language, error)]));
}
