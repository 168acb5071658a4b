-- AlterTable
ALTER TABLE "Checkout" ADD COLUMN "firstName" TEXT;
ALTER TABLE "Checkout" ADD COLUMN "lineItems" TEXT;
