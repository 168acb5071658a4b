-- DropIndex
DROP INDEX "CustomerDay_shop_day_idx";

-- DropIndex
DROP INDEX "CustomerSummary_shop_lastDay_idx";

-- CreateIndex
CREATE INDEX "CustomerDay_shop_day_customerId_orders_idx" ON "CustomerDay"("shop", "day", "customerId", "orders");

-- CreateIndex
CREATE INDEX "CustomerSummary_shop_lastDay_firstDay_idx" ON "CustomerSummary"("shop", "lastDay", "firstDay");
