import { useEffect, useState } from "react";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { BlockStack, Box, Button, Card, DataTable, Divider, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { authenticate, db } from "../shopify.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { messageLogPage, parseLogFilters } from "../.server/message-log/log";
import { downloadFile, linkWithParams, PaginatedTable, StatusBadge } from "../components/merchant-ui";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return messageLogPage(db, session.shop, parseLogFilters(new URL(request.url)), await adminLanguage(db, session.shop, request));
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

export default function MessageLog() {
  const data = useLoaderData<typeof loader>();
  const s = data.strings;
  const [params, setParams] = useSearchParams();
  const [form, setForm] = useState({ flow: data.filters.flow, status: data.filters.status, from: data.filters.from, to: data.filters.to, phone: data.filters.phone });
  const set = (field: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [field]: value }));

  const linkWith = (changes: Record<string, string | null>) => linkWithParams(params, changes);
  const shopify = useAppBridge();
  const downloadOrWarn = async (url: string) => {
    if (!(await downloadFile(url))) shopify.toast.show(s.exportFailed, { isError: true });
  };
  const applied = data.filters;
  const exportParams = new URLSearchParams(Object.entries({ flow: applied.flow, status: applied.status, from: applied.from, to: applied.to, phone: applied.phone }).filter(([, v]) => v));
  const apply = (changes: Partial<typeof form> = {}) => setParams(new URLSearchParams(linkWith({ ...form, ...changes, page: null, selected: null }).slice(1)));

  const rows = data.rows.map((row) => [
    row.at,
    row.flow,
    row.to,
    <StatusBadge key="status" status={row.status} label={row.statusLabel} />,
    <div key="why" title={row.why} style={{ maxWidth: "24rem", whiteSpace: "normal" }}>
      {row.why}
    </div>,
    <Button key="open" variant="plain" url={linkWith({ selected: row.id })} accessibilityLabel={`${s.view}: ${row.flow}, ${row.to}, ${row.at}`}>
      {s.view}
    </Button>,
  ]);

  return (
    <Page
      secondaryActions={[
        { content: s.exportMessages, disabled: !data.hasAny, onAction: () => void downloadOrWarn(`/app/messages.csv?${exportParams}`) },
        { content: s.exportStats, onAction: () => void downloadOrWarn(statsExportUrl(applied.from, applied.to)) },
      ]}
    >
      <TitleBar title={s.title} />
      <Layout>
        <Layout.Section>
          <Text as="p" tone="subdued">
            {s.intro}
          </Text>
        </Layout.Section>
        {data.detail ? (
          <Layout.Section>
            <Timeline data={data} closeUrl={linkWith({ selected: null })} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card padding="0">
            <Box padding="400">
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  apply();
                }}
              >
                <BlockStack gap="300">
                  <InlineGrid columns={{ xs: 1, sm: 2, md: 5 }} gap="300">
                    <Select label={s.filters.flow} options={data.flowOptions} value={form.flow} onChange={(v) => (set("flow")(v), apply({ flow: v }))} />
                    <Select label={s.filters.status} options={data.statusOptions} value={form.status} onChange={(v) => (set("status")(v), apply({ status: v }))} />
                    <TextField label={s.filters.from} type="date" value={form.from} onChange={set("from")} error={data.errors.from} autoComplete="off" />
                    <TextField label={s.filters.to} type="date" value={form.to} onChange={set("to")} error={data.errors.to} autoComplete="off" />
                    <TextField label={s.filters.phone} type="search" value={form.phone} onChange={set("phone")} error={data.errors.phone} placeholder={s.filters.phonePlaceholder} autoComplete="off" />
                  </InlineGrid>
                  <InlineStack gap="200">
                    <Button submit variant="primary">
                      {s.filters.apply}
                    </Button>
                    <Button
                      onClick={() => {
                        setForm({ flow: "", status: "", from: "", to: "", phone: "" });
                        setParams(new URLSearchParams());
                      }}
                    >
                      {s.filters.clear}
                    </Button>
                  </InlineStack>
                </BlockStack>
              </form>
            </Box>
            <PaginatedTable
              headings={[s.columns.time, s.columns.flow, s.columns.to, s.columns.status, s.columns.why, s.columns.open]}
              rows={rows}
              emptyText={data.hasAny ? s.none : s.empty}
              countLabel={data.countLabel}
              page={data.page}
              pageCount={data.pageCount}
              linkWith={linkWith}
              previousLabel={s.previous}
              nextLabel={s.next}
            />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Inbox data={data} linkWith={linkWith} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

/** The latest messages shoppers wrote, with what Momento did; the answer opens in the timeline above. */
function Inbox({ data, linkWith }: { data: Data; linkWith: (changes: Record<string, string | null>) => string }) {
  const s = data.strings.inbox;
  const rows = data.inbox.map((row) => [
    row.at,
    row.from,
    <div key="message" style={{ maxWidth: "24rem", whiteSpace: "pre-wrap" }}>
      {row.message}
    </div>,
    <div key="handled" style={{ maxWidth: "20rem", whiteSpace: "normal" }}>
      {row.handled}
    </div>,
    row.answerId ? (
      <Button key="answer" variant="plain" url={linkWith({ selected: row.answerId })} accessibilityLabel={`${s.viewAnswer}: ${row.from}, ${row.at}`}>
        {s.viewAnswer}
      </Button>
    ) : (
      "—"
    ),
  ]);
  return (
    <Card padding="0">
      <section aria-labelledby="inbox-heading">
        <Box padding="400">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd" id="inbox-heading">
              {s.title}
            </Text>
            <Text as="p" tone="subdued">
              {s.intro}
            </Text>
          </BlockStack>
        </Box>
        {rows.length > 0 ? (
          <DataTable
            columnContentTypes={["text", "text", "text", "text", "text"]}
            headings={[s.columns.time, s.columns.from, s.columns.message, s.columns.handled, s.columns.answer]}
            rows={rows}
            verticalAlign="top"
          />
        ) : (
          <Box padding="400">
            <Text as="p" tone="subdued">
              {s.empty}
            </Text>
          </Box>
        )}
      </section>
    </Card>
  );
}

function Timeline({ data, closeUrl }: { data: Data; closeUrl: string }) {
  const s = data.strings;
  const detail = data.detail!;
  const revalidator = useRevalidator();
  const moving = ["SCHEDULED", "SENDING", "SENT", "DELIVERED"].includes(detail.status);
  // Statuses arrive as WhatsApp webhooks; while the message is still moving, the timeline follows.
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 5000);
    const stop = setTimeout(() => clearInterval(timer), 120_000);
    return () => {
      clearInterval(timer);
      clearTimeout(stop);
    };
  }, [moving, revalidator]);

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="start">
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {detail.title}
              </Text>
              <StatusBadge status={detail.status} label={detail.statusLabel} />
            </InlineStack>
            <Text as="p" variant="bodySm" tone="subdued">
              {s.detail.template}: {detail.template}
              {detail.linkClicked ? ` · ${s.detail.link}: ${s.detail.clicked}` : ""}
            </Text>
          </BlockStack>
          <Button url={closeUrl}>{s.detail.close}</Button>
        </InlineStack>
        {detail.text ? (
          <Box background="bg-surface-secondary" padding="300" borderRadius="200">
            <Text as="p">
              <span style={{ whiteSpace: "pre-wrap" }}>{detail.text}</span>
            </Text>
          </Box>
        ) : null}
        <Divider />
        <Text as="h3" variant="headingSm">
          {s.detail.timeline}
        </Text>
        <ol style={{ listStyle: "none", margin: 0, padding: 0 }} aria-label={s.detail.timeline}>
          {detail.timeline.map((e) => (
            <li key={e.id} style={{ borderLeft: "2px solid var(--p-color-border)", padding: "0 0 16px 16px", position: "relative" }}>
              <span aria-hidden="true" style={{ position: "absolute", left: -6, top: 4, width: 10, height: 10, borderRadius: 5, background: e.status === "FAILED" ? "var(--p-color-bg-fill-critical)" : "var(--p-color-bg-fill-brand)" }} />
              <BlockStack gap="100">
                <InlineStack gap="200" blockAlign="center">
                  <StatusBadge status={e.status} label={e.statusLabel} />
                  <Text as="span" variant="bodySm" tone="subdued">
                    {e.at} · {e.source}
                  </Text>
                </InlineStack>
                {e.text ? <Text as="p">{e.text}</Text> : null}
                {e.error ? (
                  <Box background="bg-surface-critical" padding="300" borderRadius="200">
                    <BlockStack gap="100">
                      <Text as="p" fontWeight="semibold">
                        {e.error.label}: {e.error.meaning}
                      </Text>
                      <Text as="p">
                        <Text as="span" fontWeight="semibold">
                          {s.detail.whatToDo}
                        </Text>{" "}
                        {e.error.action}
                      </Text>
                    </BlockStack>
                  </Box>
                ) : null}
              </BlockStack>
            </li>
          ))}
        </ol>
      </BlockStack>
    </Card>
  );
}

/** The stats CSV for the days filtered here (both ends included), else for the dashboard's last 30 days. */
function statsExportUrl(from: string, to: string): string {
  const valid = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`));
  if (!valid(from) || !valid(to) || to < from) return "/app/export/stats.csv";
  const end = new Date(`${to}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return `/app/export/stats.csv?${new URLSearchParams({ from, to: end.toISOString().slice(0, 10) })}`;
}
