-- CreateEnum
CREATE TYPE "CrmSystem" AS ENUM ('hubspot', 'salesforce');

-- CreateEnum
CREATE TYPE "VipSource" AS ENUM ('crm', 'manual', 'csv');

-- CreateEnum
CREATE TYPE "SyncRunStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "crm_connections" (
    "id" TEXT NOT NULL,
    "system" "CrmSystem" NOT NULL,
    "display_name" TEXT NOT NULL,
    "base_url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "interval_seconds" INTEGER NOT NULL DEFAULT 900,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "crm_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_states" (
    "connection_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "watermark" TIMESTAMPTZ(3),
    "last_id" TEXT,
    "cursor" TEXT,
    "full_synced_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sync_states_pkey" PRIMARY KEY ("connection_id","object_type")
);

-- CreateTable
CREATE TABLE "crm_companies" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "crm_id" TEXT NOT NULL,
    "name" TEXT,
    "domain" TEXT,
    "properties" JSONB NOT NULL,
    "crm_modified_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "deletion_kind" TEXT,
    "merged_into_id" TEXT,
    "content_hash" TEXT NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crm_companies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crm_contacts" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "crm_id" TEXT NOT NULL,
    "email" TEXT,
    "email_normalized" TEXT,
    "first_name" TEXT,
    "last_name" TEXT,
    "title" TEXT,
    "phone" TEXT,
    "company_crm_id" TEXT,
    "owner_id" TEXT,
    "crm_vip_level" INTEGER,
    "properties" JSONB NOT NULL,
    "crm_modified_at" TIMESTAMPTZ(3),
    "deleted_at" TIMESTAMPTZ(3),
    "deletion_kind" TEXT,
    "merged_into_id" TEXT,
    "content_hash" TEXT NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crm_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vips" (
    "id" BIGSERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "company" TEXT,
    "phone" TEXT,
    "level" INTEGER,
    "level_reason" TEXT,
    "level_source" "VipSource",
    "crm_level" INTEGER,
    "crm_level_reason" TEXT,
    "manual_level" INTEGER,
    "notes" TEXT,
    "owner_name" TEXT,
    "source" "VipSource" NOT NULL,
    "validated" BOOLEAN NOT NULL DEFAULT false,
    "validated_at" TIMESTAMPTZ(3),
    "validated_by" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "stale" BOOLEAN NOT NULL DEFAULT false,
    "stale_reason" TEXT,
    "stale_since" TIMESTAMPTZ(3),
    "stale_confirmed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vips_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vip_level_changes" (
    "id" BIGSERIAL NOT NULL,
    "vip_id" BIGINT NOT NULL,
    "old_level" INTEGER,
    "new_level" INTEGER,
    "reason" TEXT NOT NULL,
    "source" "VipSource" NOT NULL,
    "actor" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vip_level_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quarantined_records" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "crm_id" TEXT,
    "reason" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "sync_run_id" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quarantined_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" BIGSERIAL NOT NULL,
    "connection_id" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" "SyncRunStatus" NOT NULL DEFAULT 'running',
    "fetched" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "api_calls" INTEGER NOT NULL DEFAULT 0,
    "http_429" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "surface" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "details" JSONB,
    "workflow_id" TEXT,
    "run_id" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "crm_companies_connection_id_crm_id_key" ON "crm_companies"("connection_id", "crm_id");

-- CreateIndex
CREATE INDEX "crm_contacts_email_normalized_idx" ON "crm_contacts"("email_normalized");

-- CreateIndex
CREATE UNIQUE INDEX "crm_contacts_connection_id_crm_id_key" ON "crm_contacts"("connection_id", "crm_id");

-- CreateIndex
CREATE UNIQUE INDEX "vips_email_key" ON "vips"("email");

-- CreateIndex
CREATE INDEX "vips_level_idx" ON "vips"("level");

-- CreateIndex
CREATE INDEX "vip_level_changes_vip_id_at_idx" ON "vip_level_changes"("vip_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "quarantined_records_connection_id_object_type_crm_id_key" ON "quarantined_records"("connection_id", "object_type", "crm_id");

-- CreateIndex
CREATE INDEX "sync_runs_connection_id_started_at_idx" ON "sync_runs"("connection_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "sync_runs_workflow_id_run_id_key" ON "sync_runs"("workflow_id", "run_id");

-- CreateIndex
CREATE INDEX "audit_log_subject_at_idx" ON "audit_log"("subject", "at");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_name_key" ON "api_tokens"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- AddForeignKey
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "crm_companies" ADD CONSTRAINT "crm_companies_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "crm_contacts" ADD CONSTRAINT "crm_contacts_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vip_level_changes" ADD CONSTRAINT "vip_level_changes_vip_id_fkey" FOREIGN KEY ("vip_id") REFERENCES "vips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quarantined_records" ADD CONSTRAINT "quarantined_records_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
