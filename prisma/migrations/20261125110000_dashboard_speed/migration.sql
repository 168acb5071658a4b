-- DropIndex
DROP INDEX "CustomerDay_shop_day_idx";

-- CreateIndex
CREATE INDEX "CustomerDay_shop_day_customerId_orders_idx" ON "CustomerDay"("shop", "day", "customerId", "orders");
