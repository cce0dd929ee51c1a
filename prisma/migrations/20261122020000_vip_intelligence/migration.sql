-- AlterTable
ALTER TABLE "vips" ADD COLUMN     "field_sources" JSONB,
ADD COLUMN     "stale_evidence" JSONB,
ADD COLUMN     "title" TEXT;

-- CreateTable
CREATE TABLE "vip_crm_refs" (
    "id" BIGSERIAL NOT NULL,
    "vip_id" BIGINT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "system" "CrmSystem" NOT NULL,
    "crm_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "baseline_company_crm_id" TEXT,
    "baseline_domain_matched" BOOLEAN,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vip_crm_refs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vip_derive_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "rules_hash" TEXT NOT NULL,
    "full_derived_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vip_derive_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "vips_stale_idx" ON "vips"("stale");

-- CreateIndex
CREATE INDEX "vip_crm_refs_connection_id_crm_id_idx" ON "vip_crm_refs"("connection_id", "crm_id");

-- CreateIndex
CREATE UNIQUE INDEX "vip_crm_refs_vip_id_connection_id_crm_id_key" ON "vip_crm_refs"("vip_id", "connection_id", "crm_id");

-- AddForeignKey
ALTER TABLE "vip_crm_refs" ADD CONSTRAINT "vip_crm_refs_vip_id_fkey" FOREIGN KEY ("vip_id") REFERENCES "vips"("id") ON DELETE CASCADE ON UPDATE CASCADE;
