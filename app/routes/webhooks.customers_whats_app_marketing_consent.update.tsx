import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveShopifyWebhook } from "../webhooks.server";

/** customers_whats_app_marketing_consent/update: apply a consent change made in Shopify. */
export const action = ({ request }: ActionFunctionArgs) => receiveShopifyWebhook(request);
