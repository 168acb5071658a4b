-- AlterTable
ALTER TABLE "Order" ADD COLUMN "financialStatus" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN "text" TEXT;

-- CreateTable
CREATE TABLE "Fulfillment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "shopifyFulfillmentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "shipmentStatus" TEXT,
    "trackingCompany" TEXT,
    "trackingNumber" TEXT,
    "trackingUrl" TEXT,
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "sourceUpdatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT,
    "waMessageId" TEXT NOT NULL,
    "phone" TEXT,
    "waUserId" TEXT,
    "type" TEXT NOT NULL,
    "text" TEXT,
    "handledAs" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "replyMessageId" TEXT,
    "at" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Fulfillment_shop_orderId_idx" ON "Fulfillment"("shop", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "Fulfillment_shop_shopifyFulfillmentId_key" ON "Fulfillment"("shop", "shopifyFulfillmentId");

-- CreateIndex
CREATE UNIQUE INDEX "InboundMessage_waMessageId_key" ON "InboundMessage"("waMessageId");

-- CreateIndex
CREATE INDEX "InboundMessage_shop_at_idx" ON "InboundMessage"("shop", "at");

-- CreateIndex
CREATE INDEX "InboundMessage_phone_at_idx" ON "InboundMessage"("phone", "at");

-- CreateIndex
CREATE INDEX "Order_phone_idx" ON "Order"("phone");
