-- AlterTable
ALTER TABLE "Fulfillment" ADD COLUMN     "orderRef" TEXT,
ALTER COLUMN "orderId" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "Fulfillment_shop_orderRef_idx" ON "Fulfillment"("shop", "orderRef");
