import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** orders/create: project the order and plan the order confirmation. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
