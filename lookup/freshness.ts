// How fresh a lookup answer is: `sources` (the live CRM records behind the person) and `asOf` (when
// the newest of them was last confirmed by a sync). A record is confirmed when a sync read it
// (crm_contacts.last_seen_at moves only when it changed) and again by every later sync of its
// connection that finished: an incremental walk reads everything modified since the last one, so a
// record it did not read had not changed when that sync started. A person with no live CRM record
// (added by an admin, or every record gone) is as of the last write of their row.
import type { LookupSource } from './answer.js';

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (expression: string) => `to_char(${expression} AT TIME ZONE 'UTC', ${ISO})`;

/**
 * Columns of a lookup statement whose person is `v` (a vips row): "sources" (a JSON array, oldest
 * connection first) and "rowWrittenAt". The last finished sync of a connection is found by its
 * (connection_id, started_at) index, newest first.
 */
export const FRESHNESS_COLUMNS = `
  (SELECT coalesce(json_agg(json_build_object(
      'system', conn.system, 'connectionId', c.connection_id, 'crmId', c.crm_id, 'objectType', 'contact',
      'modifiedAt', ${iso('c.crm_modified_at')},
      'confirmedAt', ${iso('greatest(c.last_seen_at, run.started_at)')}
    ) ORDER BY c.connection_id, c.crm_id), '[]'::json)
   FROM crm_contacts c
   JOIN crm_connections conn ON conn.id = c.connection_id
   LEFT JOIN LATERAL (
     SELECT s.started_at FROM sync_runs s
     WHERE s.connection_id = c.connection_id AND s.status IN ('succeeded', 'needs_review')
     ORDER BY s.started_at DESC LIMIT 1
   ) run ON true
   WHERE c.email_normalized = v.email AND c.deleted_at IS NULL) AS "sources",
  ${iso('v.updated_at')} AS "rowWrittenAt"`;

export interface FreshnessRow {
  sources: LookupSource[];
  rowWrittenAt: string;
}

/** The answer's asOf: the newest confirmation of a live CRM record, else the row's last write. */
export function asOfFor(row: FreshnessRow): string {
  let newest: string | null = null;
  // ISO strings of one format compare as the instants they name.
  for (const source of row.sources) if (newest === null || source.confirmedAt > newest) newest = source.confirmedAt;
  return newest ?? row.rowWrittenAt;
}

/** The freshest of several answers (an ambiguous phone's candidates), or null when there are none. */
export function newestAsOf(values: (string | null)[]): string | null {
  let newest: string | null = null;
  for (const value of values) if (value !== null && (newest === null || value > newest)) newest = value;
  return newest;
}
