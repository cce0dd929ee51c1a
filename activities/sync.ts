// Sync activities. `syncObjects` walks one object type of one connection page by page: it reads
// where the walk stands from Postgres, fetches the next page (the one after is fetched while this
// one is written), writes the page together with the new position, heartbeats, and returns after a
// time budget so the workflow stays in charge. A killed worker resumes exactly where it stopped.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { SyncCounts, SyncSummary } from '../workflows/contract.js';
import { registerConnections } from '../sync/connections.js';
import { CrmConfigurationError } from '../crm/errors.js';
import type { CrmConnections } from '../crm/connections.js';
import type { CrmCallStats, CrmClient, CrmObjectType, CrmWalkPage } from '../crm/types.js';
import type { Db } from '../db/client.js';
import { walkRunning } from '../runtime/give-way.js';
import { PageReader } from '../sync/page-reader.js';
import { writeBatch, type BatchCounts } from '../sync/write-batch.js';

export interface SyncTuning {
  /** Re-read this much before the watermark, for late writes (a record stamped when its transaction began, committed later). */
  overlapMs: number;
  /** A full walk (which also finds records that vanished) at least this often. */
  reconcileEveryMs: number;
  /**
   * How long one syncObjects call works before handing back to the workflow. Each hand-over
   * leaves the CRM's rate limit unused while the pages already fetched are written and the next
   * call starts (bench/README.md, "The activity's budget").
   */
  activityBudgetMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = {
  overlapMs: 5 * 60_000,
  reconcileEveryMs: 7 * 24 * 3600_000,
  activityBudgetMs: 180_000,
};

export interface SyncActivityDeps {
  db: Db;
  /** The worker's connections, shared with every other activity that calls a CRM. */
  crm: CrmConnections;
  tuning?: Partial<SyncTuning>;
}

export interface SyncObjectsInput {
  connectionId: string;
  objectType: CrmObjectType;
  syncRunId: string;
}

export interface SyncObjectsResult {
  /** The walk is complete. */
  done: boolean;
  mode: 'full' | 'incremental';
  counts: Partial<SyncCounts>;
}

function statsDelta(before: CrmCallStats, after: CrmCallStats) {
  return {
    apiCalls: after.apiCalls - before.apiCalls,
    tokenRequests: after.tokenRequests - before.tokenRequests,
    http429: after.http429 - before.http429,
    retries: after.retries - before.retries,
  };
}

export function createSyncActivities(deps: SyncActivityDeps) {
  const { db } = deps;
  const tuning = { ...DEFAULT_SYNC_TUNING, ...deps.tuning };
  const { crm } = deps;
  // Call counts already written to a sync run, per connection. Calls of an attempt that failed
  // before committing are counted with the next page that commits, so no call goes uncounted.
  const committedStats = new Map<string, CrmCallStats>();

  async function fetchPage(client: CrmClient, objectType: CrmObjectType, position: string): Promise<CrmWalkPage> {
    try {
      return await client.fetchPage(objectType, position);
    } catch (error) {
      if (error instanceof CrmConfigurationError) throw ApplicationFailure.nonRetryable(error.message, error.name);
      throw error;
    }
  }

  /** Where the walk stands, starting one (full or incremental) when none is in progress. */
  async function currentWalk(input: SyncObjectsInput, client: CrmClient) {
    const key = { connectionId: input.connectionId, objectType: input.objectType };
    const state = await db.syncState.findUnique({ where: { connectionId_objectType: key } });
    if (state?.cursor && state.walkMode && state.walkSyncRunId !== null) {
      return { position: state.cursor, mode: state.walkMode as 'full' | 'incremental', walkId: state.walkSyncRunId, startedAt: state.walkStartedAt! };
    }
    const now = new Date();
    const full = !state?.fullSyncedAt || !state.watermark || state.fullRequestedAt !== null
      || now.getTime() - state.fullSyncedAt.getTime() > tuning.reconcileEveryMs;
    // Never before the start of time: a watermark at the epoch (nothing read yet) means everything.
    const since = full ? null : new Date(Math.max(0, state!.watermark!.getTime() - tuning.overlapMs));
    const walk = {
      cursor: client.startWalk(input.objectType, since),
      walkMode: full ? 'full' : 'incremental',
      walkStartedAt: now,
      walkHighWater: null,
      walkSyncRunId: BigInt(input.syncRunId),
    };
    await db.syncState.upsert({ where: { connectionId_objectType: key }, create: { ...key, ...walk }, update: walk });
    return { position: walk.cursor, mode: walk.walkMode as 'full' | 'incremental', walkId: walk.walkSyncRunId, startedAt: now };
  }

  return {
    /** Records the connection in crm_connections and opens a sync run; returns the run's id. */
    async startSyncRun(input: { connectionId: string; workflowId: string; runId: string; mode: string }): Promise<string> {
      await registerConnections(db, [crm.config(input.connectionId)]);
      const run = await db.syncRun.upsert({
        where: { workflowId_runId: { workflowId: input.workflowId, runId: input.runId } },
        create: { connectionId: input.connectionId, workflowId: input.workflowId, runId: input.runId, mode: input.mode },
        update: {},
      });
      return run.id.toString();
    },

    async syncObjects(input: SyncObjectsInput): Promise<SyncObjectsResult> {
      const { connectionId, objectType } = input;
      const syncRunId = BigInt(input.syncRunId);
      const client = await crm.client(connectionId);
      const deadline = Date.now() + tuning.activityBudgetMs;
      const walk = await currentWalk(input, client);
      const totals: Partial<SyncCounts> = { fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, vanishedHeld: 0 };
      const before = committedStats.get(connectionId) ?? { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
      committedStats.set(connectionId, before);
      const cancelled = () => Context.current().cancellationSignal.aborted;
      // Heartbeats also while one slow page is being fetched or retried.
      const beat = setInterval(() => heartbeat({ objectType, fetched: totals.fetched }), 5_000);
      // A VIP derivation in this worker keeps to a share of the thread meanwhile (give-way.ts).
      const walkEnded = walkRunning();

      // Pages are fetched ahead (in order: each needs the cursor of the one before) while earlier
      // ones are written; whatever has arrived by the time a write ends goes into the next one.
      const reader = new PageReader(
        (position) => fetchPage(client, objectType, position), walk.position,
        () => Date.now() < deadline && !cancelled(),
      );
      let position: string | null = walk.position;
      try {
        for (let batch = await reader.take(); batch.length > 0; batch = await reader.take()) {
          const next = batch.at(-1)!.next;
          // Calls are attributed to the batch committed next, those of fetches ahead (and of the
          // connection's other walk) included: claimed now, given back if the write fails.
          const snapshot = client.stats();
          const calls = statsDelta(before, snapshot);
          Object.assign(before, snapshot);
          let counts: BatchCounts;
          try {
            counts = await writeBatch(db, crm.config(connectionId).vanishGuard, { connectionId, objectType, syncRunId, walk, pages: batch, next, calls });
          } catch (error) {
            for (const k of Object.keys(calls) as (keyof typeof calls)[]) before[k] -= calls[k];
            throw error;
          }
          for (const [k, v] of Object.entries(counts)) totals[k as keyof SyncCounts]! += v;
          position = next;
          heartbeat({ objectType, fetched: totals.fetched });
        }
      } finally {
        clearInterval(beat);
        walkEnded();
      }
      return { done: position === null, mode: walk.mode, counts: totals };
    },

    async finishSyncRun(input: { syncRunId: string; mode?: string; error?: string }): Promise<SyncSummary> {
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(input.syncRunId) } });
      const finishedAt = new Date();
      const done = await db.syncRun.update({
        where: { id: run.id },
        data: {
          // A run that held vanished records back still brought everything else in.
          status: input.error ? 'failed' : run.vanishedHeld > 0 ? 'needs_review' : 'succeeded',
          error: input.error ?? null,
          ...(input.mode ? { mode: input.mode } : {}),
          finishedAt,
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
        },
      });
      return {
        connectionId: done.connectionId,
        syncRunId: done.id.toString(),
        mode: done.mode,
        fetched: done.fetched,
        created: done.created,
        updated: done.updated,
        unchanged: done.unchanged,
        deleted: done.deleted,
        quarantined: done.quarantined,
        apiCalls: done.apiCalls,
        tokenRequests: done.tokenRequests,
        http429: done.http429,
        retries: done.retries,
        vanishedHeld: done.vanishedHeld,
        status: done.status === 'needs_review' ? 'needs-review' : 'succeeded',
        durationMs: done.durationMs ?? 0,
        vipsChanged: 0,
      };
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
