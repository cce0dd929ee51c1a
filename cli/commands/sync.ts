import type { Command } from 'commander';
import { triggerSync, waitForSync } from '../../worker/schedules.js';
import { printJson, printTable, progress, UsageError } from '../output.js';
import { withDb, withTemporal } from '../targets.js';

async function connectionIds(requested?: string): Promise<string[]> {
  const known = await withDb((db) => db.crmConnection.findMany({ where: { enabled: true }, orderBy: { id: 'asc' } }));
  if (known.length === 0) throw new UsageError('no CRM connection is registered yet: start the worker (or `vipsync dev up`) first');
  if (!requested) return known.map((c) => c.id);
  if (!known.some((c) => c.id === requested)) {
    throw new UsageError(`unknown connection "${requested}"; known: ${known.map((c) => c.id).join(', ')}`);
  }
  return [requested];
}

export function registerSync(program: Command): void {
  const sync = program.command('sync').description('Run and inspect CRM syncs');

  sync
    .command('now')
    .description('Start the sync of every connection (or one) immediately')
    .option('--connection <id>', 'only this connection')
    .option('--wait', 'wait for the syncs to finish and print their counts')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { connection?: string; wait?: boolean; json?: boolean }) => {
      const ids = await connectionIds(opts.connection);
      const results = await withTemporal(async (client) => {
        const started = await Promise.all(ids.map(async (id) => ({ connectionId: id, workflowId: await triggerSync(client, id) })));
        for (const s of started) progress(`sync of ${s.connectionId} started (workflow ${s.workflowId})`);
        if (!opts.wait) return started;
        return Promise.all(started.map(async (s) => {
          const summary = await waitForSync(client, s.workflowId);
          progress(`sync of ${s.connectionId} finished: ${summary.fetched} fetched, ${summary.created} created, ${summary.updated} updated, ${summary.quarantined} quarantined`);
          return { workflowId: s.workflowId, ...summary };
        }));
      });
      if (opts.json) printJson(results);
      else if (opts.wait) printTable(results as Record<string, unknown>[], ['connectionId', 'fetched', 'created', 'updated', 'unchanged', 'deleted', 'quarantined', 'apiCalls', 'vipsChanged']);
    });

  sync
    .command('status')
    .description('The latest sync run of each connection')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await withDb(async (db) => {
        const connections = await db.crmConnection.findMany({ orderBy: { id: 'asc' } });
        return Promise.all(connections.map(async (c) => {
          const run = await db.syncRun.findFirst({ where: { connectionId: c.id }, orderBy: { startedAt: 'desc' } });
          return {
            connection: c.id,
            system: c.system,
            lastRun: run?.startedAt ?? null,
            status: run?.status ?? 'never synced',
            fetched: run?.fetched ?? null,
            created: run?.created ?? null,
            updated: run?.updated ?? null,
            quarantined: run?.quarantined ?? null,
            durationMs: run?.durationMs ?? null,
            error: run?.error ?? null,
          };
        }));
      });
      if (opts.json) printJson(rows);
      else printTable(rows);
    });
}
