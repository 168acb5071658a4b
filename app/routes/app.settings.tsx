import { useEffect, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, DescriptionList, FormLayout, InlineError, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "../shopify.server";
import { merchantDeps } from "../merchant.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { settingsAction, settingsPage } from "../.server/settings/page";
import { fieldErrors, FailureBanner, resultFor, useActionToast } from "../components/merchant-ui";
import { DataImportCard } from "../components/data-import-card";
import { CredentialFields } from "../components/whatsapp-credentials";
import { readForm } from "~/.server/http/form";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return settingsPage(deps, session.shop, await adminLanguage(deps.db, session.shop, request));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return settingsAction(deps, session.shop, await readForm(request), await adminLanguage(deps.db, session.shop, request));
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

export default function Settings() {
  const data = useLoaderData<typeof loader>();
  return (
    <Page>
      <TitleBar title={data.strings.title} />
      <Layout>
        <ConnectionSection data={data} />
        <RulesSection data={data} />
        <CostsSection data={data} />
        <DataImportCard />
      </Layout>
    </Page>
  );
}

function ConnectionSection({ data }: { data: Data }) {
  const s = data.strings.connection;
  const f = data.connectionStrings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const result = resultFor(fetcher, "credentials");
  const errors = fieldErrors(result);
  const [editing, setEditing] = useState(false);
  const empty = { phoneNumberId: data.connection?.phoneNumberId ?? "", wabaId: data.connection?.wabaId ?? "", appId: data.connection?.appId ?? "", accessToken: "", appSecret: "", verifyToken: "" };
  const [values, setValues] = useState(empty);
  useEffect(() => {
    if (result?.ok) setEditing(false);
  }, [result]);
  const set = (field: keyof typeof values) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  return (
    <Layout.AnnotatedSection id="connection" title={s.title} description={s.description}>
      <Card>
        <BlockStack gap="400">
          {data.connection ? (
            <DescriptionList
              items={[
                { term: s.phone, description: data.connection.displayPhone ?? "—" },
                { term: s.phoneNumberId, description: data.connection.phoneNumberId },
                { term: s.wabaId, description: data.connection.wabaId },
                { term: s.appId, description: data.connection.appId || "—" },
                { term: s.token, description: data.connection.tokenHint },
                { term: s.appSecret, description: data.connection.appSecretHint },
                { term: s.verifyToken, description: data.connection.verifyTokenHint },
                { term: s.checked, description: data.connection.checked },
              ]}
            />
          ) : (
            <Text as="p">{s.none}</Text>
          )}
          <TextField label={f.callbackUrl} value={data.callbackUrl} readOnly autoComplete="off" helpText={f.callbackUrlHelp} />
          {editing || !data.connection ? (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="credentials" />
              <BlockStack gap="300">
                <FailureBanner result={result} codeLabel={data.common.errorCode} whatToDo={data.common.whatToDo} />
                {data.demoCredentials ? (
                  <InlineStack>
                    <Button onClick={() => setValues({ ...data.demoCredentials! })}>{f.demoFill}</Button>
                  </InlineStack>
                ) : null}
                <CredentialFields strings={f} values={values} onChange={set} errors={errors} stored={data.connection} />
                <InlineStack gap="200">
                  <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                    {f.submit}
                  </Button>
                  {data.connection ? (
                    <Button
                      onClick={() => {
                        setEditing(false);
                        setValues(empty);
                      }}
                    >
                      {s.cancel}
                    </Button>
                  ) : null}
                </InlineStack>
              </BlockStack>
            </fetcher.Form>
          ) : (
            <InlineStack>
              <Button onClick={() => setEditing(true)}>{s.replace}</Button>
            </InlineStack>
          )}
        </BlockStack>
      </Card>
    </Layout.AnnotatedSection>
  );
}

function RulesSection({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const result = resultFor(fetcher, "rules");
  const errors = fieldErrors(result);
  const [v, setV] = useState(data.rules);
  const set = <K extends keyof typeof v>(field: K) => (value: (typeof v)[K]) => setV((old) => ({ ...old, [field]: value }));
  const failed = result && !result.ok;

  return (
    // One form across two sections; `display: contents` keeps the form out of the Layout's flow.
    <fetcher.Form method="post" style={{ display: "contents" }}>
      <input type="hidden" name="intent" value="rules" />
      <Layout.AnnotatedSection id="rules" title={s.rules.title} description={s.rules.description}>
          <Card>
            <BlockStack gap="400">
              {failed ? <Banner tone="critical" title={result.message} /> : null}
              <FormLayout>
                <TextField
                  label={s.rules.shopName}
                  name="shopName"
                  value={v.shopName}
                  onChange={set("shopName")}
                  error={errors.shopName}
                  helpText={s.rules.shopNameHelp.replace("{name}", v.shopName || data.rules.shopNameFallback).replace("{fallback}", data.rules.shopNameFallback)}
                  autoComplete="off"
                  placeholder={data.rules.shopNameFallback}
                />
                <Select
                  label={s.rules.defaultLanguage}
                  name="defaultLanguage"
                  options={[
                    { label: data.common.languages.de, value: "de" },
                    { label: data.common.languages.en, value: "en" },
                  ]}
                  value={v.defaultLanguage}
                  onChange={set("defaultLanguage")}
                  error={errors.defaultLanguage}
                  helpText={s.rules.defaultLanguageHelp}
                />
                <BlockStack gap="200">
                  <Checkbox label={s.rules.quietHours} name="quietHoursEnabled" value="on" checked={v.quietHoursEnabled} onChange={set("quietHoursEnabled")} helpText={s.rules.quietHoursHelp} />
                  {v.quietHoursEnabled ? (
                    <FormLayout.Group condensed>
                      <TextField label={s.rules.quietStart} name="quietStart" type="time" value={v.quietStart} onChange={set("quietStart")} error={errors.quietStart} autoComplete="off" />
                      <TextField label={s.rules.quietEnd} name="quietEnd" type="time" value={v.quietEnd} onChange={set("quietEnd")} error={errors.quietEnd} autoComplete="off" />
                    </FormLayout.Group>
                  ) : null}
                </BlockStack>
                <BlockStack gap="200">
                  <Checkbox label={s.rules.cap} name="capEnabled" value="on" checked={v.capEnabled} onChange={set("capEnabled")} helpText={s.rules.capHelp} />
                  {v.capEnabled ? (
                    <TextField label={s.rules.capValue} name="marketingCap" type="number" value={v.marketingCap} onChange={set("marketingCap")} error={errors.marketingCap} autoComplete="off" min={1} max={20} />
                  ) : null}
                </BlockStack>
              </FormLayout>
              <InlineStack align="end">
                <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                  {data.common.save}
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
      </Layout.AnnotatedSection>
      <Layout.AnnotatedSection id="measuring" title={s.measuring.title} description={s.measuring.description}>
        <Card>
          <BlockStack gap="400">
            <FormLayout>
              <FormLayout.Group>
                <TextField
                  label={s.measuring.attribution}
                  name="attributionWindowDays"
                  type="number"
                  value={v.attributionWindowDays}
                  onChange={set("attributionWindowDays")}
                  error={errors.attributionWindowDays}
                  helpText={s.measuring.attributionHelp}
                  autoComplete="off"
                />
                <TextField
                  label={s.measuring.holdout}
                  name="holdoutPercent"
                  type="number"
                  value={v.holdoutPercent}
                  onChange={set("holdoutPercent")}
                  error={errors.holdoutPercent}
                  helpText={s.measuring.holdoutHelp}
                  autoComplete="off"
                />
              </FormLayout.Group>
            </FormLayout>
            <InlineStack align="end">
              <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                {data.common.save}
              </Button>
            </InlineStack>
          </BlockStack>
        </Card>
      </Layout.AnnotatedSection>
    </fetcher.Form>
  );
}

function CostsSection({ data }: { data: Data }) {
  const s = data.strings.costs;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const result = resultFor(fetcher, "costs");
  const errors = fieldErrors(result);
  const [currency, setCurrency] = useState(data.costs.currency);
  const [rows, setRows] = useState(data.costs.rows);
  const setCell = (i: number, field: "country" | "marketing" | "utility") => (value: string) => setRows((r) => r.map((row, j) => (j === i ? { ...row, [field]: value } : row)));

  return (
    <Layout.AnnotatedSection id="costs" title={s.title} description={s.description}>
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="costs" />
        <Card>
          <BlockStack gap="400">
            {result && !result.ok ? <Banner tone="critical" title={result.message} /> : null}
            <div style={{ maxWidth: 160 }}>
              <TextField label={s.currency} name="costCurrency" value={currency} onChange={setCurrency} error={errors.costCurrency} autoComplete="off" maxLength={3} />
            </div>
            {rows.map((row, i) => (
              <InlineStack key={i} gap="300" blockAlign="start" wrap={false}>
                <div style={{ width: 120 }}>
                  <TextField label={s.country} name="country" value={row.country} onChange={setCell(i, "country")} error={errors[`country.${i}`]} autoComplete="off" helpText={row.country === "*" ? s.otherCountries : undefined} />
                </div>
                <div style={{ flex: 1 }}>
                  <TextField label={`${s.marketing} (${currency})`} name="marketing" value={row.marketing} onChange={setCell(i, "marketing")} error={errors[`marketing.${i}`]} autoComplete="off" inputMode="decimal" />
                </div>
                <div style={{ flex: 1 }}>
                  <TextField label={`${s.utility} (${currency})`} name="utility" value={row.utility} onChange={setCell(i, "utility")} error={errors[`utility.${i}`]} autoComplete="off" inputMode="decimal" />
                </div>
                <div style={{ paddingTop: 24 }}>
                  <Button variant="plain" tone="critical" onClick={() => setRows((r) => r.filter((_, j) => j !== i))} accessibilityLabel={`${s.removeRow} ${row.country}`}>
                    {s.removeRow}
                  </Button>
                </div>
              </InlineStack>
            ))}
            {errors.costRates ? <InlineError message={errors.costRates} fieldID="costs" /> : null}
            <InlineStack align="space-between">
              <Button onClick={() => setRows((r) => [...r, { country: "", marketing: "", utility: "" }])}>{s.addRow}</Button>
              <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                {data.common.save}
              </Button>
            </InlineStack>
          </BlockStack>
        </Card>
      </fetcher.Form>
    </Layout.AnnotatedSection>
  );
}
