// The "Data import" card (Settings, #data-import): the history import's progress bar, polled while it runs.
import { useEffect } from "react";
import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Layout, ProgressBar, SkeletonBodyText, Text } from "@shopify/polaris";
import type { DataImportView } from "../.server/history-import/view";

const ENDPOINT = "/app/data-import";
const POLL_MS = 2_000;

export function DataImportCard() {
  const fetcher = useFetcher<DataImportView>();
  const data = fetcher.data;
  const load = fetcher.load;
  const idle = fetcher.state === "idle";

  useEffect(() => {
    load(ENDPOINT);
  }, [load]);
  useEffect(() => {
    if (data?.state !== "running" || !idle) return;
    const timer = setTimeout(() => load(ENDPOINT), POLL_MS);
    return () => clearTimeout(timer);
  }, [data, idle, load]);

  if (!data) {
    return (
      <Layout.AnnotatedSection id="data-import">
        <Card>
          <SkeletonBodyText lines={2} />
        </Card>
      </Layout.AnnotatedSection>
    );
  }
  const s = data.strings;
  const starting = fetcher.state === "submitting";
  return (
    <Layout.AnnotatedSection id="data-import" title={s.title} description={s.description}>
      <Card>
        <BlockStack gap="300">
          {data.state === "running" || data.state === "done" ? (
            <BlockStack gap="200">
              <Text as="p" id="data-import-status">
                {data.status ?? data.summary}
              </Text>
              <ProgressBar progress={data.progress} size="small" tone={data.state === "done" ? "success" : "highlight"} ariaLabelledBy="data-import-status" />
            </BlockStack>
          ) : null}
          {data.state === "none" ? <Text as="p">{data.status}</Text> : null}
          {data.state === "running" && data.summary ? (
            <Text as="p" tone="subdued">
              {data.summary}
            </Text>
          ) : null}
          {data.error ? (
            <Banner tone="critical" title={s.failedTitle}>
              <BlockStack gap="100">
                <Text as="p">{data.error.text}</Text>
                <Text as="p">{data.error.action}</Text>
                {data.summary ? <Text as="p">{data.summary}</Text> : null}
                {data.error.details ? (
                  <Text as="p" tone="subdued">
                    {data.error.details}
                  </Text>
                ) : null}
              </BlockStack>
            </Banner>
          ) : null}
          {data.limited ? <Banner tone="info">{data.limited}</Banner> : null}
          {data.skipped ? (
            <Text as="p" tone="subdued">
              {data.skipped}
            </Text>
          ) : null}
          <InlineStack gap="300" blockAlign="center">
            {data.state !== "running" ? (
              <fetcher.Form method="post" action={ENDPOINT}>
                <input type="hidden" name="intent" value="start" />
                <Button submit loading={starting}>
                  {data.state === "none" ? s.start : s.restart}
                </Button>
              </fetcher.Form>
            ) : null}
            <Text as="span" tone="subdued">
              {[data.startedAt, data.finishedAt].filter(Boolean).join(" · ")}
            </Text>
          </InlineStack>
        </BlockStack>
      </Card>
    </Layout.AnnotatedSection>
  );
}
