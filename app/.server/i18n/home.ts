// The home page (order confirmations of the last 30 days). Each figure keeps its METRICS.md definition.
import type { AdminLanguage } from "./locale";

const en = {
  heading: "Order confirmations on WhatsApp",
  period: "{shop} · last 30 days, {first} – {last} (messages created in these days, each counted once by its latest status)",
  figures: {
    sent: { label: "Sent", help: "Accepted by WhatsApp, not yet delivered." },
    delivered: { label: "Delivered", help: "On the shopper's phone, not (yet) read." },
    read: { label: "Read", help: "Read, as far as the shopper sends read receipts." },
    failed: { label: "Failed", help: "WhatsApp could not deliver them." },
    skipped: { label: "Skipped", help: "Not sent by policy: no consent or no valid number." },
  },
};

export type HomeStrings = typeof en;

const de: HomeStrings = {
  heading: "Bestellbestätigungen auf WhatsApp",
  period: "{shop} · letzte 30 Tage, {first} – {last} (Nachrichten aus diesen Tagen, jede einmal mit ihrem letzten Status gezählt)",
  figures: {
    sent: { label: "Gesendet", help: "Von WhatsApp angenommen, noch nicht zugestellt." },
    delivered: { label: "Zugestellt", help: "Auf dem Handy der Person, (noch) nicht gelesen." },
    read: { label: "Gelesen", help: "Gelesen, soweit die Person Lesebestätigungen sendet." },
    failed: { label: "Fehlgeschlagen", help: "WhatsApp konnte sie nicht zustellen." },
    skipped: { label: "Übersprungen", help: "Nach den Regeln nicht gesendet: keine Einwilligung oder keine gültige Nummer." },
  },
};

export const HOME: Record<AdminLanguage, HomeStrings> = { en, de };
