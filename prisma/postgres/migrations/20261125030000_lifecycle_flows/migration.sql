-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "financialStatus" TEXT;

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "text" TEXT;

-- CreateTable
CREATE TABLE "Fulfillment" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "shopifyFulfillmentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "shipmentStatus" TEXT,
    "trackingCompany" TEXT,
    "trackingNumber" TEXT,
    "trackingUrl" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "sourceUpdatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Fulfillment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" TEXT NOT NULL,
    "shop" TEXT,
    "waMessageId" TEXT NOT NULL,
    "phone" TEXT,
    "waUserId" TEXT,
    "type" TEXT NOT NULL,
    "text" TEXT,
    "handledAs" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "replyMessageId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
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
