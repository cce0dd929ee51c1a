-- A full walk that would mark too many records vanished holds them back for review instead.
-- AlterEnum
ALTER TYPE "SyncRunStatus" ADD VALUE 'needs_review';

-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN "vanished_held" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "sync_states" ADD COLUMN "vanish_accepted_at" TIMESTAMPTZ(3);
