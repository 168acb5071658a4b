import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** fulfillments/update: a new tracking number or a delivery report; the newest payload wins. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
