-- Every lookup writes an audit row, so each index on audit_log is paid on the hot path. The VIP
-- activity report reads lookups by time (audit_log_at_idx) and a subject's history has
-- audit_log_subject_at_idx; the (action, subject) index served neither query better.
-- DropIndex
DROP INDEX "audit_log_action_subject_idx";
