import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate, db, getClock } from "../shopify.server";
import { recentStats } from "../.server/analytics/recent-stats";
import { adminLanguage } from "../.server/i18n/admin-language";
import { HOME } from "../.server/i18n/home";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const strings = HOME[await adminLanguage(db, session.shop, request)];
  return { shop: session.shop, strings, ...(await recentStats(db, getClock(), session.shop)) };
};

// Each figure with its METRICS.md definition, in words a merchant reads (strings in i18n/home.ts).
const FIGURES = ["sent", "delivered", "read", "failed", "skipped"] as const;

export default function Index() {
  const { shop, strings, stats, firstDay, lastDay } = useLoaderData<typeof loader>();
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
                  {strings.heading}
                </Text>
                <Text as="p" tone="subdued">
                  {strings.period.replace("{shop}", shop).replace("{first}", firstDay).replace("{last}", lastDay)}
                </Text>
              </BlockStack>
              <InlineGrid columns={{ xs: 2, md: 5 }} gap="400">
                {FIGURES.map((key) => (
                  <BlockStack gap="100" key={key}>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {strings.figures[key].label}
                    </Text>
                    <Text as="p" variant="headingXl">
                      {confirmations?.[key] ?? 0}
                    </Text>
                    <Text as="p" variant="bodyXs" tone="subdued">
                      {strings.figures[key].help}
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
