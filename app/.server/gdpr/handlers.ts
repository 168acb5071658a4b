// Shopify's mandatory compliance webhooks (API-FACTS.md B1).
import type { TopicHandler } from "../ingest/receive-shopify-event";

export const handleCustomersDataRequest: TopicHandler = async () => ({ plans: [], note: "recorded; data export is not built yet" });
export const handleCustomersRedact: TopicHandler = async () => ({ plans: [], note: "recorded; erasure is not built yet" });
export const handleShopRedact: TopicHandler = async () => ({ plans: [], note: "recorded; erasure is not built yet" });
