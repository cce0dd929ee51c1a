-- VIP groups: named groups a person belongs to, each with its own handling (team, priority,
-- response time, guidance). Groups and admins' memberships are tables managed by the CLI and the
-- API; the memberships the rules file derives from CRM facts are a column the derivation owns
-- (vips.crm_groups), so a sync never touches an admin's membership and a CRM-derived one follows
-- the CRM.

-- CreateTable
CREATE TABLE "vip_groups" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "priority" TEXT NOT NULL,
    "escalation_team" TEXT,
    "response_time_minutes" INTEGER NOT NULL,
    "guidance" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vip_groups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vip_groups_name_key_key" ON "vip_groups"("name_key");

-- CreateTable
CREATE TABLE "vip_group_members" (
    "group_id" BIGINT NOT NULL,
    "vip_id" BIGINT NOT NULL,
    "source" "VipSource" NOT NULL,
    "reason" TEXT NOT NULL,
    "added_by" TEXT NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vip_group_members_pkey" PRIMARY KEY ("group_id", "vip_id")
);

-- CreateIndex
CREATE INDEX "vip_group_members_vip_id_idx" ON "vip_group_members"("vip_id");

-- AddForeignKey
ALTER TABLE "vip_group_members" ADD CONSTRAINT "vip_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "vip_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vip_group_members" ADD CONSTRAINT "vip_group_members_vip_id_fkey" FOREIGN KEY ("vip_id") REFERENCES "vips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "vips" ADD COLUMN "crm_groups" JSONB;

-- Members of a group by the rules: `crm_groups @> '[{"key": "board"}]'` through this index.
-- CreateIndex
CREATE INDEX "vips_crm_groups_idx" ON "vips" USING GIN ("crm_groups" jsonb_path_ops);

-- The lookup's cache is dropped when a group's handling or a membership changes, as for vips.
-- CreateTrigger
CREATE TRIGGER "vip_groups_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vip_groups"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();

-- CreateTrigger
CREATE TRIGGER "vip_group_members_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vip_group_members"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();
