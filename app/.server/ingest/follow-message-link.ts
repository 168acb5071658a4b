import type { Clock } from "../clock";
import type { Db } from "../db";

/** Records the first click on a message's link (kept as an event each time) and returns where it leads. */
export async function followMessageLink({ db, clock }: { db: Db; clock: Clock }, messageId: string): Promise<string | null> {
  const message = await db.message.findUnique({ where: { id: messageId }, select: { id: true, linkUrl: true, clickedAt: true } });
  if (!message?.linkUrl) return null;
  const now = clock.now();
  await db.$transaction([
    db.message.update({ where: { id: message.id }, data: { clickedAt: message.clickedAt ?? now } }),
    db.messageEvent.create({ data: { messageId: message.id, status: "CLICKED", reason: "the shopper opened the message's link", source: "link", at: now } }),
  ]);
  return message.linkUrl;
}
