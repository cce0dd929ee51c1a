-- AlterTable
ALTER TABLE "sync_states" DROP COLUMN "last_id",
ADD COLUMN     "full_requested_at" TIMESTAMPTZ(3),
ADD COLUMN     "walk_high_water" TIMESTAMPTZ(3),
ADD COLUMN     "walk_mode" TEXT,
ADD COLUMN     "walk_started_at" TIMESTAMPTZ(3),
ADD COLUMN     "walk_sync_run_id" BIGINT;

-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "token_requests" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
-- UNLOGGED by hand: scratch ids of a full walk in progress, not worth WAL.
CREATE UNLOGGED TABLE "sync_seen_ids" (
    "walk_id" BIGINT NOT NULL,
    "object_type" TEXT NOT NULL,
    "crm_id" TEXT NOT NULL,

    CONSTRAINT "sync_seen_ids_pkey" PRIMARY KEY ("walk_id","object_type","crm_id")
);
