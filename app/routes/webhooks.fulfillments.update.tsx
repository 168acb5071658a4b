import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyEvent } from "../.server/ingest/receive-shopify-event";
import { authenticateShopifyEvent, ingestDeps } from "../webhooks.server";

/** fulfillments/update: a new tracking number or a delivery report; the newest payload wins. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const event = await authenticateShopifyEvent(request);
  await receiveShopifyEvent(ingestDeps(), event);
  return new Response();
};
