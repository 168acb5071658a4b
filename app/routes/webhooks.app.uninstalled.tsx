import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** app/uninstalled: delete the shop's sessions, cancel its scheduled messages. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
