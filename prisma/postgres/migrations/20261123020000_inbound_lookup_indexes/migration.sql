-- CreateIndex
CREATE INDEX "Consent_phone_idx" ON "Consent"("phone");

-- CreateIndex
CREATE INDEX "Consent_waUserId_idx" ON "Consent"("waUserId");

-- CreateIndex
CREATE INDEX "Message_to_createdAt_idx" ON "Message"("to", "createdAt");
