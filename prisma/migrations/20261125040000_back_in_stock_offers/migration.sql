-- CreateTable
CREATE TABLE "BackInStockSubscription" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "locale" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "notifiedAt" DATETIME
);

-- CreateTable
CREATE TABLE "InventoryItemVariant" (
    "shop" TEXT NOT NULL,
    "inventoryItemId" TEXT NOT NULL,
    "variantId" TEXT,
    "productTitle" TEXT,
    "variantTitle" TEXT,
    "imageUrl" TEXT,
    "productUrl" TEXT,
    "fetchedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "inventoryItemId")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "shop" TEXT NOT NULL,
    "inventoryItemId" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "sourceUpdatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "inventoryItemId", "locationId")
);

-- CreateTable
CREATE TABLE "Restock" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "inventoryItemId" TEXT NOT NULL,
    "detectedAt" DATETIME NOT NULL,
    "cursor" TEXT,
    "planned" INTEGER NOT NULL DEFAULT 0,
    "doneAt" DATETIME,
    "note" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_DiscountCode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "percent" INTEGER NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    "shopifyId" TEXT,
    "reason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "messageId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "flow" TEXT NOT NULL DEFAULT 'cart_recovery'
);
INSERT INTO "new_DiscountCode" ("attempts", "checkoutToken", "code", "createdAt", "endsAt", "id", "messageId", "percent", "reason", "shop", "shopifyId", "startsAt", "status", "updatedAt") SELECT "attempts", "checkoutToken", "code", "createdAt", "endsAt", "id", "messageId", "percent", "reason", "shop", "shopifyId", "startsAt", "status", "updatedAt" FROM "DiscountCode";
DROP TABLE "DiscountCode";
ALTER TABLE "new_DiscountCode" RENAME TO "DiscountCode";
CREATE UNIQUE INDEX "DiscountCode_shop_checkoutToken_key" ON "DiscountCode"("shop", "checkoutToken");
CREATE UNIQUE INDEX "DiscountCode_shop_code_key" ON "DiscountCode"("shop", "code");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "BackInStockSubscription_shop_variantId_status_id_idx" ON "BackInStockSubscription"("shop", "variantId", "status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BackInStockSubscription_shop_variantId_phone_key" ON "BackInStockSubscription"("shop", "variantId", "phone");

-- CreateIndex
CREATE INDEX "Restock_doneAt_detectedAt_idx" ON "Restock"("doneAt", "detectedAt");

-- CreateIndex
CREATE INDEX "Customer_shop_lastOrderAt_idx" ON "Customer"("shop", "lastOrderAt");
