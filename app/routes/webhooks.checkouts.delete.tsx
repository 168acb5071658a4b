import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyEvent } from "../.server/ingest/receive-shopify-event";
import { authenticateShopifyEvent, ingestDeps } from "../webhooks.server";

/** checkouts/delete: close the checkout; its pending reminders are cancelled. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const event = await authenticateShopifyEvent(request);
  await receiveShopifyEvent(ingestDeps(), event);
  return new Response();
};
