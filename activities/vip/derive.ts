// Builds the VIP list (one row per person) from the CRM contacts, in set-based SQL so it scales
// with the number of contacts rather than round trips. Manual levels are never overwritten: the
// CRM's level is kept beside them (crm_level) for review.
import type { Db } from '../db.js';

// One candidate per normalised email among live contacts: the highest explicit level wins, then
// the most recently modified record supplies the name, company and phone.
const DERIVE = `
CREATE TEMP TABLE derived_vips ON COMMIT DROP AS
SELECT DISTINCT ON (c.email_normalized)
  c.email_normalized AS email,
  nullif(trim(concat_ws(' ', c.first_name, c.last_name)), '') AS name,
  co.name AS company,
  c.phone,
  c.crm_vip_level AS level,
  CASE WHEN c.crm_vip_level IS NULL THEN NULL
       ELSE format('%s %s = %s on contact %s (connection %s)',
                   CASE conn.system WHEN 'hubspot' THEN 'HubSpot' ELSE 'Salesforce' END,
                   CASE conn.system WHEN 'hubspot' THEN 'vip_level' ELSE 'VIP_Level__c' END,
                   c.crm_vip_level, c.crm_id, c.connection_id) END AS reason,
  (SELECT array_agg(DISTINCT v.connection_id ORDER BY v.connection_id) FROM crm_contacts v
    WHERE v.email_normalized = c.email_normalized AND v.deleted_at IS NULL) AS validated_by
FROM crm_contacts c
JOIN crm_connections conn ON conn.id = c.connection_id
LEFT JOIN crm_companies co ON co.connection_id = c.connection_id AND co.crm_id = c.company_crm_id
WHERE c.email_normalized IS NOT NULL AND c.deleted_at IS NULL
ORDER BY c.email_normalized, c.crm_vip_level DESC NULLS LAST, c.crm_modified_at DESC NULLS LAST, c.id`;

// History first, while vips still holds the old levels.
const RECORD_LEVEL_CHANGES = `
INSERT INTO vip_level_changes (vip_id, old_level, new_level, reason, source, actor)
SELECT v.id, v.level, d.level, coalesce(d.reason, 'no CRM holds an explicit VIP level any more'), 'crm', $1
FROM derived_vips d JOIN vips v ON v.email = d.email
WHERE v.manual_level IS NULL AND v.level IS DISTINCT FROM d.level`;

const UPSERT_VIPS = `
INSERT INTO vips AS v (email, name, company, phone, level, level_reason, level_source, crm_level, crm_level_reason,
  source, validated, validated_at, validated_by)
SELECT d.email, d.name, d.company, d.phone, d.level, d.reason, CASE WHEN d.level IS NULL THEN NULL ELSE 'crm'::"VipSource" END,
  d.level, d.reason, 'crm', true, now(), d.validated_by
FROM derived_vips d
ON CONFLICT (email) DO UPDATE SET
  name = coalesce(excluded.name, v.name),
  company = coalesce(excluded.company, v.company),
  phone = coalesce(excluded.phone, v.phone),
  crm_level = excluded.crm_level,
  crm_level_reason = excluded.crm_level_reason,
  level = CASE WHEN v.manual_level IS NULL THEN excluded.level ELSE v.level END,
  level_reason = CASE WHEN v.manual_level IS NULL THEN excluded.level_reason ELSE v.level_reason END,
  level_source = CASE WHEN v.manual_level IS NULL THEN excluded.level_source ELSE v.level_source END,
  validated = true,
  validated_at = CASE WHEN v.validated THEN v.validated_at ELSE now() END,
  validated_by = excluded.validated_by,
  updated_at = now()
WHERE (v.name, v.company, v.phone, v.crm_level, v.crm_level_reason, v.validated, v.validated_by)
  IS DISTINCT FROM (coalesce(excluded.name, v.name), coalesce(excluded.company, v.company),
                    coalesce(excluded.phone, v.phone), excluded.crm_level, excluded.crm_level_reason, true,
                    excluded.validated_by)`;

// New people who arrive with a level get their first history row.
const RECORD_NEW_LEVELS = `
INSERT INTO vip_level_changes (vip_id, old_level, new_level, reason, source, actor)
SELECT v.id, NULL, v.level, v.level_reason, 'crm', $1
FROM vips v JOIN derived_vips d ON d.email = v.email
WHERE v.level IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vip_level_changes h WHERE h.vip_id = v.id)`;

// People no live CRM contact vouches for any more lose their validated status.
const INVALIDATE_VANISHED = `
UPDATE vips v SET validated = false, validated_by = '{}', updated_at = now()
WHERE v.validated AND NOT EXISTS (SELECT 1 FROM derived_vips d WHERE d.email = v.email)`;

export async function deriveVips(db: Db, opts: { syncRunId: string }): Promise<number> {
  const actor = `sync-run:${opts.syncRunId}`;
  return db.$transaction(async (tx) => {
    // Two connections' syncs finishing together would otherwise upsert the same people in
    // different orders and deadlock.
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', 'vipsync:derive-vips');
    await tx.$executeRawUnsafe(DERIVE);
    await tx.$executeRawUnsafe(RECORD_LEVEL_CHANGES, actor);
    const changed = await tx.$executeRawUnsafe(UPSERT_VIPS);
    await tx.$executeRawUnsafe(RECORD_NEW_LEVELS, actor);
    const invalidated = await tx.$executeRawUnsafe(INVALIDATE_VANISHED);
    return changed + invalidated;
  }, { timeout: 600_000 });
}
