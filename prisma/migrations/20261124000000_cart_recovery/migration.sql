-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN "deletedAt" DATETIME;
ALTER TABLE "Checkout" ADD COLUMN "shopifyCheckoutId" TEXT;

-- CreateTable
CREATE TABLE "CartRecovery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "checkoutCreatedAt" DATETIME NOT NULL,
    "lastUpdateAt" DATETIME NOT NULL,
    "step1DueAt" DATETIME NOT NULL,
    "decidedAt" DATETIME,
    "decision" TEXT,
    "contactable" BOOLEAN,
    "consentState" TEXT,
    "holdout" BOOLEAN,
    "bucket" INTEGER NOT NULL,
    "holdoutPercent" INTEGER,
    "closedReason" TEXT,
    "closedAt" DATETIME,
    "shopperRepliedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DiscountCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "percent" INTEGER NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "shopifyId" TEXT,
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "messageId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "CartRecovery_decidedAt_step1DueAt_idx" ON "CartRecovery"("decidedAt", "step1DueAt");

-- CreateIndex
CREATE INDEX "CartRecovery_shop_checkoutCreatedAt_idx" ON "CartRecovery"("shop", "checkoutCreatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CartRecovery_shop_checkoutToken_key" ON "CartRecovery"("shop", "checkoutToken");

-- CreateIndex
CREATE UNIQUE INDEX "DiscountCode_shop_checkoutToken_key" ON "DiscountCode"("shop", "checkoutToken");

-- CreateIndex
CREATE UNIQUE INDEX "DiscountCode_shop_code_key" ON "DiscountCode"("shop", "code");

-- CreateIndex
CREATE INDEX "Checkout_shop_shopifyCheckoutId_idx" ON "Checkout"("shop", "shopifyCheckoutId");

-- CreateIndex
CREATE INDEX "Message_shop_checkoutToken_idx" ON "Message"("shop", "checkoutToken");
