-- DropIndex
DROP INDEX "CustomerSummary_shop_lastDay_firstDay_idx";

-- AlterTable
ALTER TABLE "CartRecovery" ADD COLUMN     "abandoned" BOOLEAN,
ADD COLUMN     "recoveryAfterMs" DOUBLE PRECISION,
ADD COLUMN     "recoveryByClick" BOOLEAN,
ADD COLUMN     "recoveryCents" INTEGER,
ADD COLUMN     "reminded" BOOLEAN;

-- AlterTable
ALTER TABLE "CustomerSummary" ADD COLUMN     "subscriber" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "RollupDay_shop_metric_day_value_idx" ON "RollupDay"("shop", "metric", "day", "value");

-- CreateIndex
CREATE INDEX "CustomerSummary_shop_lastDay_firstDay_orders_subscriber_idx" ON "CustomerSummary"("shop", "lastDay", "firstDay", "orders", "subscriber");
