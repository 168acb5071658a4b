-- AlterTable
ALTER TABLE "Message" ADD COLUMN "sendStartedAt" DATETIME;

-- CreateTable
CREATE TABLE "RateLimit" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "windowStart" DATETIME NOT NULL,
    "used" INTEGER NOT NULL
);
