import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, db } from "../shopify.server";
import { consentLogCsv } from "../.server/consent/subscribers";

/** GET /app/subscribers.csv: the shop's consent log, one row per transition. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { filename, content } = await consentLogCsv(db, session.shop);
  // The byte-order mark makes spreadsheet apps read the file as UTF-8.
  return new Response(`\uFEFF${content}`, {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" },
  });
};
