-- Agents and admins: lookup cache invalidation, audit reporting.

-- CreateIndex
CREATE INDEX "audit_log_action_subject_idx" ON "audit_log"("action", "subject");

-- Change feed: every statement that changes what a lookup or a token check answers sends one
-- NOTIFY (delivered at commit, deduplicated per transaction), so in-process caches of the lookup
-- answer and of API tokens are dropped the moment a sync, an import or a revocation commits.
CREATE FUNCTION "vipsync_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vipsync_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

-- CreateTrigger
CREATE TRIGGER "vips_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "vips"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();

-- CreateTrigger
CREATE TRIGGER "crm_contacts_notify_change" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "crm_contacts"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();

-- CreateTrigger
CREATE TRIGGER "api_tokens_notify_change" AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF "token_hash", "scopes", "revoked_at", "name" ON "api_tokens"
    FOR EACH STATEMENT EXECUTE FUNCTION "vipsync_notify_change"();
