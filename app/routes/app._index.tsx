import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect, useState, type ReactNode } from "react";
import { Banner, BlockStack, Box, Button, Card, EmptyState, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { BarChart, LineChart, PolarisVizProvider } from "@shopify/polaris-viz";
import polarisVizStyles from "@shopify/polaris-viz/build/esm/styles.css?url";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate, db, getClock } from "../shopify.server";
import { dashboardData, PRESETS } from "../.server/analytics/dashboard";
import { MIN_NPS_ANSWERS } from "../.server/analytics/stats";
import type { MessageCounts, Stats } from "../.server/analytics/stats";
import { adminLanguage } from "../.server/i18n/admin-language";
import { DASHBOARD } from "../.server/i18n/dashboard";
import { formatCount, formatMoney, formatPercent, formatPoints, formatScore } from "../components/dashboard-format";
import { Figure } from "../components/figure";

export const links = () => [{ rel: "stylesheet", href: polarisVizStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const language = await adminLanguage(db, session.shop, request);
  const shop = await db.shop.findUnique({ where: { domain: session.shop }, select: { currency: true } });
  const data = await dashboardData(db, getClock(), session.shop, new URL(request.url).searchParams);
  return {
    ...data,
    presets: [...Object.keys(PRESETS), "custom"],
    minNpsAnswers: MIN_NPS_ANSWERS,
    locale: language === "de" ? "de-DE" : "en-US",
    currency: shop?.currency ?? "EUR",
    strings: DASHBOARD[language],
  };
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));

/** Figures as the page prints them, from one stats JSON. */
function figures(stats: Stats, d: Data) {
  const { locale, currency, strings: s } = d;
  const lift = stats.cartRecovery.incrementalLift;
  return {
    sent: formatCount(stats.messages.sent, locale),
    readRate: formatPercent(stats.messages.readRate, locale),
    optInRate: formatPercent(stats.orders.optInRate, locale),
    confirmationRate: formatPercent(stats.consent.confirmationRate, locale),
    recoveredWindow: formatMoney(stats.cartRecovery.recoveredRevenueWindow, currency, locale),
    recoveredClick: formatMoney(stats.cartRecovery.recoveredRevenueClick, currency, locale),
    lift: lift === null ? s.notEnoughData : formatPoints(lift, locale),
    returning: formatPercent(stats.retention.returningCustomerRate, locale),
    churn: formatPercent(stats.retention.churnRate, locale),
    nps: stats.nps.score === null ? s.notEnoughData : formatScore(stats.nps.score, locale),
  };
}

const sentOf = (c: MessageCounts) => c.sent + c.delivered + c.read;
const createdOf = (c: MessageCounts) => Object.values(c).reduce((a, b) => a + b, 0);

/**
 * polaris-viz measures its container in a layout effect, which React cannot run on the server (it warns, and the
 * first client render would differ). The page renders on the server; the charts draw once it is in the browser.
 */
function ClientChart({ id, height, children }: { id: string; height: number; children: () => ReactNode }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <div style={{ height }} data-chart={id}>
      {mounted ? children() : null}
    </div>
  );
}

/** Series colours, so the page's own legend matches the chart. */
const COLORS = ["#2b62a9", "#9f41dc", "#3f899e", "#ca7d4a"];

/** A legend drawn by the page: polaris-viz measures its own legend before the chart has its width, which can leave the chart a negative height. */
function Legend({ names }: { names: string[] }) {
  return (
    <InlineStack gap="300" align="center">
      {names.map((name, i) => (
        <InlineStack gap="100" key={name} blockAlign="center">
          <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 5, background: COLORS[i % COLORS.length] }} />
          <Text as="span" variant="bodySm" tone="subdued">
            {name}
          </Text>
        </InlineStack>
      ))}
    </InlineStack>
  );
}

function heat(share: number): string {
  return `rgba(0, 128, 96, ${(0.08 + share * 0.85).toFixed(2)})`;
}

function PeriodPicker({ data }: { data: Data }) {
  const s = data.strings.period;
  const [params, setParams] = useSearchParams();
  const [preset, setPreset] = useState<string>(data.period.preset);
  const [from, setFrom] = useState(data.period.first);
  const [to, setTo] = useState(data.period.last);
  const options = data.presets.map((value) => ({ value, label: s.presets[value as keyof typeof s.presets] }));
  const apply = (next: string) => {
    const query = new URLSearchParams(params);
    query.set("preset", next);
    if (next === "custom") {
      query.set("from", from);
      query.set("to", to);
    } else {
      query.delete("from");
      query.delete("to");
    }
    setParams(query);
  };
  return (
    <BlockStack gap="200">
      <InlineStack gap="300" blockAlign="end">
        <Select
          label={s.label}
          options={options}
          value={preset}
          onChange={(value) => {
            setPreset(value);
            if (value !== "custom") apply(value);
          }}
        />
        {preset === "custom" ? (
          <>
            <TextField label={s.from} type="date" value={from} onChange={setFrom} autoComplete="off" />
            <TextField label={s.to} type="date" value={to} onChange={setTo} autoComplete="off" />
            <Button onClick={() => apply("custom")}>{s.apply}</Button>
          </>
        ) : null}
      </InlineStack>
      <div data-period="">
        <Text as="p" tone="subdued">
          {fill(s.range, { first: data.period.first, last: data.period.last, timezone: data.period.timezone, prevFirst: data.period.prevFirst, prevLast: data.period.prevLast })}
        </Text>
      </div>
      {data.period.invalid ? <Banner tone="warning">{s.invalid}</Banner> : null}
    </BlockStack>
  );
}

export default function Dashboard() {
  const data = useLoaderData<typeof loader>();
  const { stats, previous, strings: s, locale } = data;
  const now = figures(stats, data);
  const before = figures(previous, data);
  const prev = (value: string) => fill(s.previous, { value });
  const f = s.figures;
  const empty = stats.orders.count === 0 && createdOf(stats.messages.total) === 0 && previous.orders.count === 0 && createdOf(previous.messages.total) === 0;

  const flows = Object.entries(stats.messages.byFlow) as [string, MessageCounts][];
  const stage = (name: string, value: (c: MessageCounts) => number, color: string) => ({ name, color, data: flows.map(([flow, c]) => ({ key: s.flows[flow] ?? flow, value: value(c) })) });

  return (
    <Page>
      <TitleBar title={s.heading} />
      <PolarisVizProvider>
        <Layout>
          <Layout.Section>
            <Card>
              <PeriodPicker data={data} />
            </Card>
          </Layout.Section>
          {empty ? (
            <Layout.Section>
              <Card>
                <EmptyState heading={s.empty.heading} action={{ content: s.empty.action, url: "/app/onboarding" }} image="">
                  <p>{s.empty.body}</p>
                </EmptyState>
              </Card>
            </Layout.Section>
          ) : null}
          <Layout.Section>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 3 }} gap="400">
              <Figure id="sent" label={f.sent.label} value={now.sent} previous={prev(before.sent)} help={f.sent.help} />
              <Figure id="readRate" label={f.readRate.label} value={now.readRate} previous={prev(before.readRate)} help={f.readRate.help} />
              <Figure id="optInRate" label={f.optInRate.label} value={now.optInRate} previous={prev(before.optInRate)} help={f.optInRate.help} />
              <Figure id="confirmationRate" label={f.confirmationRate.label} value={now.confirmationRate} previous={prev(before.confirmationRate)} help={f.confirmationRate.help} />
              <Figure id="recoveredWindow" label={`${f.recoveredRevenue.label} · ${f.recoveredRevenue.window}`} value={now.recoveredWindow} previous={prev(before.recoveredWindow)} help={f.recoveredRevenue.help}>
                <div data-figure="recoveredClick">
                  <Text as="p" variant="headingMd">
                    {f.recoveredRevenue.click}: {now.recoveredClick}
                  </Text>
                </div>
              </Figure>
              <Figure id="lift" label={f.lift.label} value={now.lift} previous={prev(before.lift)} help={fill(f.lift.help, { holdout: stats.cartRecovery.holdout })} />
              <Figure id="returning" label={f.returning.label} value={now.returning} previous={prev(before.returning)} help={f.returning.help} />
              <Figure id="churn" label={f.churn.label} value={now.churn} previous={prev(before.churn)} help={fill(f.churn.help, { days: stats.retention.lapsedAfterDays, lapsed: formatCount(stats.retention.lapsed, locale) })} />
              <Figure id="nps" label={f.nps.label} value={now.nps} previous={prev(before.nps)} help={fill(f.nps.help, { min: data.minNpsAnswers, responses: stats.nps.responses })} />
            </InlineGrid>
          </Layout.Section>
          <Layout.Section>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {s.charts.messages}
                  </Text>
                  <ClientChart id="messages" height={240}>
                    {() => (
                      <LineChart
                        theme="Light"
                        isAnimated={false}
                        showLegend={false}
                        data={[
                          { name: s.charts.messagesSent, color: COLORS[0], data: stats.daily.map((d) => ({ key: d.day, value: d.messagesSent })) },
                          { name: s.charts.messagesRead, color: COLORS[1], data: stats.daily.map((d) => ({ key: d.day, value: d.messagesRead })) },
                        ]}
                      />
                    )}
                  </ClientChart>
                  <Legend names={[s.charts.messagesSent, s.charts.messagesRead]} />
                </BlockStack>
              </Card>
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {s.charts.revenue}
                  </Text>
                  <ClientChart id="revenue" height={240}>
                    {() => (
                      <BarChart
                        theme="Light"
                        isAnimated={false}
                        showLegend={false}
                        data={[{ name: s.charts.revenueSeries, color: COLORS[0], data: stats.daily.map((d) => ({ key: d.day, value: Number(d.revenue) })) }]}
                      />
                    )}
                  </ClientChart>
                  <Text as="p" variant="bodyXs" tone="subdued">
                    {s.charts.revenueHelp}
                  </Text>
                </BlockStack>
              </Card>
            </InlineGrid>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {s.charts.funnel}
                </Text>
                <ClientChart id="funnel" height={280}>
                  {() => (
                    <BarChart
                      theme="Light"
                      isAnimated={false}
                      showLegend={false}
                      data={[
                        stage(s.charts.stages.created, createdOf, COLORS[0]),
                        stage(s.charts.stages.sent, sentOf, COLORS[1]),
                        stage(s.charts.stages.delivered, (c) => c.delivered + c.read, COLORS[2]),
                        stage(s.charts.stages.read, (c) => c.read, COLORS[3]),
                      ]}
                    />
                  )}
                </ClientChart>
                <Legend names={[s.charts.stages.created, s.charts.stages.sent, s.charts.stages.delivered, s.charts.stages.read]} />
                <Text as="p" variant="bodyXs" tone="subdued">
                  {s.charts.funnelHelp}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              <CohortTable data={data} />
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {s.subscribers.heading}
                  </Text>
                  <InlineGrid columns={2} gap="400">
                    {(["subscribers", "others"] as const).map((group) => (
                      <BlockStack gap="100" key={group}>
                        <Text as="p" variant="bodySm" tone="subdued">
                          {s.subscribers[group]}
                        </Text>
                        <div data-figure={`${group}Returning`}>
                          <Text as="p" variant="headingLg">
                            {formatPercent(stats.retention[group].returningCustomerRate, locale)}
                          </Text>
                        </div>
                        <div data-figure={`${group}Customers`}>
                          <Text as="p" variant="bodySm" tone="subdued">
                            {fill(s.subscribers.customers, { n: formatCount(stats.retention[group].customers, locale) })}
                          </Text>
                        </div>
                      </BlockStack>
                    ))}
                  </InlineGrid>
                  <Text as="p" variant="bodyXs" tone="subdued">
                    {s.subscribers.help}
                  </Text>
                  <Banner tone="info">{s.subscribers.note}</Banner>
                </BlockStack>
              </Card>
            </InlineGrid>
          </Layout.Section>
        </Layout>
      </PolarisVizProvider>
    </Page>
  );
}

function CohortTable({ data }: { data: Data }) {
  const { stats, strings: s, locale } = data;
  const cohorts = stats.retention.cohorts;
  const width = Math.max(0, ...cohorts.map((c) => c.retention.length));
  const cell = { padding: "4px 6px", textAlign: "right" as const, fontVariantNumeric: "tabular-nums" };
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          {s.cohorts.heading}
        </Text>
        {cohorts.length === 0 ? (
          <Text as="p" tone="subdued">
            {s.cohorts.empty}
          </Text>
        ) : (
          <Box overflowX="scroll">
            <table data-cohorts="" style={{ borderCollapse: "collapse", fontSize: 12 }}>
              <thead>
                <tr>
                  <th style={{ ...cell, textAlign: "left" }}>{s.cohorts.cohort}</th>
                  <th style={cell}>{s.cohorts.customers}</th>
                  {Array.from({ length: width }, (_, k) => (
                    <th key={k} style={cell}>
                      {fill(s.cohorts.month, { k })}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {cohorts.map((c) => (
                  <tr key={c.month} data-cohort={c.month}>
                    <td style={{ ...cell, textAlign: "left" }}>{c.month}</td>
                    <td style={cell}>{formatCount(c.customers, locale)}</td>
                    {c.retention.map((share, k) => (
                      <td key={k} style={{ ...cell, background: heat(share) }}>
                        {formatPercent(share, locale)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </Box>
        )}
        <Text as="p" variant="bodyXs" tone="subdued">
          {s.cohorts.help}
        </Text>
      </BlockStack>
    </Card>
  );
}
