-- A first derivation covers the people its sync run touched, not everyone: full_derived_at stays
-- empty until a full derivation (a rules change, or one asked for) has run.
-- AlterTable
ALTER TABLE "vip_derive_state" ALTER COLUMN "full_derived_at" DROP NOT NULL;
