-- CreateTable
CREATE TABLE "FeedbackResponse" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "messageId" TEXT,
    "orderId" TEXT,
    "customerKey" TEXT,
    "score" INTEGER NOT NULL,
    "comment" TEXT,
    "waMessageId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FeedbackResponse_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FeedbackResponse_shop_receivedAt_idx" ON "FeedbackResponse"("shop", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "FeedbackResponse_shop_waMessageId_key" ON "FeedbackResponse"("shop", "waMessageId");
