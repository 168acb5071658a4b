import type { Clock } from "../clock";
import type { Db } from "../db";
import { recordReminderOutcomes } from "../analytics/rollups";

/** Message ids are 128 random bits in hex (enqueue.ts newMessageId): anything else is not ours. */
const MESSAGE_ID = /^[0-9a-f]{32}$/;

/**
 * The target with UTM parameters naming where the visit came from (those already in the URL are kept), or null
 * when it is not a web address a shopper may be sent to: only https (http for a local host, the demo), never a
 * javascript:, data: or relative target. The URL is one Shopify gave us, never one taken from the request.
 */
export function linkTarget(linkUrl: string, flow: string, template: string): string | null {
  let url: URL;
  try {
    url = new URL(linkUrl);
  } catch {
    return null;
  }
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) return null;
  const utm = { utm_source: "whatsapp", utm_medium: "message", utm_campaign: `momento_${flow}`, utm_content: template };
  for (const [key, value] of Object.entries(utm)) if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}

/** Records the first click on a message's link (kept as an event each time) and returns where it leads; null → 404. */
export async function followMessageLink({ db, clock }: { db: Db; clock: Clock }, messageId: string): Promise<string | null> {
  if (!MESSAGE_ID.test(messageId)) return null;
  const message = await db.message.findUnique({
    where: { id: messageId },
    select: { id: true, linkUrl: true, clickedAt: true, flow: true, template: true, sentAt: true, shop: true, createdAt: true, orderId: true, checkoutToken: true },
  });
  // A link exists only in a message that went out.
  if (!message?.linkUrl || message.sentAt === null) return null;
  const target = linkTarget(message.linkUrl, message.flow, message.template);
  if (!target) return null;
  const now = clock.now();
  await db.$transaction(async (tx) => {
    await tx.message.update({ where: { id: message.id }, data: { clickedAt: message.clickedAt ?? now } });
    await tx.messageEvent.create({ data: { messageId: message.id, status: "CLICKED", reason: "the shopper opened the message's link", source: "link", at: now } });
    // A click before the order makes a recovered cart a "click" recovery.
    if (!message.clickedAt) await recordReminderOutcomes(tx, [message]);
  });
  return target;
}
