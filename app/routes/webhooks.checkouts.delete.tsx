import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** checkouts/delete: close the checkout; its pending reminders are cancelled. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
