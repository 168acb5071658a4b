import { useMemo, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, Divider, FormLayout, InlineGrid, InlineStack, Layout, Page, Select, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "../shopify.server";
import { merchantDeps } from "../merchant.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { cartRecoveryAction, cartRecoveryPage } from "../.server/cart-recovery/page";
import { fieldErrors, resultFor, useActionToast, WhatsAppBubble } from "../components/merchant-ui";
import { Figure } from "../components/figure";
import { readForm } from "~/.server/http/form";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return cartRecoveryPage(deps, session.shop, await adminLanguage(deps.db, session.shop, request));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return cartRecoveryAction(deps, session.shop, await readForm(request), await adminLanguage(deps.db, session.shop, request));
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

export default function CartRecovery() {
  const data = useLoaderData<typeof loader>();
  const s = data.strings;
  return (
    <Page>
      <TitleBar title={s.title} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="100">
            <Text as="p">{s.intro}</Text>
            <Text as="p" tone="subdued">
              {data.period}
            </Text>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Attribution data={data} />
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {s.lift}
              </Text>
              {data.lift.value === null ? <Badge tone="info">{data.lift.text}</Badge> : <Text as="p" variant="headingLg">{data.lift.text}</Text>}
              <Text as="p" tone="subdued" variant="bodySm">
                {s.liftHelp}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {s.figures}
            </Text>
            <InlineGrid columns={{ xs: 1, sm: 2, md: 3 }} gap="400">
              {data.figures.map((f) => (
                <Figure key={f.key} id={f.key} label={f.label} value={f.value} help={f.definition} />
              ))}
            </InlineGrid>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Recovered data={data} />
        </Layout.Section>
        <Layout.Section>
          <Settings data={data} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function Attribution({ data }: { data: Data }) {
  const s = data.strings;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {s.attribution}
        </Text>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          {[data.attribution.window, data.attribution.click].map((a) => (
            <Box key={a.title} padding="300" background="bg-surface-secondary" borderRadius="200">
              <BlockStack gap="100">
                <Text as="h3" variant="headingSm">
                  {a.title}
                </Text>
                <Text as="p" variant="heading2xl">
                  {a.revenue}
                </Text>
                <Text as="p">{s.orders.replace("{count}", String(a.count))}</Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {a.help}
                </Text>
              </BlockStack>
            </Box>
          ))}
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}

function Recovered({ data }: { data: Data }) {
  const s = data.strings;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {s.recent}
        </Text>
        {data.recovered.length === 0 ? (
          <Text as="p" tone="subdued">
            {s.recentEmpty}
          </Text>
        ) : (
          data.recovered.map((r, index) => (
            <BlockStack key={`${r.checkout}-${index}`} gap="100">
              {index > 0 ? <Divider /> : null}
              <InlineStack gap="200" blockAlign="center">
                <Text as="span" fontWeight="semibold">
                  {r.order} · {r.total}
                </Text>
                <Badge tone={r.attribution === s.byClick ? "success" : "info"}>{r.attribution}</Badge>
                <Text as="span" tone="subdued" variant="bodySm">
                  {r.checkout}
                </Text>
              </InlineStack>
              <Text as="p" variant="bodySm">
                {r.timeline.map((step) => `${step.label} ${step.at}`.trim()).join("  →  ")}
              </Text>
            </BlockStack>
          ))
        )}
      </BlockStack>
    </Card>
  );
}

function Settings({ data }: { data: Data }) {
  const s = data.strings;
  const save = useFetcher();
  useActionToast(save);
  const errors = fieldErrors(resultFor(save, "settings"));
  const [step1, setStep1] = useState(data.settings.step1);
  const [step2, setStep2] = useState(data.settings.step2);
  const [percent, setPercent] = useState(data.settings.discountPercent);
  const [days, setDays] = useState(data.settings.discountDays);
  const [step, setStep] = useState<"1" | "2">("2");
  const [language, setLanguage] = useState<"de" | "en">(data.language);

  // The live preview: the real template texts filled with sample data and the values being typed.
  const preview = useMemo(() => {
    const { templates, names, parameters, sampleCode, today, timezone } = data.preview;
    const discount = step === "2" && /^\d+$/.test(percent) && Number(percent) > 0;
    const name = step === "1" ? names.step1 : discount ? names.step2Discount : names.step2;
    const validDays = /^\d+$/.test(days) ? Number(days) : 7;
    const due = new Date(Date.parse(today) + (Number(step === "1" ? step1 : step2) || 0) * 60_000);
    const lastDay = new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-US", {
      timeZone: timezone,
      ...(language === "de" ? { day: "2-digit", month: "2-digit", year: "numeric" } : { month: "long", day: "numeric", year: "numeric" }),
    } as Intl.DateTimeFormatOptions).format(new Date(due.getTime() + validDays * 86_400_000));
    const values = [...parameters[language], sampleCode, percent, lastDay];
    const template = templates[name][language];
    return {
      text: template.body.replace(/\{\{\s*(\d+)\s*\}\}/g, (m, n: string) => values[Number(n) - 1] ?? m),
      buttons: [{ type: "URL", text: template.button }],
      time: new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit" }).format(due),
    };
  }, [data.preview, step, percent, days, step1, step2, language]);

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {s.settings}
        </Text>
        <Banner tone={data.settings.enabled ? "success" : "warning"}>{data.settings.enabled ? s.enabled : s.disabled}</Banner>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <save.Form method="post">
            <input type="hidden" name="intent" value="settings" />
            <FormLayout>
              <FormLayout.Group>
                <TextField label={s.step1} name="step1" value={step1} onChange={setStep1} type="number" autoComplete="off" error={errors.step1} />
                <TextField label={s.step2} name="step2" value={step2} onChange={setStep2} type="number" autoComplete="off" error={errors.step2} helpText={s.stepsHelp} />
              </FormLayout.Group>
              <FormLayout.Group>
                <TextField label={s.discountPercent} name="discountPercent" value={percent} onChange={setPercent} type="number" autoComplete="off" error={errors.discountPercent} helpText={s.discountPercentHelp} />
                <TextField label={s.discountDays} name="discountDays" value={days} onChange={setDays} type="number" autoComplete="off" error={errors.discountDays} />
              </FormLayout.Group>
              <Text as="p" tone="subdued" variant="bodySm">
                {data.settings.note}
              </Text>
              <Button submit variant="primary" loading={save.state !== "idle"}>
                {s.save}
              </Button>
            </FormLayout>
          </save.Form>
          <BlockStack gap="200">
            <InlineStack gap="200">
              <Select
                label={s.previewStep}
                options={[{ label: s.stepOne, value: "1" }, { label: s.stepTwo, value: "2" }]}
                value={step}
                onChange={(value) => setStep(value as "1" | "2")}
              />
              <Select label={s.previewLanguage} options={[{ label: "Deutsch", value: "de" }, { label: "English", value: "en" }]} value={language} onChange={(value) => setLanguage(value as "de" | "en")} />
            </InlineStack>
            <WhatsAppBubble text={preview.text} buttons={preview.buttons} time={preview.time} label={s.previewLabel} />
          </BlockStack>
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}
