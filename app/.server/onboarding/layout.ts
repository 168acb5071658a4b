// What the app's layout needs on every page: the admin language (remembered from Shopify's `locale`),
// the navigation labels with the Setup progress, and whether the first open should land on Setup.
import { COMMON } from "../i18n/common";
import { rememberAdminLanguage } from "../i18n/admin-language";
import { fill } from "../i18n/form-errors";
import type { AdminLanguage } from "../i18n/locale";
import type { MerchantDeps } from "./deps";
import { setupProgress, shouldOpenOnboarding } from "./service";

export interface MerchantLayout {
  language: AdminLanguage;
  /** Set when the request should go to Setup instead (the first open of a new shop). */
  redirectTo: string | null;
  nav: { home: string; setup: string; automations: string; messages: string; subscribers: string; settings: string };
}

export async function merchantLayout(deps: MerchantDeps, shop: string, request: Request): Promise<MerchantLayout> {
  const url = new URL(request.url);
  const language = await rememberAdminLanguage(deps.db, shop, request);
  // Only a document request for the home page is redirected (the search keeps Shopify's parameters).
  const redirectTo = url.pathname.replace(/\/$/, "") === "/app" && (await shouldOpenOnboarding(deps, shop)) ? `/app/onboarding${url.search}` : null;
  const progress = await setupProgress(deps, shop);
  const n = COMMON[language].nav;
  return {
    language,
    redirectTo,
    nav: {
      home: n.home,
      setup: progress.done === progress.total ? n.setup : fill(n.setupProgress, progress),
      automations: n.automations,
      messages: n.messages,
      subscribers: n.subscribers,
      settings: n.settings,
    },
  };
}
