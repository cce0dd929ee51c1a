-- Lookup by phone (issue 21, item 1). `phones` holds every phone number (E.164) of the person's live
-- CRM records (HubSpot phone and mobilephone, Salesforce Phone and MobilePhone), written by the
-- derivation; `phone` (the one shown, which an admin may set) is indexed too. A lookup by phone
-- reads both through these indexes.
-- AlterTable
ALTER TABLE "vips" ADD COLUMN "phones" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "vips_phones_idx" ON "vips" USING GIN ("phones");

-- CreateIndex
CREATE INDEX "vips_phone_idx" ON "vips"("phone");

-- The people derived before this migration have no `phones` yet: the next derivation derives
-- everyone (as after a change of the rules file), which fills them.
UPDATE "vip_derive_state" SET "rules_hash" = 'before-20261206000000_phone_lookup';

-- A lookup answer says how fresh it is (`asOf`: when a sync last confirmed its CRM records). A sync
-- that changed nothing writes neither vips nor crm_contacts, so its end is notified too: cached
-- answers are dropped and the next one carries the new time.
-- CreateTrigger
CREATE TRIGGER "sync_runs_notify_change" AFTER UPDATE OF "finished_at" ON "sync_runs"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();
