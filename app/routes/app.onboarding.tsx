import { useEffect, useId, useState, type ReactNode } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link as RemixLink, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Box, Button, Card, Checkbox, DataTable, Divider, InlineStack, Layout, Page, ProgressBar, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "../shopify.server";
import { merchantDeps } from "../merchant.server";
import { adminLanguage } from "../.server/i18n/admin-language";
import { onboardingAction, onboardingPage } from "../.server/onboarding/service";
import { fieldErrors, FailureBanner, resultFor, StatusBadge, useActionToast } from "../components/merchant-ui";
import { CredentialFields } from "../components/whatsapp-credentials";
import { readForm } from "~/.server/http/form";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return onboardingPage(deps, session.shop, await adminLanguage(deps.db, session.shop, request));
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const deps = merchantDeps();
  return onboardingAction(deps, session.shop, await readForm(request), await adminLanguage(deps.db, session.shop, request));
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;

function Step({ title, done, doneLabel, todoLabel, children }: { title: string; done: boolean; doneLabel: string; todoLabel: string; children: ReactNode }) {
  const id = useId();
  return (
    <Card>
      <section aria-labelledby={id}>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd" id={id}>
              {title}
            </Text>
            <Badge tone={done ? "success" : "attention"}>{done ? doneLabel : todoLabel}</Badge>
          </InlineStack>
          {children}
        </BlockStack>
      </section>
    </Card>
  );
}

export default function Onboarding() {
  const data = useLoaderData<typeof loader>();
  const s = data.strings;
  const allDone = data.progress.done === data.progress.total;
  return (
    <Page>
      <TitleBar title={s.title} />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="p">{allDone ? s.allDone : s.intro}</Text>
              <ProgressBar progress={(data.progress.done / data.progress.total) * 100} tone={allDone ? "success" : "highlight"} size="small" />
              <Text as="p" tone="subdued">
                {data.progress.label}
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="400">
            <ConnectStep data={data} />
            <TemplatesStep data={data} />
            <TestStep data={data} />
            <CheckoutStep data={data} />
            <FlowsStep data={data} />
            {allDone ? (
              <Card>
                <BlockStack gap="200">
                  <Text as="h2" variant="headingMd">
                    {s.finish.title}
                  </Text>
                  <Text as="p">{s.finish.body}</Text>
                  <InlineStack>
                    <Button url="/app" variant="primary">
                      {s.finish.home}
                    </Button>
                  </InlineStack>
                </BlockStack>
              </Card>
            ) : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ConnectStep({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const result = resultFor(fetcher, "connect");
  const errors = fieldErrors(result);
  const [values, setValues] = useState({
    phoneNumberId: data.connection?.phoneNumberId ?? "",
    wabaId: data.connection?.wabaId ?? "",
    appId: data.connection?.appId ?? "",
    accessToken: "",
    appSecret: "",
    verifyToken: data.connection ? "" : data.suggestedVerifyToken,
  });
  const [editing, setEditing] = useState(!data.connection);
  useEffect(() => {
    if (result?.ok) {
      setEditing(false);
      setValues((v) => ({ ...v, accessToken: "", appSecret: "" }));
    }
  }, [result]);
  const set = (field: keyof typeof values) => (value: string) => setValues((v) => ({ ...v, [field]: value }));
  const busy = fetcher.state !== "idle";

  return (
    <Step title={s.connection.title} done={data.steps.connect} doneLabel={s.done} todoLabel={s.todo}>
      <Text as="p">{s.connection.body}</Text>
      {data.connection ? (
        <Text as="p" fontWeight="semibold">
          {data.connection.summary}
        </Text>
      ) : null}
      <TextField label={s.connection.callbackUrl} value={data.callbackUrl} readOnly autoComplete="off" helpText={s.connection.callbackUrlHelp} selectTextOnFocus />
      {editing ? (
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="connect" />
          <BlockStack gap="300">
            <FailureBanner result={result} codeLabel={data.common.errorCode} whatToDo={data.common.whatToDo} />
            {data.demoCredentials ? (
              <InlineStack gap="200" blockAlign="center">
                <Button onClick={() => setValues({ ...data.demoCredentials! })}>{s.connection.demoFill}</Button>
                <Text as="span" tone="subdued">
                  {s.connection.demoHint}
                </Text>
              </InlineStack>
            ) : null}
            <CredentialFields strings={s.connection} values={values} onChange={set} errors={errors} stored={data.connection} idHelp />
            <InlineStack>
              <Button submit variant="primary" loading={busy}>
                {s.connection.submit}
              </Button>
            </InlineStack>
          </BlockStack>
        </fetcher.Form>
      ) : (
        <InlineStack>
          <Button onClick={() => setEditing(true)}>{s.connection.replace}</Button>
        </InlineStack>
      )}
    </Step>
  );
}

function TemplatesStep({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const submitter = useFetcher();
  useActionToast(submitter);
  const result = resultFor(fetcher, "syncTemplates") ?? resultFor(submitter, "submitTemplates");
  const locked = !data.steps.connect;
  const rows = data.templates.rows.map((t) => [
    t.name,
    data.common.languages[t.language] ?? t.language,
    data.common.categories[t.category] ?? t.category,
    <Badge key="s" tone={t.status === "APPROVED" ? "success" : t.status === "REJECTED" || t.status === "DISABLED" ? "critical" : "attention"}>
      {t.status}
    </Badge>,
    t.rejectedReason ?? "",
  ]);
  return (
    <Step title={s.templates.title} done={data.steps.templates} doneLabel={s.done} todoLabel={locked ? s.locked : s.todo}>
      <Text as="p">{s.templates.body}</Text>
      <FailureBanner result={result} codeLabel={data.common.errorCode} whatToDo={data.common.whatToDo} />
      <Text as="p" tone="subdued">
        {data.templates.syncedLabel}
      </Text>
      {data.templates.missing ? <Text as="p">{data.templates.missing}</Text> : null}
      {rows.length > 0 ? (
        <Box borderColor="border" borderWidth="025" borderRadius="200">
          <DataTable columnContentTypes={["text", "text", "text", "text", "text"]} headings={[s.templates.columns.name, s.templates.columns.language, s.templates.columns.category, s.templates.columns.status, s.templates.rejectedReason]} rows={rows} />
        </Box>
      ) : null}
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="syncTemplates" />
        <Button submit disabled={locked} loading={fetcher.state !== "idle"} variant={data.steps.templates ? "secondary" : "primary"}>
          {data.steps.templates ? s.templates.resubmit : s.templates.submit}
        </Button>
      </fetcher.Form>
      {data.templates.missing && data.templates.missing !== s.templates.allApproved ? (
        <submitter.Form method="post">
          <input type="hidden" name="intent" value="submitTemplates" />
          <Button submit disabled={locked} loading={submitter.state !== "idle"}>
            {s.templates.submitTemplates}
          </Button>
        </submitter.Form>
      ) : null}
    </Step>
  );
}

function TestStep({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const result = resultFor(fetcher, "sendTest");
  const errors = fieldErrors(result);
  const [phone, setPhone] = useState(data.test.phone);
  const locked = !data.steps.connect;
  const revalidator = useRevalidator();
  const waiting = data.test.status === "SENT" || data.test.status === "SENDING" || data.test.status === "DELIVERED";
  // Delivered and read arrive as webhooks a few seconds later; refresh while the message is on its way.
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    const stop = setTimeout(() => clearInterval(timer), 90_000);
    return () => {
      clearInterval(timer);
      clearTimeout(stop);
    };
  }, [waiting, revalidator]);
  return (
    <Step title={s.test.title} done={data.steps.test} doneLabel={s.done} todoLabel={locked ? s.locked : s.todo}>
      <Text as="p">{s.test.body}</Text>
      <FailureBanner result={result} codeLabel={data.common.errorCode} whatToDo={data.common.whatToDo} />
      {data.test.statusLabel ? (
        <InlineStack gap="200" blockAlign="center">
          {data.test.status ? <StatusBadge status={data.test.status} label={data.common.statuses[data.test.status] ?? data.test.status} /> : null}
          <Text as="p">{data.test.statusLabel}</Text>
          {data.test.messageId ? (
            <RemixLink to={`/app/messages?selected=${data.test.messageId}`}>{s.test.openLog}</RemixLink>
          ) : null}
        </InlineStack>
      ) : null}
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="sendTest" />
        <InlineStack gap="300" blockAlign="end">
          <div style={{ minWidth: 280 }}>
            <TextField label={s.test.phone} name="phone" type="tel" value={phone} onChange={setPhone} error={errors.phone} helpText={s.test.phoneHelp} autoComplete="tel" disabled={locked} />
          </div>
          <Button submit disabled={locked} loading={fetcher.state !== "idle"}>
            {s.test.submit}
          </Button>
        </InlineStack>
      </fetcher.Form>
    </Step>
  );
}

function CheckoutStep({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  // In the demo the editor is on a Shopify host the demo cannot reach; a new tab keeps the demo open.
  const target = data.demoCredentials ? "_blank" : "_top";
  return (
    <Step title={s.checkout.title} done={data.steps.checkout} doneLabel={s.done} todoLabel={s.todo}>
      <Text as="p">{s.checkout.body}</Text>
      {data.checkout.seenOptIns ? (
        <Text as="p" tone="success">
          {s.checkout.seen}
        </Text>
      ) : null}
      <InlineStack gap="200">
        <Button url={data.checkout.editorUrl} target={target}>
          {s.checkout.open}
        </Button>
        {!data.steps.checkout ? (
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value="confirmCheckout" />
            <Button submit loading={fetcher.state !== "idle"}>
              {s.checkout.confirm}
            </Button>
          </fetcher.Form>
        ) : null}
      </InlineStack>
    </Step>
  );
}

function FlowsStep({ data }: { data: Data }) {
  const s = data.strings;
  const fetcher = useFetcher();
  useActionToast(fetcher);
  const [chosen, setChosen] = useState<Record<string, boolean>>(Object.fromEntries(data.flows.map((f) => [f.id, f.enabled])));
  return (
    <Step title={s.flows.title} done={data.steps.flows} doneLabel={s.done} todoLabel={s.todo}>
      <Text as="p">{s.flows.body}</Text>
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="switchFlows" />
        <BlockStack gap="200">
          {data.flows.map((f) => (
            <Checkbox key={f.id} label={f.name} name="flow" value={f.id} checked={chosen[f.id]} onChange={(v) => setChosen((c) => ({ ...c, [f.id]: v }))} />
          ))}
          <Divider />
          <InlineStack gap="200">
            <Button submit variant={data.steps.flows ? "secondary" : "primary"} loading={fetcher.state !== "idle"}>
              {s.flows.submit}
            </Button>
            <Button url="/app/automations">{s.flows.review}</Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </Step>
  );
}
