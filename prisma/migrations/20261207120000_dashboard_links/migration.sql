-- DropIndex
DROP INDEX "CartRecovery_shop_checkoutCreatedAt_idx";

-- CreateTable
CREATE TABLE "RetentionCache" (
    "shop" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "fromDay" TEXT NOT NULL,
    "toDay" TEXT NOT NULL,
    "lapsedAfterDays" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "figures" TEXT,

    PRIMARY KEY ("shop", "timezone", "fromDay", "toDay", "lapsedAfterDays")
);

-- CreateIndex
CREATE INDEX "RetentionCache_shop_toDay_idx" ON "RetentionCache"("shop", "toDay");

-- CreateIndex
CREATE INDEX "CartRecovery_shop_checkoutCreatedAt_covering_idx" ON "CartRecovery"("shop", "checkoutCreatedAt", "abandoned", "decidedAt", "contactable", "consentState", "holdout", "reminded", "recoveryAfterMs", "recoveryCents", "recoveryByClick");

-- CreateIndex
CREATE INDEX "RollupDay_shop_day_metric_value_idx" ON "RollupDay"("shop", "day", "metric", "value");
