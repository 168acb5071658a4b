import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** fulfillments/create: project the fulfillment, plan the shipping update and the feedback request. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
