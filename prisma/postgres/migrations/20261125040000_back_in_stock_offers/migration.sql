-- AlterTable
ALTER TABLE "DiscountCode" ADD COLUMN     "flow" TEXT NOT NULL DEFAULT 'cart_recovery';

-- CreateTable
CREATE TABLE "BackInStockSubscription" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "locale" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "notifiedAt" TIMESTAMP(3),

    CONSTRAINT "BackInStockSubscription_pkey" PRIMARY KEY ("id")
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
    "fetchedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryItemVariant_pkey" PRIMARY KEY ("shop","inventoryItemId")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "shop" TEXT NOT NULL,
    "inventoryItemId" TEXT NOT NULL,
    "locationId" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "sourceUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryLevel_pkey" PRIMARY KEY ("shop","inventoryItemId","locationId")
);

-- CreateTable
CREATE TABLE "Restock" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "inventoryItemId" TEXT NOT NULL,
    "detectedAt" TIMESTAMP(3) NOT NULL,
    "cursor" TEXT,
    "planned" INTEGER NOT NULL DEFAULT 0,
    "doneAt" TIMESTAMP(3),
    "note" TEXT,

    CONSTRAINT "Restock_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BackInStockSubscription_shop_variantId_status_id_idx" ON "BackInStockSubscription"("shop", "variantId", "status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "BackInStockSubscription_shop_variantId_phone_key" ON "BackInStockSubscription"("shop", "variantId", "phone");

-- CreateIndex
CREATE INDEX "Restock_doneAt_detectedAt_idx" ON "Restock"("doneAt", "detectedAt");

-- CreateIndex
CREATE INDEX "Customer_shop_lastOrderAt_idx" ON "Customer"("shop", "lastOrderAt");
