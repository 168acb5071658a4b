import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, db, getClock } from "../shopify.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { dataImportCard, startDataImport } from "../.server/history-import/page";

/** GET /app/data-import: the history import's progress for the Settings page's card (polled while it runs). */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return dataImportCard(db, session.shop, await adminLanguage(db, session.shop, request));
};

/** POST intent=start: import the history again (or show the import already under way). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return startDataImport(db, getClock(), session.shop, await request.formData(), await adminLanguage(db, session.shop, request));
};
