-- AlterTable (ADD COLUMN instead of Prisma's table copy: the same result without rewriting every stored payload)
ALTER TABLE "WebhookEvent" ADD COLUMN "processedAt" DATETIME;
ALTER TABLE "WebhookEvent" ADD COLUMN "attempts" INTEGER NOT NULL DEFAULT 0;

-- Events stored before the inbox were projected in the same transaction that stored them.
UPDATE "WebhookEvent" SET "processedAt" = "receivedAt";

-- CreateIndex
CREATE INDEX "WebhookEvent_processedAt_id_idx" ON "WebhookEvent"("processedAt", "id");
