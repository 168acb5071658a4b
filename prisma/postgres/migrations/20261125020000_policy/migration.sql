-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "addressCountry" TEXT;

-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN     "addressCountry" TEXT;

-- CreateIndex
CREATE INDEX "Message_shop_waUserId_sentAt_idx" ON "Message"("shop", "waUserId", "sentAt");
