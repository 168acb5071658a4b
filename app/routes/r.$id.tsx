import type { LoaderFunctionArgs } from "@remix-run/node";
import { followMessageLink } from "../.server/ingest/follow-message-link";
import { ingestDeps } from "../webhooks.server";

/** The URL button of a message points here: record the click, then send the shopper on. */
export const loader = async ({ params }: LoaderFunctionArgs) => {
  const target = await followMessageLink(ingestDeps(), params.id ?? "");
  if (!target) return new Response("This link is not valid (any more).", { status: 404 });
  return new Response(null, { status: 302, headers: { Location: target } });
};
