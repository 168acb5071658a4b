// A figure card: the figure's name, its value, optionally the previous period's, and its one-line definition
// (the dashboard and the Cart recovery page). data-figure and data-previous mark the values for the browser tests.
import type { ReactNode } from "react";
import { BlockStack, Card, Text } from "@shopify/polaris";

export function Figure({ id, label, value, previous, help, children }: { id: string; label: string; value: string; previous?: string; help: string; children?: ReactNode }) {
  return (
    <Card>
      <BlockStack gap="100">
        <Text as="h3" variant="bodySm" tone="subdued">
          {label}
        </Text>
        <div data-figure={id}>
          <Text as="p" variant="headingXl">
            {value}
          </Text>
        </div>
        {children}
        {previous !== undefined ? (
          <div data-previous={id}>
            <Text as="p" variant="bodySm" tone="subdued">
              {previous}
            </Text>
          </div>
        ) : null}
        <Text as="p" variant="bodyXs" tone="subdued">
          {help}
        </Text>
      </BlockStack>
    </Card>
  );
}
