-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Fulfillment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "shopifyFulfillmentId" TEXT NOT NULL,
    "orderId" TEXT,
    "orderRef" TEXT,
    "status" TEXT NOT NULL,
    "shipmentStatus" TEXT,
    "trackingCompany" TEXT,
    "trackingNumber" TEXT,
    "trackingUrl" TEXT,
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "sourceUpdatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Fulfillment" ("createdAt", "deliveredAt", "id", "orderId", "shipmentStatus", "shop", "shopifyFulfillmentId", "sourceUpdatedAt", "status", "trackingCompany", "trackingNumber", "trackingUrl") SELECT "createdAt", "deliveredAt", "id", "orderId", "shipmentStatus", "shop", "shopifyFulfillmentId", "sourceUpdatedAt", "status", "trackingCompany", "trackingNumber", "trackingUrl" FROM "Fulfillment";
DROP TABLE "Fulfillment";
ALTER TABLE "new_Fulfillment" RENAME TO "Fulfillment";
CREATE INDEX "Fulfillment_shop_orderId_idx" ON "Fulfillment"("shop", "orderId");
CREATE INDEX "Fulfillment_shop_orderRef_idx" ON "Fulfillment"("shop", "orderRef");
CREATE UNIQUE INDEX "Fulfillment_shop_shopifyFulfillmentId_key" ON "Fulfillment"("shop", "shopifyFulfillmentId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
