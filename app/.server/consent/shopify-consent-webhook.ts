// customers_whats_app_marketing_consent/update: a change made in Shopify flows into our state
// (without a write-back, so nothing loops).
import type { TopicHandler } from "../ingest/receive-shopify-event";

export const handleWhatsAppConsentUpdate: TopicHandler = async () => ({ plans: [], note: "recorded; applying Shopify's consent is not built yet" });
