// Which people a derivation covers (those a sync run touched, or everyone) and how they come, a
// batch at a time, without holding the whole list in this process.
import type { Sql } from '../db/client.js';

export const TOUCHED_BY_RUN = `
WITH run AS (SELECT started_at FROM sync_runs WHERE id = $1::bigint)
SELECT DISTINCT email FROM (
  SELECT c.email_normalized AS email FROM crm_contacts c, run
   WHERE c.connection_id = $2 AND c.updated_at >= run.started_at
  UNION ALL
  SELECT c.email_normalized FROM crm_companies co, run, crm_contacts c
   WHERE co.connection_id = $2 AND co.updated_at >= run.started_at
     AND c.connection_id = co.connection_id AND c.company_crm_id = co.crm_id
  UNION ALL
  -- A contact that changed its email leaves its old person behind.
  SELECT v.email FROM vip_crm_refs r JOIN vips v ON v.id = r.vip_id
   JOIN crm_contacts c ON c.connection_id = r.connection_id AND c.crm_id = r.crm_id, run
   WHERE r.connection_id = $2 AND c.updated_at >= run.started_at
  UNION ALL
  SELECT v.email FROM vips v
   WHERE v.stale AND v.stale_confirmed_at IS NULL AND v.manual_level IS NULL AND v.level IS NOT NULL
     AND v.stale_since <= now() - make_interval(days => $3::int)
  UNION ALL
  -- People of this connection never derived at all (a run whose derivation never happened).
  SELECT c.email_normalized FROM crm_contacts c
   WHERE c.connection_id = $2 AND c.email_normalized IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM vips v WHERE v.email = c.email_normalized)
) t WHERE email IS NOT NULL ORDER BY email`;

export const EVERYONE = `
SELECT DISTINCT email FROM (
  SELECT email_normalized AS email FROM crm_contacts
  UNION ALL
  SELECT v.email FROM vips v WHERE v.source = 'crm' OR EXISTS (SELECT 1 FROM vip_crm_refs r WHERE r.vip_id = v.id)
) t WHERE email IS NOT NULL ORDER BY email`;

export function* batchesOf(emails: string[], size: number): Generator<string[]> {
  for (let i = 0; i < emails.length; i += size) yield emails.slice(i, i + size);
}

const PEOPLE_CURSOR = 'vipsync_derive_people';

/**
 * The people of `query` (one email column, in order), `size` at a time, through a cursor on the
 * lock's connection: a derivation holds one batch of the list, not the whole list (a million
 * people would be ~100 MB). WITH HOLD: the list is fixed when the cursor is declared (Postgres
 * keeps it, on disk if large), and no transaction stays open while the batches are written.
 * A cursor's query is planned for its first rows by default (cursor_tuple_fraction 0.1); a held
 * cursor computes all of them when declared, so it is planned for all, as the plain query was.
 */
export async function* cursorBatches(sql: Sql, query: string, params: unknown[], size: number): AsyncGenerator<string[]> {
  await sql.query('SET cursor_tuple_fraction = 1');
  try {
    await sql.query(`DECLARE ${PEOPLE_CURSOR} NO SCROLL CURSOR WITH HOLD FOR ${query}`, params);
  } finally {
    await sql.query('RESET cursor_tuple_fraction');
  }
  let failed = false;
  try {
    for (;;) {
      const { rows } = await sql.query<{ email: string }>(`FETCH ${size} FROM ${PEOPLE_CURSOR}`);
      if (rows.length === 0) return;
      yield rows.map((r) => r.email);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // CLOSE ALL, not CLOSE: it does not fail when there is no cursor to close. After a failure
    // the first error is the one worth reporting.
    await sql.query('CLOSE ALL').catch((error: unknown) => {
      if (!failed) throw error;
    });
  }
}
