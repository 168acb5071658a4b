import { useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, FormLayout, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "../shopify.server";
import { merchantDeps } from "../merchant.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { automationsAction, automationsPage } from "../.server/settings/automations-page";
import { fieldErrors, resultFor, useActionToast, WhatsAppBubble } from "../components/merchant-ui";
import { readForm } from "~/.server/http/form";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return automationsPage(deps, session.shop, await adminLanguage(deps.db, session.shop, request));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return automationsAction(deps, session.shop, await readForm(request), await adminLanguage(deps.db, session.shop, request));
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Flow = Data["flows"][number];

export default function Automations() {
  const data = useLoaderData<typeof loader>();
  return (
    <Page>
      <TitleBar title={data.strings.title} />
      <Layout>
        <Layout.Section>
          <InlineStack align="space-between" blockAlign="center" gap="300">
            <Text as="p" tone="subdued">
              {data.strings.intro}
            </Text>
            {data.canSyncTemplates ? <SyncTemplatesButton label={data.strings.syncTemplates} /> : null}
          </InlineStack>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="400">
            {data.flows.map((flow) => (
              <FlowCard key={flow.id} flow={flow} data={data} />
            ))}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function FlowFacts({ flow, data }: { flow: Flow; data: Data }) {
  const s = data.strings;
  return (
    <BlockStack gap="100">
      <Text as="p" variant="bodySm">
        <Text as="span" fontWeight="semibold">
          {s.trigger}:
        </Text>{" "}
        {flow.trigger}
      </Text>
      {flow.category ? (
        <Text as="p" variant="bodySm">
          <Text as="span" fontWeight="semibold">
            {s.category}:
          </Text>{" "}
          {flow.category} · {flow.consent}
        </Text>
      ) : null}
      <TemplateStatus flow={flow} data={data} />
    </BlockStack>
  );
}

/** Reads the shop's templates from Meta again (their approval shows on every flow below). */
function SyncTemplatesButton({ label }: { label: string }) {
  const sync = useFetcher();
  useActionToast(sync);
  return (
    <sync.Form method="post">
      <input type="hidden" name="intent" value="syncTemplates" />
      <Button submit loading={sync.state !== "idle"}>
        {label}
      </Button>
    </sync.Form>
  );
}

/** Meta's approval of the flow's templates: a paused language is a banner the merchant cannot miss. */
function TemplateStatus({ flow, data }: { flow: Flow; data: Data }) {
  const s = data.strings;
  if (flow.templateStatus.length === 0) return null;
  const paused = flow.templateStatus.filter((line) => line.paused);
  return (
    <BlockStack gap="100">
      <Text as="p" variant="bodySm" fontWeight="semibold">
        {s.templateStatus}:
      </Text>
      {paused.length > 0 ? (
        <Banner tone={paused.some((line) => line.tone === "critical") ? "critical" : "warning"}>
          <BlockStack gap="100">
            {paused.map((line) => (
              <Text as="p" key={line.text}>
                {line.text}
              </Text>
            ))}
          </BlockStack>
        </Banner>
      ) : null}
      {flow.templateStatus
        .filter((line) => !line.paused)
        .map((line) => (
          <InlineStack gap="100" key={line.text}>
            <Badge tone={line.tone === "success" ? "success" : "info"}>{line.text}</Badge>
          </InlineStack>
        ))}
    </BlockStack>
  );
}

function FlowCard({ flow, data }: { flow: Flow; data: Data }) {
  const s = data.strings;
  const toggle = useFetcher();
  const save = useFetcher();
  useActionToast(toggle);
  useActionToast(save);
  const result = resultFor(save, "flow");
  const errors = fieldErrors(result);
  const [delay, setDelay] = useState(flow.delayMinutes ?? "0");
  const [steps, setSteps] = useState<[string, string]>(flow.steps ?? ["60", "1440"]);
  const [template, setTemplate] = useState(flow.template ?? "");
  const [fields, setFields] = useState<Record<string, string>>(Object.fromEntries(flow.fields.map((f) => [f.name, f.value])));
  const languages = Object.keys(data.common.languages);
  const [previewLanguage, setPreviewLanguage] = useState(data.language === "de" ? "de" : "en");
  const previewTemplate = flow.previews[template] ? template : Object.keys(flow.previews)[0];
  const previewSet = previewTemplate ? flow.previews[previewTemplate] : undefined;
  const preview = previewSet?.[previewLanguage] ?? (previewSet ? Object.values(previewSet)[0] : undefined);
  const headingId = `flow-${flow.id}`;

  return (
    <Card>
      <section aria-labelledby={headingId}>
        <BlockStack gap="400">
          <InlineStack align="space-between" blockAlign="center">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd" id={headingId}>
                {flow.name}
              </Text>
              <Badge tone={flow.enabled ? "success" : undefined}>{flow.enabled ? data.common.on : data.common.off}</Badge>
            </InlineStack>
            <toggle.Form method="post">
              <input type="hidden" name="intent" value="toggle" />
              <input type="hidden" name="flow" value={flow.id} />
              {flow.enabled ? null : <input type="hidden" name="enabled" value="on" />}
              <Button submit loading={toggle.state !== "idle"} variant={flow.enabled ? "secondary" : "primary"} accessibilityLabel={`${flow.enabled ? s.turnOff : s.turnOn}: ${flow.name}`}>
                {flow.enabled ? s.turnOff : s.turnOn}
              </Button>
            </toggle.Form>
          </InlineStack>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <BlockStack gap="300">
              <Text as="p">{flow.description}</Text>
              <Text as="p" tone={flow.enabled ? "success" : "caution"}>
                {flow.enabled ? s.isOn : s.isOff}
              </Text>
              {flow.id === "opt_in_confirmation" && !flow.enabled ? <Banner tone="warning">{s.optInWarning}</Banner> : null}
              <FlowFacts flow={flow} data={data} />
              <save.Form method="post">
                <input type="hidden" name="intent" value="flow" />
                <input type="hidden" name="flow" value={flow.id} />
                {flow.enabled ? <input type="hidden" name="enabled" value="on" /> : null}
                <BlockStack gap="300">
                  {result && !result.ok ? <Banner tone="critical" title={result.message} /> : null}
                  <FormLayout>
                    {flow.delayMinutes !== null ? (
                      <TextField label={s.delay} name="delayMinutes" type="number" value={delay} onChange={setDelay} error={errors.delayMinutes} helpText={s.delayHelp} autoComplete="off" />
                    ) : null}
                    {flow.steps ? (
                      <FormLayout.Group>
                        <TextField label={s.step1} name="step1Minutes" type="number" value={steps[0]} onChange={(v) => setSteps([v, steps[1]])} error={errors.step1Minutes} autoComplete="off" />
                        <TextField label={s.step2} name="step2Minutes" type="number" value={steps[1]} onChange={(v) => setSteps([steps[0], v])} error={errors.step2Minutes} helpText={s.stepsHelp} autoComplete="off" />
                      </FormLayout.Group>
                    ) : null}
                    {flow.fields.map((f) => (
                      <TextField
                        key={f.name}
                        label={f.label}
                        name={f.name}
                        value={fields[f.name] ?? ""}
                        onChange={(v) => setFields({ ...fields, [f.name]: v })}
                        error={errors[f.name]}
                        helpText={f.help}
                        autoComplete="off"
                      />
                    ))}
                    {flow.templateOptions.length > 0 ? (
                      <Select label={s.template} name="template" options={flow.templateOptions} value={template} onChange={setTemplate} error={errors.template} helpText={s.templateHelp} />
                    ) : null}
                  </FormLayout>
                  <InlineStack>
                    <Button submit loading={save.state !== "idle"}>
                      {s.save}
                    </Button>
                  </InlineStack>
                </BlockStack>
              </save.Form>
            </BlockStack>
            <BlockStack gap="200">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h3" variant="headingSm">
                  {s.preview}
                </Text>
                <div style={{ minWidth: 140 }}>
                  <Select
                    label={s.previewLanguage}
                    labelHidden
                    options={languages.map((l) => ({ label: data.common.languages[l], value: l }))}
                    value={previewLanguage}
                    onChange={setPreviewLanguage}
                  />
                </div>
              </InlineStack>
              <Text as="p" variant="bodySm" tone="subdued">
                {flow.previewSource}
              </Text>
              {preview && flow.laterSteps.length > 0 ? (
                // A flow with several messages (cart recovery's steps): the chosen first one, then the later ones, each named.
                <BlockStack gap="300">
                  {[previewTemplate, ...flow.laterSteps].map((name) => {
                    const set = flow.previews[name];
                    const p = set?.[previewLanguage] ?? (set ? Object.values(set)[0] : undefined);
                    return p ? (
                      <BlockStack gap="100" key={name}>
                        <Text as="p" variant="bodySm" tone="subdued">
                          {name}
                        </Text>
                        <WhatsAppBubble text={p.text} buttons={p.buttons} header={p.header} time={data.previewTime} label={`${s.previewLabel}: ${flow.name}, ${name}`} />
                      </BlockStack>
                    ) : null;
                  })}
                </BlockStack>
              ) : preview ? (
                <BlockStack gap="100">
                  <WhatsAppBubble text={preview.text} buttons={preview.buttons} header={preview.header} time={data.previewTime} label={`${s.previewLabel}: ${flow.name}`} />
                  {previewTemplate === "text" ? (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {s.freeFormNote}
                    </Text>
                  ) : null}
                </BlockStack>
              ) : (
                <Text as="p" tone="subdued">
                  {s.noTemplateYet}
                </Text>
              )}
            </BlockStack>
          </InlineGrid>
        </BlockStack>
      </section>
    </Card>
  );
}
