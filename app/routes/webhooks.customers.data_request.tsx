import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** customers/data_request: record the request (compliance). */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
