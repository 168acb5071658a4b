// The "Data import" card on the Settings page: the history import's progress and its errors.
import type { AdminLanguage } from "./locale";

const en = {
  title: "Data import",
  description: "Momento imports your last 12 months of orders and customers from Shopify when it is installed, so returning customers and retention figures count from your real history. Imported orders never send messages.",
  start: "Import history",
  restart: "Import again",
  starting: "Starting…",
  none: "No import has run yet.",
  queued: "Waiting for the worker to start the import.",
  collecting: "Shopify is collecting your {phase} ({count} so far).",
  reading: "Importing {phase}: {percent} %.",
  phases: { orders: "orders", customers: "customers" },
  done: "Imported – orders: {orders}, customers: {customers}.",
  skipped: "Records left out: {skipped} (for example an order a webhook had already brought in a newer state).",
  progressLabel: "Import progress",
  startedAt: "Started {time}",
  finishedAt: "Finished {time}",
  limited: "Shopify gives Momento only the last 60 days of orders: the app was not granted read_all_orders. Older orders are not imported.",
  failedTitle: "The import stopped",
  details: "Shopify's answer: {text}",
  imported: "Imported so far – orders: {orders}, customers: {customers}.",
  errors: {
    MISSING_SCOPE: { text: "Momento was not given permission to read this data ({detail}).", action: "Open the app once from your Shopify admin and accept the requested permissions, then import again." },
    ACCESS_DENIED: { text: "Shopify denied access to your orders or customers.", action: "Check that Momento has the read_orders and read_customers permissions and access to protected customer data, then import again." },
    NO_SESSION: { text: "Momento is not installed on this shop any more.", action: "Install the app again; the import starts by itself." },
    TIMEOUT: { text: "Shopify's export took too long and was stopped.", action: "Import again; if it happens again, contact support." },
    INTERNAL_SERVER_ERROR: { text: "Shopify had an internal error during the export.", action: "Import again in a few minutes." },
    EXPIRED: { text: "Shopify's export file expired before it was read.", action: "Import again." },
    CANCELED: { text: "The export was canceled in Shopify.", action: "Import again." },
    SHOPIFY_ERROR: { text: "Shopify refused the export.", action: "Import again; if it happens again, contact support with the answer below." },
    DOWNLOAD_FAILED: { text: "Momento could not download Shopify's export file.", action: "Import again; if it happens again, contact support." },
    FAILED: { text: "Shopify reported the export as failed.", action: "Import again." },
  } as Record<string, { text: string; action: string }>,
};

export type DataImportStrings = typeof en;

const de: DataImportStrings = {
  title: "Datenimport",
  description: "Momento übernimmt bei der Installation die Bestellungen und Kunden der letzten 12 Monate aus Shopify, damit Stammkunden und Kundenbindung ab Ihrer echten Historie zählen. Importierte Bestellungen lösen keine Nachrichten aus.",
  start: "Historie importieren",
  restart: "Erneut importieren",
  starting: "Wird gestartet …",
  none: "Es lief noch kein Import.",
  queued: "Der Import wartet darauf, dass der Hintergrunddienst ihn startet.",
  collecting: "Shopify stellt Ihre {phase} zusammen (bisher {count}).",
  reading: "Import der {phase}: {percent} %.",
  phases: { orders: "Bestellungen", customers: "Kunden" },
  done: "Importiert – Bestellungen: {orders}, Kunden: {customers}.",
  skipped: "Ausgelassene Datensätze: {skipped} (zum Beispiel eine Bestellung, deren neuerer Stand schon per Webhook da war).",
  progressLabel: "Fortschritt des Imports",
  startedAt: "Gestartet {time}",
  finishedAt: "Beendet {time}",
  limited: "Shopify gibt Momento nur die Bestellungen der letzten 60 Tage: Der App wurde read_all_orders nicht gewährt. Ältere Bestellungen werden nicht importiert.",
  failedTitle: "Der Import wurde abgebrochen",
  details: "Antwort von Shopify: {text}",
  imported: "Bisher importiert – Bestellungen: {orders}, Kunden: {customers}.",
  errors: {
    MISSING_SCOPE: { text: "Momento hat keine Berechtigung, diese Daten zu lesen ({detail}).", action: "Öffnen Sie die App einmal aus Ihrem Shopify-Admin und bestätigen Sie die angefragten Berechtigungen; importieren Sie dann erneut." },
    ACCESS_DENIED: { text: "Shopify hat den Zugriff auf Ihre Bestellungen oder Kunden verweigert.", action: "Prüfen Sie, ob Momento die Berechtigungen read_orders und read_customers sowie Zugriff auf geschützte Kundendaten hat, und importieren Sie erneut." },
    NO_SESSION: { text: "Momento ist in diesem Shop nicht mehr installiert.", action: "Installieren Sie die App erneut; der Import startet dann von selbst." },
    TIMEOUT: { text: "Der Export bei Shopify hat zu lange gedauert und wurde beendet.", action: "Importieren Sie erneut; passiert es wieder, wenden Sie sich an den Support." },
    INTERNAL_SERVER_ERROR: { text: "Bei Shopify ist während des Exports ein interner Fehler aufgetreten.", action: "Importieren Sie in ein paar Minuten erneut." },
    EXPIRED: { text: "Die Exportdatei von Shopify ist abgelaufen, bevor sie gelesen wurde.", action: "Importieren Sie erneut." },
    CANCELED: { text: "Der Export wurde in Shopify abgebrochen.", action: "Importieren Sie erneut." },
    SHOPIFY_ERROR: { text: "Shopify hat den Export abgelehnt.", action: "Importieren Sie erneut; passiert es wieder, wenden Sie sich mit der Antwort unten an den Support." },
    DOWNLOAD_FAILED: { text: "Momento konnte die Exportdatei von Shopify nicht herunterladen.", action: "Importieren Sie erneut; passiert es wieder, wenden Sie sich an den Support." },
    FAILED: { text: "Shopify hat den Export als fehlgeschlagen gemeldet.", action: "Importieren Sie erneut." },
  },
};

export const DATA_IMPORT: Record<AdminLanguage, DataImportStrings> = { en, de };
