import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** checkouts/update: project the checkout. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
