// The route's server side: the card's data, and "Import history" from the admin.
import type { Clock } from "../clock";
import type { Db } from "../db";
import type { AdminLanguage } from "../i18n/locale";
import { shopTimeZone } from "../settings/store";
import { requestHistoryImport } from "./job";
import { dataImportView, type DataImportView } from "./view";

export async function dataImportCard(db: Db, shop: string, language: AdminLanguage): Promise<DataImportView> {
  return dataImportView(db, shop, language, await shopTimeZone(db, shop));
}

/** Queues an import unless one is under way (then that one is shown); the worker runs it. */
export async function startDataImport(db: Db, clock: Clock, shop: string, form: FormData, language: AdminLanguage): Promise<DataImportView | Response> {
  if (form.get("intent") !== "start") return new Response("unknown intent", { status: 400 });
  await requestHistoryImport(db, clock, shop, "admin");
  return dataImportCard(db, shop, language);
}
