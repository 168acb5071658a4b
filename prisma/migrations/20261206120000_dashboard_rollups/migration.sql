-- DropIndex
DROP INDEX "CustomerDay_shop_day_customerId_orders_idx";

-- AlterTable
ALTER TABLE "CartRecovery" ADD COLUMN "abandoned" BOOLEAN;
ALTER TABLE "CartRecovery" ADD COLUMN "recoveryAfterMs" REAL;
ALTER TABLE "CartRecovery" ADD COLUMN "recoveryByClick" BOOLEAN;
ALTER TABLE "CartRecovery" ADD COLUMN "recoveryCents" INTEGER;
ALTER TABLE "CartRecovery" ADD COLUMN "reminded" BOOLEAN;

-- AlterTable
ALTER TABLE "CustomerDay" ADD COLUMN "nextDay" TEXT;
ALTER TABLE "CustomerDay" ADD COLUMN "prevDay" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_CustomerSummary" (
    "shop" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "firstDay" TEXT NOT NULL,
    "lastDay" TEXT NOT NULL,
    "orders" INTEGER NOT NULL,
    "subscriber" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("shop", "customerId")
);
INSERT INTO "new_CustomerSummary" ("customerId", "firstDay", "lastDay", "orders", "shop") SELECT "customerId", "firstDay", "lastDay", "orders", "shop" FROM "CustomerSummary";
DROP TABLE "CustomerSummary";
ALTER TABLE "new_CustomerSummary" RENAME TO "CustomerSummary";
CREATE INDEX "CustomerSummary_shop_firstDay_idx" ON "CustomerSummary"("shop", "firstDay");
CREATE INDEX "CustomerSummary_shop_lastDay_firstDay_orders_subscriber_idx" ON "CustomerSummary"("shop", "lastDay", "firstDay", "orders", "subscriber");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RollupDay_shop_metric_day_value_idx" ON "RollupDay"("shop", "metric", "day", "value");

-- CreateIndex
CREATE INDEX "CustomerDay_shop_day_prevDay_nextDay_orders_customerId_idx" ON "CustomerDay"("shop", "day", "prevDay", "nextDay", "orders", "customerId");
