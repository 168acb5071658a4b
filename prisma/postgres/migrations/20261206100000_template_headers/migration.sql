-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN     "firstName" TEXT,
ADD COLUMN     "lineItems" TEXT;
