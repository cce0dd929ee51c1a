// The push path's tables: the events received (keyed by the CRM's event id, so a retried or
// duplicated delivery is recognised in Postgres) and where each connection's push path stands.
import type { Db, Sql } from '../db/client.js';
import { plainQuery } from '../db/client.js';
import type { PushChange } from '../workflows/contract.js';

/** One event as a receiver got it: the CRM's own id for the event, and the change it names. */
export interface ReceivedPushEvent extends PushChange {
  eventId: string;
}

/**
 * HubSpot retries a delivery for up to 24 hours (hubspot.md, "Webhooks"); an event id is
 * remembered a while longer, so a late retry is still recognised.
 */
export const PUSH_EVENT_RETENTION_DAYS = 3;

/**
 * Records the events and returns those still to hand to Temporal: new ones, and ones an earlier
 * delivery recorded but could not hand off (Temporal was down, the process died before it did).
 * An event already handed off is a duplicate and is not returned.
 */
export async function recordPushEvents(db: Db, connectionId: string, events: ReceivedPushEvent[]): Promise<{ toHandOff: ReceivedPushEvent[]; duplicates: number }> {
  if (events.length === 0) return { toHandOff: [], duplicates: 0 };
  // One event id twice in one delivery is one event.
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  // xmax = 0 on a returned row: inserted now (a new event), not a pending one seen before.
  const rows = await plainQuery<{ event_id: string; inserted: boolean }>(db,
    `INSERT INTO push_events (connection_id, event_id, object_type, crm_id, kind, changed_at)
     SELECT $1, e.event_id, e.object_type, e.crm_id, e.kind, e.changed_at::timestamptz
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS e(event_id, object_type, crm_id, kind, changed_at)
     ON CONFLICT (connection_id, event_id) DO UPDATE SET received_at = push_events.received_at
       WHERE push_events.handed_off_at IS NULL
     RETURNING event_id, (xmax = 0) AS inserted`,
    [connectionId, unique.map((e) => e.eventId), unique.map((e) => e.objectType), unique.map((e) => e.crmId),
      unique.map((e) => e.kind), unique.map((e) => e.changedAt)]);
  const pending = new Set(rows.map((r) => r.event_id));
  const toHandOff = unique.filter((e) => pending.has(e.eventId));
  const duplicates = events.length - toHandOff.length;
  // The counters count each event once: one a retried delivery brings again is a duplicate there
  // even while it is still to be handed off (the first delivery's answer timed out first).
  const firstSeen = rows.filter((r) => r.inserted).length;
  await plainQuery(db,
    `INSERT INTO push_states (connection_id, last_received_at, events_received, duplicates_received) VALUES ($1, now(), $2, $3)
     ON CONFLICT (connection_id) DO UPDATE SET last_received_at = now(),
       events_received = push_states.events_received + $2, duplicates_received = push_states.duplicates_received + $3`,
    [connectionId, firstSeen, events.length - firstSeen]);
  return { toHandOff, duplicates };
}

/** The events were handed to Temporal: a later delivery of them is a duplicate. */
export async function markHandedOff(db: Db, connectionId: string, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await plainQuery(db, `UPDATE push_events SET handed_off_at = now() WHERE connection_id = $1 AND event_id = ANY($2::text[])`, [connectionId, eventIds]);
}

/** A request refused (bad signature, stale timestamp): counted for `vipsync doctor`. */
export async function countRejectedRequest(db: Db, connectionId: string): Promise<void> {
  await plainQuery(db,
    `INSERT INTO push_states (connection_id, rejected_requests) VALUES ($1, 1)
     ON CONFLICT (connection_id) DO UPDATE SET rejected_requests = push_states.rejected_requests + 1`, [connectionId]);
}

/** Records applied by the push workflow, and the lag from the latest change's time to now. */
export async function recordApplied(sql: Sql, connectionId: string, a: { applied: number; staleSkipped: number; latestChangeAt: Date | null }): Promise<void> {
  const lagMs = a.latestChangeAt ? Math.max(0, Date.now() - a.latestChangeAt.getTime()) : null;
  await sql.query(
    `INSERT INTO push_states (connection_id, last_applied_at, records_applied, stale_reads_skipped, last_lag_ms) VALUES ($1, now(), $2, $3, $4)
     ON CONFLICT (connection_id) DO UPDATE SET last_applied_at = now(), records_applied = push_states.records_applied + $2,
       stale_reads_skipped = push_states.stale_reads_skipped + $3, last_lag_ms = coalesce($4, push_states.last_lag_ms)`,
    [connectionId, a.applied, a.staleSkipped, lagMs]);
}

/** Forgets event ids past the retention (a bounded number a call, so no call takes long). */
export async function prunePushEvents(sql: Sql, limit = 5_000): Promise<number> {
  const result = await sql.query(
    `DELETE FROM push_events WHERE ctid IN (
       SELECT ctid FROM push_events WHERE received_at < now() - make_interval(days => $1::int) LIMIT $2)`,
    [PUSH_EVENT_RETENTION_DAYS, limit]);
  return result.rowCount ?? 0;
}

export interface PushStateView {
  connectionId: string;
  lastReceivedAt: Date | null;
  eventsReceived: number;
  duplicatesReceived: number;
  rejectedRequests: number;
  lastAppliedAt: Date | null;
  recordsApplied: number;
  staleReadsSkipped: number;
  lastLagMs: number | null;
  /** Events received but not yet handed to Temporal (a hand-off that failed; HubSpot retries them). */
  notHandedOff: number;
}

export async function pushStates(db: Db): Promise<PushStateView[]> {
  const rows = await plainQuery<Record<string, unknown>>(db,
    `SELECT s.*, (SELECT count(*) FROM push_events e WHERE e.connection_id = s.connection_id AND e.handed_off_at IS NULL) AS not_handed_off
     FROM push_states s ORDER BY s.connection_id`);
  return rows.map((r) => ({
    connectionId: String(r.connection_id),
    lastReceivedAt: (r.last_received_at as Date | null) ?? null,
    eventsReceived: Number(r.events_received),
    duplicatesReceived: Number(r.duplicates_received),
    rejectedRequests: Number(r.rejected_requests),
    lastAppliedAt: (r.last_applied_at as Date | null) ?? null,
    recordsApplied: Number(r.records_applied),
    staleReadsSkipped: Number(r.stale_reads_skipped),
    lastLagMs: r.last_lag_ms === null ? null : Number(r.last_lag_ms),
    notHandedOff: Number(r.not_handed_off),
  }));
}
