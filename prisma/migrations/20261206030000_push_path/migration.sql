-- The push path (HubSpot webhooks; Salesforce Change Data Capture hands its events to the same
-- workflow). Events received, one row each, keyed by the CRM's own event id: a delivery HubSpot
-- retries or duplicates is recognised here, in Postgres, not in workflow state. Rows older than
-- the CRM's retry window are pruned by the push workflow's activity.
CREATE TABLE "push_events" (
    "connection_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "crm_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "changed_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- Set once the event was handed to Temporal; a delivery retried before that is handed off again.
    "handed_off_at" TIMESTAMPTZ(3),

    CONSTRAINT "push_events_pkey" PRIMARY KEY ("connection_id", "event_id")
);

CREATE INDEX "push_events_received_at_idx" ON "push_events"("received_at");

-- Where each connection's push path stands, for `vipsync doctor`.
CREATE TABLE "push_states" (
    "connection_id" TEXT NOT NULL,
    "last_received_at" TIMESTAMPTZ(3),
    "events_received" BIGINT NOT NULL DEFAULT 0,
    "duplicates_received" BIGINT NOT NULL DEFAULT 0,
    "rejected_requests" BIGINT NOT NULL DEFAULT 0,
    "last_applied_at" TIMESTAMPTZ(3),
    "records_applied" BIGINT NOT NULL DEFAULT 0,
    "stale_reads_skipped" BIGINT NOT NULL DEFAULT 0,
    -- From the CRM's change (its event time) to the change applied, for the last batch applied.
    "last_lag_ms" INTEGER,

    CONSTRAINT "push_states_pkey" PRIMARY KEY ("connection_id")
);
