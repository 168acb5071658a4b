import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** orders/cancelled: project the cancellation; pending messages for the order are cancelled at send time. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
