// Small pieces the merchant pages share (Setup, Settings, Automations, Message log).
import { useEffect, useRef, type ReactNode } from "react";
import { Badge, Banner, BlockStack, Box, DataTable, InlineStack, Pagination, Text } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";

export type ActionData =
  | { ok: true; intent: string; message: string }
  | { ok: false; intent: string; message: string; errors: Record<string, string>; explanation?: { meaning: string; action: string; code: number | null } };

type FetcherLike = { state: string; data?: unknown };

/** Shows each finished action's message once as a toast (errors in red). */
export function useActionToast(fetcher: FetcherLike): void {
  const shopify = useAppBridge();
  const shown = useRef<unknown>(null);
  useEffect(() => {
    const data = fetcher.data as ActionData | undefined;
    if (fetcher.state !== "idle" || !data || shown.current === data) return;
    shown.current = data;
    shopify.toast.show(data.message, { isError: !data.ok });
  }, [fetcher.state, fetcher.data, shopify]);
}

/** The action's result for a form with this intent, if it was the last one submitted. */
export function resultFor(fetcher: FetcherLike, intent: string): ActionData | null {
  const data = fetcher.data as ActionData | undefined;
  return data && data.intent === intent ? data : null;
}

export function fieldErrors(result: ActionData | null): Record<string, string> {
  return result && !result.ok ? result.errors : {};
}

/** The banner above a form whose submission failed: what went wrong, and Meta's code explained. */
export function FailureBanner({ result, codeLabel, whatToDo }: { result: ActionData | null; codeLabel: string; whatToDo: string }) {
  if (!result || result.ok) return null;
  return (
    <Banner tone="critical" title={result.message}>
      {result.explanation ? (
        <BlockStack gap="100">
          <Text as="p">
            {result.explanation.code !== null ? `${codeLabel} ${result.explanation.code}: ` : ""}
            {result.explanation.meaning}
          </Text>
          <Text as="p">
            <Text as="span" fontWeight="semibold">
              {whatToDo}
            </Text>{" "}
            {result.explanation.action}
          </Text>
        </BlockStack>
      ) : null}
    </Banner>
  );
}

const STATUS_TONE: Record<string, "success" | "info" | "attention" | "critical" | "warning" | undefined> = {
  READ: "success",
  DELIVERED: "success",
  SENT: "info",
  SENDING: "info",
  SCHEDULED: "attention",
  FAILED: "critical",
  SKIPPED: "warning",
  CANCELLED: undefined,
  CLICKED: "success",
  ANSWER: "success",
};

export function StatusBadge({ status, label }: { status: string; label: string }) {
  return <Badge tone={STATUS_TONE[status]}>{label}</Badge>;
}

export interface BubbleButton {
  type: string;
  text: string;
}

/** A message as the shopper sees it in WhatsApp: the bubble, the time and the buttons under it. */
/** A template's media header in a preview: the picture, or a line naming the video or what is missing. */
export interface BubbleHeader {
  kind: "image" | "video" | "placeholder";
  url: string | null;
  label: string;
}

export function WhatsAppBubble({ text, buttons, time, label, header }: { text: string; buttons: BubbleButton[]; time: string; label: string; header?: BubbleHeader }) {
  return (
    <div aria-label={label} role="figure" style={{ background: "#efeae2", borderRadius: 12, padding: 16 }}>
      <div style={{ maxWidth: 320 }}>
        <div
          style={{
            background: "#ffffff",
            borderRadius: "0 8px 8px 8px",
            padding: "8px 10px 6px",
            boxShadow: "0 1px 0.5px rgba(11,20,26,.13)",
            font: "14.2px/19px -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
            color: "#111b21",
            whiteSpace: "pre-wrap",
            overflowWrap: "anywhere",
          }}
        >
          {header ? (
            header.kind === "image" && header.url ? (
              <img src={header.url} alt={header.label} style={{ display: "block", width: "100%", maxHeight: 180, objectFit: "cover", borderRadius: 6, marginBottom: 6 }} />
            ) : (
              <div style={{ background: "#d9dee2", borderRadius: 6, padding: "24px 8px", marginBottom: 6, textAlign: "center", fontSize: 12, color: "#3b4a54", whiteSpace: "normal" }}>
                <span aria-hidden="true">{header.kind === "video" ? "▶ " : "🖼 "}</span>
                {header.label}
              </div>
            )
          ) : null}
          {text}
          <div style={{ textAlign: "right", fontSize: 11, color: "#667781", marginTop: 2 }}>{time}</div>
        </div>
        {buttons.map((b, i) => (
          <div
            key={i}
            style={{
              marginTop: 2,
              background: "#ffffff",
              borderRadius: 8,
              padding: "9px 10px",
              textAlign: "center",
              color: "#027eb5",
              font: "500 14px/19px -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
              boxShadow: "0 1px 0.5px rgba(11,20,26,.13)",
            }}
          >
            <span aria-hidden="true">{b.type === "URL" ? "↗ " : b.type === "QUICK_REPLY" ? "↩ " : ""}</span>
            {b.text}
          </div>
        ))}
      </div>
    </div>
  );
}

/** The current query string with some parameters changed (null or "" removes one), as a relative link. */
export function linkWithParams(params: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
  }
  return `?${next.toString()}`;
}

/** A result table (or a line saying there is nothing), with the count and page links below it. */
export function PaginatedTable(props: {
  headings: string[];
  rows: ReactNode[][];
  emptyText: string;
  countLabel: string;
  page: number;
  pageCount: number;
  linkWith: (changes: Record<string, string | null>) => string;
  previousLabel: string;
  nextLabel: string;
}) {
  const { page, pageCount, linkWith } = props;
  return (
    <>
      {props.rows.length > 0 ? (
        <DataTable columnContentTypes={props.headings.map(() => "text" as const)} headings={props.headings} rows={props.rows} verticalAlign="middle" />
      ) : (
        <Box padding="400">
          <Text as="p" tone="subdued">
            {props.emptyText}
          </Text>
        </Box>
      )}
      <Box padding="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="p" tone="subdued">
            {props.countLabel}
          </Text>
          <Pagination
            hasPrevious={page > 1}
            previousURL={linkWith({ page: String(page - 1) })}
            hasNext={page < pageCount}
            nextURL={linkWith({ page: String(page + 1) })}
            accessibilityLabels={{ previous: props.previousLabel, next: props.nextLabel }}
          />
        </InlineStack>
      </Box>
    </>
  );
}

/** Downloads through fetch, which App Bridge gives the session token (a plain link would not carry it). */
export async function downloadFile(url: string): Promise<boolean> {
  const response = await fetch(url);
  if (!response.ok) return false;
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "download";
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(href);
  return true;
}
