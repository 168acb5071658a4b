-- CreateTable
CREATE TABLE "RollupDay" (
    "shop" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "value" INTEGER NOT NULL,

    PRIMARY KEY ("shop", "day", "metric")
);

-- CreateTable
CREATE TABLE "CustomerDay" (
    "shop" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "orders" INTEGER NOT NULL,

    PRIMARY KEY ("shop", "customerId", "day")
);

-- CreateTable
CREATE TABLE "CustomerSummary" (
    "shop" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "firstDay" TEXT NOT NULL,
    "lastDay" TEXT NOT NULL,
    "orders" INTEGER NOT NULL,

    PRIMARY KEY ("shop", "customerId")
);

-- CreateTable
CREATE TABLE "CohortMonth" (
    "shop" TEXT NOT NULL,
    "cohort" TEXT NOT NULL,
    "month" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,

    PRIMARY KEY ("shop", "cohort", "month")
);

-- CreateIndex
CREATE INDEX "CustomerDay_shop_day_idx" ON "CustomerDay"("shop", "day");

-- CreateIndex
CREATE INDEX "CustomerSummary_shop_firstDay_idx" ON "CustomerSummary"("shop", "firstDay");

-- CreateIndex
CREATE INDEX "CustomerSummary_shop_lastDay_idx" ON "CustomerSummary"("shop", "lastDay");

-- CreateIndex
CREATE INDEX "Message_shop_flow_createdAt_idx" ON "Message"("shop", "flow", "createdAt");
