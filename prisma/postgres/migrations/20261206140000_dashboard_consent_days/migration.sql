-- DropIndex
DROP INDEX "ConsentEvent_shop_at_idx";

-- DropIndex
DROP INDEX "ConsentEvent_consentId_idx";

-- CreateIndex
CREATE INDEX "ConsentEvent_shop_at_consentId_idx" ON "ConsentEvent"("shop", "at", "consentId");

-- CreateIndex
CREATE INDEX "ConsentEvent_consentId_at_id_toState_idx" ON "ConsentEvent"("consentId", "at", "id", "toState");
