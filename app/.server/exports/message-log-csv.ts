// The message log as CSV, for the filters of the Message log page (flow, status, the shop's days, phone): one row
// per message with its status history in timestamps. The template's name stands for the content: no parameters,
// no bodies. The recipient's number is the merchant's own customer data and is included. Read in pages by
// (createdAt, id), streamed as it is read.
import type { Prisma } from "@prisma/client";
import type { Db } from "../db";
import { shopTimeZone } from "../settings/store";
import { MESSAGES } from "../i18n/messages";
import type { AdminLanguage } from "../i18n/locale";
import { filterErrors, whereOf, type LogFilters } from "../message-log/log";
import { CSV_BOM, csvLine } from "./csv";

const PAGE = 500;

export const MESSAGE_LOG_COLUMNS = [
  "message_id", "created_at", "flow", "category", "template", "language", "to", "wa_user_id", "status", "status_reason", "error_code",
  "planned_for", "sent_at", "delivered_at", "read_at", "failed_at", "clicked_at", "order_id", "checkout_token",
] as const;

const SELECT = {
  id: true, createdAt: true, flow: true, category: true, template: true, language: true, to: true, waUserId: true, status: true, statusReason: true,
  errorCode: true, plannedFor: true, sentAt: true, deliveredAt: true, readAt: true, failedAt: true, clickedAt: true, orderId: true, checkoutToken: true,
} satisfies Prisma.MessageSelect;

const isoOrEmpty = (d: Date | null) => (d ? d.toISOString() : null);

export type MessageLogCsv = { ok: true; filename: string; body: ReadableStream<Uint8Array> } | { ok: false; errors: Record<string, string> };

export async function messageLogCsv(db: Db, shop: string, filters: LogFilters, language: AdminLanguage): Promise<MessageLogCsv> {
  const errors = filterErrors(filters, MESSAGES[language]);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const timezone = await shopTimeZone(db, shop);
  const where = whereOf(shop, filters, errors, timezone);
  const encoder = new TextEncoder();
  let after: { createdAt: Date; id: string } | null = null;
  let headerSent = false;

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(CSV_BOM + csvLine([...MESSAGE_LOG_COLUMNS])));
        return;
      }
      const page = await db.message.findMany({
        where: after ? { AND: [where, { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }] } : where,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        take: PAGE,
        select: SELECT,
      });
      if (page.length === 0) return controller.close();
      const text = page
        .map((m) =>
          csvLine([
            m.id, m.createdAt.toISOString(), m.flow, m.category, m.template, m.language, m.to, m.waUserId, m.status, m.statusReason, m.errorCode,
            m.plannedFor.toISOString(), isoOrEmpty(m.sentAt), isoOrEmpty(m.deliveredAt), isoOrEmpty(m.readAt), isoOrEmpty(m.failedAt), isoOrEmpty(m.clickedAt), m.orderId, m.checkoutToken,
          ]),
        )
        .join("");
      controller.enqueue(encoder.encode(text));
      const last = page[page.length - 1];
      after = { createdAt: last.createdAt, id: last.id };
      if (page.length < PAGE) controller.close();
    },
  });
  const range = [filters.from, filters.to].filter(Boolean).join("_to_");
  return { ok: true, filename: `momento-messages${range ? `-${range}` : ""}.csv`, body };
}
