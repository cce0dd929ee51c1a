-- A connection's CRM is its provider's `system` name (crm/registry.ts): text, so adding a CRM
-- needs no migration.
-- AlterTable
ALTER TABLE "crm_connections" ALTER COLUMN "system" SET DATA TYPE TEXT;

-- AlterTable
ALTER TABLE "vip_crm_refs" ALTER COLUMN "system" SET DATA TYPE TEXT;

-- DropEnum
DROP TYPE "CrmSystem";
