import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** orders/updated: project the order (newer state wins). */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
