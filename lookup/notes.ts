// The latest contact notes in the lookup answer. They are read by the lookup's own statement (one
// round trip, as before): the person's query is wrapped, and each row it answers gets its latest
// notes from an index (vip_id, created_at DESC, id DESC), so a person without notes costs one
// index probe. Who may see them is the surfaces' business, as for `notes` (the HTTP API and MCP
// drop both without the notes:read scope).
import type { ContactNote } from './answer.js';

/** How many notes an answer carries unless VIPSYNC_LOOKUP_CONTACT_NOTES says otherwise. */
export const DEFAULT_CONTACT_NOTES_IN_ANSWER = 3;
/** The most VIPSYNC_LOOKUP_CONTACT_NOTES may ask for: an answer stays small (50 x 2,000 characters). */
export const MAX_CONTACT_NOTES_IN_ANSWER = 50;

/**
 * `personSql` with a "contactNotes" column: the latest `limit` notes of the person each of its
 * rows names by its `email` column, newest first, as a JSON array. `personSql` as it is when
 * `limit` is 0. The limit is a whole number checked at start-up, so it is written into the text
 * (the statement's own parameters stay as they are).
 */
export function withLatestContactNotes(personSql: string, limit: number): string {
  const key = `${limit}\n${personSql}`;
  let sql = built.get(key);
  if (sql === undefined) {
    sql = build(personSql, limit);
    built.set(key, sql);
  }
  return sql;
}

// Every lookup that misses the cache asks for the same few statements: build each once.
const built = new Map<string, string>();

function build(personSql: string, limit: number): string {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_CONTACT_NOTES_IN_ANSWER) {
    throw new Error(`contact notes in an answer: ${limit} is outside 0-${MAX_CONTACT_NOTES_IN_ANSWER}`);
  }
  if (limit === 0) return personSql;
  return `
WITH person AS (${personSql})
SELECT person.*, COALESCE((
  SELECT json_agg(json_build_object('id', n.id::text, 'author', n.author, 'at', n.created_at, 'text', n.text) ORDER BY n.created_at DESC, n.id DESC)
  FROM (
    SELECT cn.id, cn.author, cn.created_at, cn.text FROM vip_contact_notes cn
    WHERE cn.vip_id = (SELECT nv.id FROM vips nv WHERE nv.email = person.email)
    ORDER BY cn.created_at DESC, cn.id DESC
    LIMIT ${limit}
  ) n
), '[]'::json) AS "contactNotes"
FROM person`;
}

interface RawNote {
  id: string;
  author: string;
  at: string;
  text: string;
}

/** The column as the answer carries it: times in UTC ISO 8601 (Postgres writes the session's offset). */
export function contactNotesFrom(column: unknown): ContactNote[] {
  if (!Array.isArray(column)) return [];
  return (column as RawNote[]).map((n) => ({ id: n.id, author: n.author, at: new Date(n.at).toISOString(), text: n.text }));
}
