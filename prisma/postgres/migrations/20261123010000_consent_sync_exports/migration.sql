-- AlterTable
ALTER TABLE "Consent" ADD COLUMN     "confirmationRequestedAt" TIMESTAMP(3),
ADD COLUMN     "customerId" TEXT;

-- CreateTable
CREATE TABLE "ShopifySync" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "doneAt" TIMESTAMP(3),

    CONSTRAINT "ShopifySync_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataExport" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "requestId" TEXT,
    "customerKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "content" TEXT NOT NULL,

    CONSTRAINT "DataExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ShopifySync_status_nextAttemptAt_idx" ON "ShopifySync"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "ShopifySync_shop_dedupeKey_key" ON "ShopifySync"("shop", "dedupeKey");

-- CreateIndex
CREATE INDEX "DataExport_shop_createdAt_idx" ON "DataExport"("shop", "createdAt");
