-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "shopifyCheckoutId" TEXT;

-- CreateTable
CREATE TABLE "CartRecovery" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "checkoutCreatedAt" TIMESTAMP(3) NOT NULL,
    "lastUpdateAt" TIMESTAMP(3) NOT NULL,
    "step1DueAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "decision" TEXT,
    "contactable" BOOLEAN,
    "consentState" TEXT,
    "holdout" BOOLEAN,
    "bucket" INTEGER NOT NULL,
    "holdoutPercent" INTEGER,
    "closedReason" TEXT,
    "closedAt" TIMESTAMP(3),
    "shopperRepliedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CartRecovery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DiscountCode" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "percent" INTEGER NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "shopifyId" TEXT,
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "messageId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DiscountCode_pkey" PRIMARY KEY ("id")
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
