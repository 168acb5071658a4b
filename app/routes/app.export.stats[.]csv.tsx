import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, db, getClock } from "../shopify.server";
import { recentStats } from "../.server/analytics/recent-stats";
import { CSV_BOM, csvHeaders } from "../.server/exports/csv";
import { periodError, statsForDates } from "../.server/exports/stats-period";
import { statsCsv } from "../.server/exports/stats-csv";

/**
 * GET /app/export/stats.csv?from=YYYY-MM-DD&to=YYYY-MM-DD: the stats JSON of P = [from, to) (the shop's days) as
 * rows metric,value. Without dates: the dashboard's last 30 days.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const params = new URL(request.url).searchParams;
  const from = params.get("from")?.trim() ?? "";
  const to = params.get("to")?.trim() ?? "";
  let stats;
  if (!from && !to) stats = (await recentStats(db, getClock(), session.shop)).stats;
  else {
    const problem = periodError(from, to);
    if (problem) return Response.json({ error: problem }, { status: 400 });
    stats = await statsForDates(db, session.shop, from, to);
  }
  return new Response(CSV_BOM + statsCsv(stats), { headers: csvHeaders(`momento-stats-${stats.from}-${stats.to}.csv`) });
};
