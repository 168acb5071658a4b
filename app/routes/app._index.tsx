import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate, db, getClock } from "../shopify.server";
import { recentStats } from "../.server/analytics/recent-stats";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return { shop: session.shop, ...(await recentStats(db, getClock(), session.shop)) };
};

// Each figure with its METRICS.md definition, in words a merchant reads.
const FIGURES = [
  { key: "sent", label: "Sent", help: "Accepted by WhatsApp, not yet delivered." },
  { key: "delivered", label: "Delivered", help: "On the shopper's phone, not (yet) read." },
  { key: "read", label: "Read", help: "Read, as far as the shopper sends read receipts." },
  { key: "failed", label: "Failed", help: "WhatsApp could not deliver them." },
  { key: "skipped", label: "Skipped", help: "Not sent by policy: no consent or no valid number." },
] as const;

export default function Index() {
  const { shop, stats, firstDay, lastDay } = useLoaderData<typeof loader>();
  const confirmations = stats.messages.byFlow.order_confirmation;
  return (
    <Page>
      <TitleBar title="Momento" />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  Order confirmations on WhatsApp
                </Text>
                <Text as="p" tone="subdued">
                  {shop} · last 30 days, {firstDay} – {lastDay} (messages created in these days, each counted once by its latest status)
                </Text>
              </BlockStack>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                {FIGURES.map((f) => (
                  <BlockStack gap="100" key={f.key}>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {f.label}
                    </Text>
                    <Text as="p" variant="headingXl">
                      {confirmations?.[f.key] ?? 0}
                    </Text>
                    <Text as="p" variant="bodyXs" tone="subdued">
                      {f.help}
                    </Text>
                  </BlockStack>
                ))}
              </InlineGrid>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
