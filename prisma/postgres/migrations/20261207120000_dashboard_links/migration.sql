-- CreateTable
CREATE TABLE "RetentionCache" (
    "shop" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "fromDay" TEXT NOT NULL,
    "toDay" TEXT NOT NULL,
    "lapsedAfterDays" INTEGER NOT NULL,
    "token" TEXT NOT NULL,
    "figures" TEXT,

    CONSTRAINT "RetentionCache_pkey" PRIMARY KEY ("shop","timezone","fromDay","toDay","lapsedAfterDays")
);

-- CreateIndex
CREATE INDEX "RetentionCache_shop_toDay_idx" ON "RetentionCache"("shop", "toDay");
