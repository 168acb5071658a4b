import type { DbTx } from "../db";
import { readSettings, writeSettings } from "../settings/store";
import { pickAdminLanguage, requestedAdminLanguage, type AdminLanguage } from "./locale";

/**
 * The layout's call: the admin language of this request, remembered for the shop when Shopify sent one
 * (client-side navigations carry no `locale`, so child pages fall back to the remembered one).
 */
export async function rememberAdminLanguage(db: DbTx, shop: string, request: Request): Promise<AdminLanguage> {
  const requested = requestedAdminLanguage(request);
  const settings = await readSettings(db, shop);
  if (requested && requested !== settings.adminLocale) await writeSettings(db, shop, { adminLocale: requested });
  return requested ?? settings.adminLocale ?? "en";
}

/** A page loader's call: the request's language, else the shop's remembered one. Never writes. */
export async function adminLanguage(db: DbTx, shop: string, request: Request): Promise<AdminLanguage> {
  const requested = requestedAdminLanguage(request);
  if (requested) return requested;
  return pickAdminLanguage(request, (await readSettings(db, shop)).adminLocale);
}
