-- Contact notes: what agents share about a person, beside the VIP's handling notes (vips.notes).
-- Each note has its author and time; a person's notes go with the person (ON DELETE CASCADE).
-- CreateTable
CREATE TABLE "vip_contact_notes" (
    "id" BIGSERIAL NOT NULL,
    "vip_id" BIGINT NOT NULL,
    "text" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "edited_at" TIMESTAMPTZ(3),
    "edited_by" TEXT,

    CONSTRAINT "vip_contact_notes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex: a person's notes newest first (the list, and the lookup's latest N).
CREATE INDEX "vip_contact_notes_vip_id_created_at_id_idx" ON "vip_contact_notes"("vip_id", "created_at" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "vip_contact_notes" ADD CONSTRAINT "vip_contact_notes_vip_id_fkey" FOREIGN KEY ("vip_id") REFERENCES "vips"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The lookup answer carries the latest notes: a committed note write drops the cached answers
-- (the change feed of migration 20261122030000_agents_admins).
-- CreateTrigger
CREATE TRIGGER "vip_contact_notes_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vip_contact_notes"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();
