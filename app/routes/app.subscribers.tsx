import { useEffect, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, Divider, InlineStack, Layout, Modal, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { downloadFile, linkWithParams, PaginatedTable } from "../components/merchant-ui";
import { authenticate, db, getClock } from "../shopify.server";
import { parseSubscriberFilters, revokeSubscriber, subscribersPage, type RevokeResult, type SubscriberDetail } from "../.server/consent/subscribers";
import { subscribersLanguage } from "../.server/i18n/subscribers";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return subscribersPage(db, session.shop, parseSubscriberFilters(new URL(request.url)), await subscribersLanguage(db, session.shop, request));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, sessionToken } = await authenticate.admin(request);
  const form = await request.formData();
  if (form.get("intent") !== "revoke") return Response.json({ ok: false, message: "Unknown action" }, { status: 400 });
  return revokeSubscriber(db, getClock(), session.shop, String(form.get("consentId") ?? ""), { staffUserId: sessionToken?.sub ?? null }, await subscribersLanguage(db, session.shop, request));
};

const BADGE_TONE = { REQUESTED: "attention", CONFIRMED: "success", REVOKED: "critical" } as const;

function StateBadge({ state, label }: { state: string; label: string }) {
  return <Badge tone={BADGE_TONE[state as keyof typeof BADGE_TONE]}>{label}</Badge>;
}

export default function Subscribers() {
  const data = useLoaderData<typeof loader>();
  const t = data.strings;
  const shopify = useAppBridge();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(data.filters.q);
  const [state, setState] = useState(data.filters.state ?? "");

  const linkWith = (changes: Record<string, string | null>) => linkWithParams(params, changes);
  const applyFilters = (nextState = state) => setParams(new URLSearchParams(linkWith({ q, state: nextState, page: null, selected: null }).slice(1)));
  const downloadOrWarn = async (url: string) => {
    if (!(await downloadFile(url))) shopify.toast.show("Download failed", { isError: true });
  };

  const rows = data.rows.map((row) => [
    row.phone ?? row.waUserId ?? "—",
    row.name ?? "—",
    <StateBadge key="state" state={row.state} label={row.stateLabel} />,
    row.since,
    <div key="evidence" title={row.evidence} style={{ maxWidth: "22rem", overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
      {row.evidence}
    </div>,
    <Button key="view" variant="plain" url={linkWith({ selected: row.id })}>
      {t.view}
    </Button>,
  ]);

  return (
    <Page primaryAction={{ content: t.exportCsv, disabled: !data.hasAny, onAction: () => void downloadOrWarn("/app/subscribers.csv") }}>
      <TitleBar title={t.title} />
      <Layout>
        {data.detail ? (
          <Layout.Section>
            <EvidenceCard detail={data.detail} strings={t} closeUrl={linkWith({ selected: null })} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          {data.hasAny ? (
            <Card padding="0">
              <Box padding="400">
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    applyFilters();
                  }}
                >
                  <InlineStack gap="300" blockAlign="end" wrap={false}>
                    <div style={{ flex: 1 }}>
                      <TextField label={t.searchLabel} value={q} onChange={setQ} placeholder={t.searchPlaceholder} autoComplete="off" clearButton onClearButtonClick={() => setQ("")} />
                    </div>
                    <Select
                      label={t.stateLabel}
                      options={[{ label: t.allStates, value: "" }, ...(["REQUESTED", "CONFIRMED", "REVOKED", "REDACTED"] as const).map((s) => ({ label: t.states[s], value: s }))]}
                      value={state}
                      onChange={(value) => {
                        setState(value);
                        applyFilters(value);
                      }}
                    />
                    <Button submit>{t.search}</Button>
                  </InlineStack>
                </form>
              </Box>
              <PaginatedTable
                headings={[t.columns.number, t.columns.name, t.columns.state, t.columns.since, t.columns.evidence, ""]}
                rows={rows}
                emptyText={t.noMatches}
                countLabel={data.countLabel}
                page={data.page}
                pageCount={data.pageCount}
                linkWith={linkWith}
                previousLabel={t.previous}
                nextLabel={t.next}
              />
            </Card>
          ) : (
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {t.emptyHeading}
                </Text>
                {t.emptyBody.map((line) => (
                  <Text as="p" key={line}>
                    {line}
                  </Text>
                ))}
              </BlockStack>
            </Card>
          )}
        </Layout.Section>
        {data.dataExports.length > 0 ? (
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {t.dataRequests.title}
                </Text>
                <Text as="p" tone="subdued">
                  {t.dataRequests.body}
                </Text>
                {data.dataExports.map((e) => (
                  <InlineStack key={e.id} align="space-between" blockAlign="center">
                    <Text as="span">{e.label}</Text>
                    <Button onClick={() => void downloadOrWarn(`/app/subscribers/data-export/${e.id}`)}>{t.dataRequests.download}</Button>
                  </InlineStack>
                ))}
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}

function EvidenceCard({ detail, strings: t, closeUrl }: { detail: SubscriberDetail; strings: ReturnType<typeof useLoaderData<typeof loader>>["strings"]; closeUrl: string }) {
  const shopify = useAppBridge();
  const fetcher = useFetcher<RevokeResult>();
  const [confirming, setConfirming] = useState(false);
  const busy = fetcher.state !== "idle";

  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data) {
      shopify.toast.show(fetcher.data.message, { isError: !fetcher.data.ok });
      setConfirming(false);
    }
  }, [fetcher.state, fetcher.data, shopify]);

  const facts = [
    [t.columns.name, detail.name],
    ["Email", detail.email],
    [t.detail.customer, detail.customerId],
    [t.detail.locale, detail.locale],
  ].filter((f): f is [string, string] => !!f[1]);

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="start">
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {detail.title}
              </Text>
              <StateBadge state={detail.state} label={detail.stateLabel} />
            </InlineStack>
            <Text as="p" tone="subdued">
              {detail.stateHelp}
            </Text>
            {facts.map(([label, value]) => (
              <Text as="p" variant="bodySm" key={label}>
                {label}: {value}
              </Text>
            ))}
          </BlockStack>
          <InlineStack gap="200">
            {detail.canRevoke ? (
              <Button tone="critical" onClick={() => setConfirming(true)} loading={busy}>
                {t.revoke.button}
              </Button>
            ) : null}
            <Button url={closeUrl}>{t.detail.close}</Button>
          </InlineStack>
        </InlineStack>
        <Divider />
        <Text as="h3" variant="headingSm">
          {t.detail.trail}
        </Text>
        {detail.events.length === 0 ? (
          <Text as="p" tone="subdued">
            {t.detail.noEvents}
          </Text>
        ) : (
          <BlockStack gap="300">
            {detail.events.map((e) => (
              <BlockStack gap="100" key={e.id}>
                <Text as="p" fontWeight="semibold">
                  {e.at} · {e.from} → {e.to} · {e.source}
                </Text>
                <Text as="p">{e.summary}</Text>
                {e.details.map((d) => (
                  <Text as="p" variant="bodySm" tone="subdued" key={d.label}>
                    {d.label}: {d.value}
                  </Text>
                ))}
                {e.writeBack ? (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {e.writeBack}
                  </Text>
                ) : null}
              </BlockStack>
            ))}
          </BlockStack>
        )}
      </BlockStack>
      <Modal
        open={confirming}
        onClose={() => setConfirming(false)}
        title={t.revoke.title}
        primaryAction={{
          content: t.revoke.confirm,
          destructive: true,
          loading: busy,
          onAction: () => fetcher.submit({ intent: "revoke", consentId: detail.id }, { method: "post" }),
        }}
        secondaryActions={[{ content: t.revoke.cancel, onAction: () => setConfirming(false) }]}
      >
        <Modal.Section>
          <Text as="p">{t.revoke.body}</Text>
        </Modal.Section>
      </Modal>
    </Card>
  );
}
