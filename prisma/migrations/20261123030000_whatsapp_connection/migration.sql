-- CreateTable
CREATE TABLE "WhatsAppConnection" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "phoneNumberId" TEXT NOT NULL,
    "wabaId" TEXT NOT NULL,
    "accessTokenEnc" TEXT NOT NULL,
    "appSecretEnc" TEXT NOT NULL,
    "verifyToken" TEXT NOT NULL,
    "displayPhone" TEXT,
    "verifiedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);
