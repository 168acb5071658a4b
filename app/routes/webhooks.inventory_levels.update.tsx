import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyEvent } from "../.server/ingest/receive-shopify-event";
import { authenticateShopifyEvent, ingestDeps } from "../webhooks.server";

/** inventory_levels/update: the last known level; a restock of a subscribed variant queues the back-in-stock fan-out. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const event = await authenticateShopifyEvent(request);
  await receiveShopifyEvent(ingestDeps(), event);
  return new Response();
};
