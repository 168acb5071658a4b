import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyEvent } from "../.server/ingest/receive-shopify-event";
import { authenticateShopifyEvent, ingestDeps } from "../webhooks.server";

/** fulfillments/create: project the fulfillment, plan the shipping update and the feedback request. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const event = await authenticateShopifyEvent(request);
  await receiveShopifyEvent(ingestDeps(), event);
  return new Response();
};
