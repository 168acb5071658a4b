-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "firstVariantId" TEXT;

-- CreateTable
CREATE TABLE "VariantImage" (
    "shop" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "imageUrl" TEXT,
    "fetchedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VariantImage_pkey" PRIMARY KEY ("shop","variantId")
);
