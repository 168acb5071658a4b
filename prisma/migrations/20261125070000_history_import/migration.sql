-- CreateTable
CREATE TABLE "ImportJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "phase" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "bulkOperationId" TEXT,
    "objectCount" INTEGER NOT NULL DEFAULT 0,
    "url" TEXT,
    "fileSize" BIGINT,
    "byteOffset" BIGINT NOT NULL DEFAULT 0,
    "linesProcessed" INTEGER NOT NULL DEFAULT 0,
    "ordersImported" INTEGER NOT NULL DEFAULT 0,
    "customersImported" INTEGER NOT NULL DEFAULT 0,
    "linesSkipped" INTEGER NOT NULL DEFAULT 0,
    "downloadFailures" INTEGER NOT NULL DEFAULT 0,
    "errorCode" TEXT,
    "error" TEXT,
    "ordersLimited" BOOLEAN NOT NULL DEFAULT false,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "nextStepAt" DATETIME NOT NULL,
    "leaseUntil" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "ImportJob_shop_startedAt_idx" ON "ImportJob"("shop", "startedAt");

-- CreateIndex
CREATE INDEX "ImportJob_status_nextStepAt_idx" ON "ImportJob"("status", "nextStepAt");
