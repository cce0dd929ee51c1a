// Sync status and on-demand syncs, for the CLI and the HTTP API alike.
import type { Client } from '@temporalio/client';
import { setSyncPaused, triggerSync, waitForSync } from '../../worker/schedules.js';
import { requestFullSync } from '../sync-store.js';
import type { SyncSummary } from '../../workflows/contract.js';
import type { Db } from '../db.js';
import { writeAudit, type Actor } from './audit.js';
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
  error: string | null;
  /** Last run that succeeded (the data agents see is at least this fresh). */
  lastSuccessAt: Date | null;
}

export async function syncStatus(db: Db, actor: Actor): Promise<ConnectionSyncStatus[]> {
  const connections = await db.crmConnection.findMany({ orderBy: { id: 'asc' } });
  const rows = await Promise.all(connections.map(async (c) => {
    const [run, success] = await Promise.all([
      db.syncRun.findFirst({ where: { connectionId: c.id }, orderBy: { startedAt: 'desc' } }),
      db.syncRun.findFirst({ where: { connectionId: c.id, status: 'succeeded' }, orderBy: { startedAt: 'desc' } }),
    ]);
    return {
      connection: c.id, system: c.system, enabled: c.enabled, intervalSeconds: c.intervalSeconds,
      lastRun: run?.startedAt ?? null, status: run?.status ?? 'never synced', fetched: run?.fetched ?? null,
      created: run?.created ?? null, updated: run?.updated ?? null, quarantined: run?.quarantined ?? null,
      durationMs: run?.durationMs ?? null, error: run?.error ?? null, lastSuccessAt: success?.finishedAt ?? null,
    };
  }));
  await writeAudit(db, { actor, action: 'sync.status' });
  return rows;
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
 * `full`, the sync walks every record (finding those that vanished) instead of only the changes.
 */
export async function startSyncs(db: Db, client: Client, actor: Actor, connection?: string, opts: { full?: boolean } = {}): Promise<StartedSync[]> {
  const ids = await connectionIds(db, connection);
  if (opts.full) for (const id of ids) await requestFullSync(db, id);
  const started = await Promise.all(ids.map(async (id) => ({ connectionId: id, workflowId: await triggerSync(client, id) })));
  await writeAudit(db, { actor, action: 'sync.trigger', subject: connection ?? null, details: { started: started.map((s) => s.workflowId), full: opts.full ?? false } });
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
