-- Salesforce Change Data Capture: the replay id each connection's subscription to a channel has
-- handled up to, so a restarted worker resumes after it (issue 23).
-- CreateTable
CREATE TABLE "change_event_subscriptions" (
    "connection_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "replay_id" BYTEA,
    "replay_stored_at" TIMESTAMPTZ(3),
    "last_event_at" TIMESTAMPTZ(3),
    "last_handled_at" TIMESTAMPTZ(3),
    "state" TEXT NOT NULL DEFAULT 'connecting',
    "last_error" TEXT,
    "reconciliation_at" TIMESTAMPTZ(3),
    "reconciliation_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "change_event_subscriptions_pkey" PRIMARY KEY ("connection_id","channel")
);

-- AddForeignKey
ALTER TABLE "change_event_subscriptions" ADD CONSTRAINT "change_event_subscriptions_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "crm_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
