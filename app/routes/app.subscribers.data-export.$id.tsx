import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, db } from "../shopify.server";
import { dataExportFile } from "../.server/consent/subscribers";

/** GET /app/subscribers/data-export/:id: a GDPR data export (customers/data_request) of this shop, as a file. */
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const file = await dataExportFile(db, session.shop, params.id ?? "");
  if (!file) return new Response("Not found", { status: 404 });
  return new Response(file.content, {
    headers: { "Content-Type": "application/json; charset=utf-8", "Content-Disposition": `attachment; filename="${file.filename}"`, "Cache-Control": "no-store" },
  });
};
