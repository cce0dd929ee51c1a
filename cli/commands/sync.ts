import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { osActor } from '../../db/audit-log.js';
import type { StartedSync } from '../../admin/sync.js';
import { printJson, printTable, progress } from '../output.js';
import { withDb, withTemporal } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

// Temporal's client loads only when a sync command runs.
const syncAdmin = () => import('../../admin/sync.js');

/**
 * Waits for every started sync. Each wait runs to its end, failed or not, before this returns:
 * a wait still retrying when the connection is closed would crash the process ("Channel has been
 * shut down"). Losing Temporal becomes one error saying what to do; the syncs run on without us.
 */
async function waitForAll(client: Client, started: StartedSync[], temporalAddress: string) {
  const { waitForSyncs } = await syncAdmin();
  const { ServiceError } = await import('@temporalio/client');
  const settled = await Promise.allSettled(started.map(async (s) => (await waitForSyncs(client, [s]))[0]!));
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failure) return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (!(failure.reason instanceof ServiceError)) throw failure.reason;
  const cause = ((failure.reason.cause as Error | undefined)?.message ?? failure.reason.message).split('\n')[0];
  const syncs = started.map((s) => `${s.connectionId}: workflow ${s.workflowId}`).join(', ');
  throw new Error(
    `lost Temporal at ${temporalAddress} while waiting for the syncs (${cause}). ` +
      `They may still be running (${syncs}): once Temporal is back (\`vipsync dev status\` for the embedded stack), ` +
      'see how they ended with `vipsync sync status`, or wait again with `vipsync sync now --wait` (it joins a sync already running).',
  );
}

export function registerSync(program: Command): void {
  const sync = program.command('sync').description(COMMAND_DESCRIPTIONS.sync);

  sync
    .command('now')
    .description('Start the sync of every connection (or one) immediately; joins a sync already running')
    .option('--connection <id>', 'only this connection')
    .option('--full', 'walk every record instead of only the changes (also finds records that vanished)')
    .option('--accept-vanished', 'with --full: mark every record the walk does not see vanished, even more than the vanish guard allows (after a needs-review run)')
    .option('--wait', 'wait for the syncs to finish and print their counts (exit code 1 if Temporal goes away meanwhile: the syncs may still run)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { connection?: string; full?: boolean; acceptVanished?: boolean; wait?: boolean; json?: boolean }) => {
      const { startSyncs, vanishReviewMessage } = await syncAdmin();
      const results = await withDb((db) => withTemporal(async (client, targets) => {
        const started = await startSyncs(db, client, osActor(), opts.connection, { full: opts.full, acceptVanished: opts.acceptVanished });
        for (const s of started) progress(`sync of ${s.connectionId} started (workflow ${s.workflowId})`);
        if (!opts.wait) return started;
        const done = await waitForAll(client, started, targets.temporalAddress);
        for (const s of done) {
          progress(`sync of ${s.connectionId} finished (${s.mode}): ${s.fetched} fetched, ${s.created} created, ${s.updated} updated, ` +
            `${s.deleted} deleted, ${s.quarantined} quarantined, ${s.apiCalls} API calls in ${(s.durationMs / 1000).toFixed(1)} s`);
          if (s.status === 'needs-review') progress(`sync of ${s.connectionId} needs review: ${vanishReviewMessage(s.connectionId, s.vanishedHeld)}`);
        }
        return done;
      }));
      if (opts.json) printJson(results);
      else if (opts.wait) {
        printTable(results as unknown as Record<string, unknown>[], [
          'connectionId', 'status', 'mode', 'fetched', 'created', 'updated', 'unchanged', 'deleted', 'quarantined', 'vanishedHeld', 'apiCalls', 'http429', 'vipsChanged',
        ]);
      }
    });

  for (const [name, paused] of [['pause', true], ['resume', false]] as const) {
    sync
      .command(name)
      .description(paused ? 'Stop starting scheduled syncs (a sync already running finishes)' : 'Start scheduled syncs again')
      .option('--connection <id>', 'only this connection')
      .action(async (opts: { connection?: string }) => {
        const { pauseSyncs } = await syncAdmin();
        const ids = await withDb((db) => withTemporal((client) => pauseSyncs(db, client, osActor(), paused, opts.connection)));
        progress(`${paused ? 'paused' : 'resumed'} the sync schedule of ${ids.join(', ')}`);
      });
  }

  sync
    .command('status')
    .description('The latest sync run of each connection, and whether its schedule is paused')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { syncStatus } = await syncAdmin();
      const { isSyncPaused } = await import('../../sync/schedules.js');
      const rows = await withDb((db) => syncStatus(db, osActor()));
      // The schedule's state is Temporal's; without Temporal the rest is still worth showing.
      const paused = await withTemporal((client) => Promise.all(rows.map((r) => isSyncPaused(client, r.connection))))
        .catch(() => rows.map(() => null));
      const full = rows.map((r, i) => ({ ...r, paused: paused[i] }));
      if (opts.json) printJson(full);
      else {
        printTable(full as unknown as Record<string, unknown>[], [
          'connection', 'system', 'paused', 'lastRun', 'status', 'fetched', 'created', 'updated', 'quarantined', 'vanishedHeld', 'durationMs', 'error',
        ]);
      }
    });
}
