import type { LoaderFunctionArgs } from "@remix-run/node";
import { followMessageLink } from "../.server/ingest/follow-message-link";
import { ingestDeps } from "../webhooks.server";

/**
 * The URL button of a message points here: record the click, then send the shopper on. An unknown or tampered id
 * is a plain 404: the target always comes from our own message row, never from the request.
 */
export const loader = async ({ params }: LoaderFunctionArgs) => {
  const target = await followMessageLink(ingestDeps(), params.id ?? "");
  if (!target) return new Response("This link is not valid (any more).", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
  return new Response(null, { status: 302, headers: { Location: target, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
};
