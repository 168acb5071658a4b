import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, db } from "../shopify.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { messageLogCsv } from "../.server/exports/message-log-csv";
import { csvHeaders } from "../.server/exports/csv";
import { parseLogFilters } from "../.server/message-log/log";

/** GET /app/messages.csv?flow=&status=&from=&to=&phone=: the Message log's messages for these filters. */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const result = await messageLogCsv(db, session.shop, parseLogFilters(new URL(request.url)), await adminLanguage(db, session.shop, request));
  if (!result.ok) return Response.json({ errors: result.errors }, { status: 400 });
  return new Response(result.body, { headers: csvHeaders(result.filename) });
};
