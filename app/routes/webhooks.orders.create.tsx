import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyEvent } from "../.server/ingest/receive-shopify-event";
import { authenticateShopifyEvent, ingestDeps } from "../webhooks.server";

/** orders/create: project the order and plan the order confirmation. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const event = await authenticateShopifyEvent(request);
  await receiveShopifyEvent(ingestDeps(), event);
  return new Response();
};
