import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** inventory_levels/update: the last known level; a restock of a subscribed variant queues the back-in-stock fan-out. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
