-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "addressCountry" TEXT;

-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN     "addressCountry" TEXT;

-- AlterTable
ALTER TABLE "Consent" ADD COLUMN     "lastInboundAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Message_shop_waUserId_sentAt_idx" ON "Message"("shop", "waUserId", "sentAt");
