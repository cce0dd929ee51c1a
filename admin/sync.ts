// Sync status and on-demand syncs, for the CLI and the HTTP API alike.
import type { Client } from '@temporalio/client';
import { setSyncPaused, triggerSync, waitForSync } from '../sync/schedules.js';
import { requestFullSync } from '../sync/store.js';
import type { SyncSummary } from '../workflows/contract.js';
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';

export interface ConnectionSyncStatus {
  connection: string;
  system: string;
  enabled: boolean;
  intervalSeconds: number;
  lastRun: Date | null;
  status: string;
  fetched: number | null;
  created: number | null;
  updated: number | null;
  quarantined: number | null;
  durationMs: number | null;
  /** Records the last run's full walk did not see, held back from marking vanished for review. */
  vanishedHeld: number | null;
  error: string | null;
  /** Last run that succeeded (the data agents see is at least this fresh). */
  lastSuccessAt: Date | null;
}

export async function syncStatus(db: Db, actor: Actor): Promise<ConnectionSyncStatus[]> {
  const connections = await db.crmConnection.findMany({ orderBy: { id: 'asc' } });
  const rows = await Promise.all(connections.map(async (c) => {
    const [run, success] = await Promise.all([
      db.syncRun.findFirst({ where: { connectionId: c.id }, orderBy: { startedAt: 'desc' } }),
      db.syncRun.findFirst({ where: { connectionId: c.id, status: { in: ['succeeded', 'needs_review'] } }, orderBy: { startedAt: 'desc' } }),
    ]);
    return {
      connection: c.id, system: c.system, enabled: c.enabled, intervalSeconds: c.intervalSeconds,
      lastRun: run?.startedAt ?? null, status: run ? runStatusText(run.status) : 'never synced', fetched: run?.fetched ?? null,
      created: run?.created ?? null, updated: run?.updated ?? null, quarantined: run?.quarantined ?? null,
      durationMs: run?.durationMs ?? null, vanishedHeld: run?.vanishedHeld ?? null,
      error: run?.error ?? (run?.status === 'needs_review' ? vanishReviewMessage(c.id, run.vanishedHeld) : null),
      lastSuccessAt: success?.finishedAt ?? null,
    };
  }));
  await writeAudit(db, { actor, action: 'sync.status' });
  return rows;
}

/** How a run's status reads: needs_review as needs-review, like the CLI's options. */
export function runStatusText(status: string): string {
  return status.replace('_', '-');
}

/** What a run that held vanished records back asks of an operator. */
export function vanishReviewMessage(connectionId: string, held: number): string {
  return `a full walk did not see ${held} live record${held === 1 ? '' : 's'}, more than the vanish guard lets a sync mark gone; ` +
    `none was marked. Check the integration user's access in the CRM; if they really are gone: ` +
    `vipsync sync now --connection ${connectionId} --full --accept-vanished`;
}

/** The enabled connections, or the one asked for (an unknown id is the caller's mistake). */
export async function connectionIds(db: Db, requested?: string): Promise<string[]> {
  const known = await db.crmConnection.findMany({ where: { enabled: true }, orderBy: { id: 'asc' } });
  if (known.length === 0) throw new AdminError('not_found', 'no CRM connection is registered yet: start the worker (or `vipsync dev up`) first');
  if (!requested) return known.map((c) => c.id);
  if (!known.some((c) => c.id === requested)) {
    throw new AdminError('not_found', `unknown connection "${requested}"; known: ${known.map((c) => c.id).join(', ')}`);
  }
  return [requested];
}

export interface StartedSync {
  connectionId: string;
  workflowId: string;
}

/**
 * Starts (or joins) the sync of every connection or one, through its Temporal Schedule. With
 * `full`, the sync walks every record (finding those that vanished) instead of only the changes;
 * with `acceptVanished` too, it marks every record it does not see vanished, past the vanish guard.
 */
export async function startSyncs(
  db: Db, client: Client, actor: Actor, connection?: string, opts: { full?: boolean; acceptVanished?: boolean } = {},
): Promise<StartedSync[]> {
  if (opts.acceptVanished && !opts.full) {
    throw new AdminError('invalid', 'accepting vanished records needs a full walk: add --full (full=true)');
  }
  const ids = await connectionIds(db, connection);
  if (opts.full) for (const id of ids) await requestFullSync(db, id, { acceptVanished: opts.acceptVanished });
  const started = await Promise.all(ids.map(async (id) => ({ connectionId: id, workflowId: await triggerSync(client, id) })));
  await writeAudit(db, {
    actor, action: 'sync.trigger', subject: connection ?? null,
    details: { started: started.map((s) => s.workflowId), full: opts.full ?? false, acceptVanished: opts.acceptVanished ?? false },
  });
  return started;
}

export async function waitForSyncs(client: Client, started: StartedSync[]): Promise<(SyncSummary & { workflowId: string })[]> {
  return Promise.all(started.map(async (s) => ({ workflowId: s.workflowId, ...(await waitForSync(client, s.workflowId)) })));
}

/** Pauses or resumes the scheduled syncs of every connection or one. */
export async function pauseSyncs(db: Db, client: Client, actor: Actor, paused: boolean, connection?: string): Promise<string[]> {
  const ids = await connectionIds(db, connection);
  for (const id of ids) await setSyncPaused(client, id, paused, `${paused ? 'paused' : 'resumed'} by ${actor.name}`);
  await writeAudit(db, { actor, action: paused ? 'sync.pause' : 'sync.resume', subject: connection ?? null, details: { connections: ids } });
  return ids;
}
