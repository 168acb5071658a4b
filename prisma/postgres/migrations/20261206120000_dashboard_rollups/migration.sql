-- DropIndex
DROP INDEX "CustomerDay_shop_day_customerId_orders_idx";

-- DropIndex
DROP INDEX "CustomerSummary_shop_lastDay_firstDay_idx";

-- AlterTable
ALTER TABLE "CartRecovery" ADD COLUMN     "abandoned" BOOLEAN,
ADD COLUMN     "recoveryAfterMs" DOUBLE PRECISION,
ADD COLUMN     "recoveryByClick" BOOLEAN,
ADD COLUMN     "recoveryCents" INTEGER,
ADD COLUMN     "reminded" BOOLEAN;

-- AlterTable
ALTER TABLE "CustomerDay" ADD COLUMN     "nextDay" TEXT,
ADD COLUMN     "prevDay" TEXT;

-- AlterTable
ALTER TABLE "CustomerSummary" ADD COLUMN     "subscriber" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "RollupDay_shop_metric_day_value_idx" ON "RollupDay"("shop", "metric", "day", "value");

-- CreateIndex
CREATE INDEX "CustomerDay_shop_day_prevDay_nextDay_orders_customerId_idx" ON "CustomerDay"("shop", "day", "prevDay", "nextDay", "orders", "customerId");

-- CreateIndex
CREATE INDEX "CustomerSummary_shop_lastDay_firstDay_orders_subscriber_idx" ON "CustomerSummary"("shop", "lastDay", "firstDay", "orders", "subscriber");
