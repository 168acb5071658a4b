-- AlterTable
ALTER TABLE "Order" ADD COLUMN "firstVariantId" TEXT;

-- CreateTable
CREATE TABLE "VariantImage" (
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "imageUrl" TEXT,
    "fetchedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "variantId")
);
