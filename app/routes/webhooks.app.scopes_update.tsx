import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** app/scopes_update: store the new scopes on the shop's sessions. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
