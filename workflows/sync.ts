// One connection's sync: companies and contacts side by side, each walked by repeated syncObjects
// calls (the activity resumes from the position committed in Postgres and returns after a time
// budget), then the VIP list is re-derived. Orchestration only. Long walks continue as new before
// the history grows large, carrying the run they belong to.
import { ContinueAsNew, continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CrmObjectType } from '../crm/types.js';
import type { SyncActivities } from '../activities/sync.js';
import type { VipActivities } from '../activities/vip.js';
import type { SyncConnectionInput, SyncSummary } from './contract.js';

const { startSyncRun, finishSyncRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { syncObjects } = proxyActivities<SyncActivities>({
  // The activity hands back after about three minutes; a slow CRM page may add to that.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['UnknownConnection', 'CrmConfigurationError'],
  },
});

const { deriveVips } = proxyActivities<VipActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** syncObjects calls per workflow run before continuing as new (each adds a handful of events). */
const DEFAULT_CALLS_PER_RUN = 200;
const OBJECT_TYPES = ['companies', 'contacts'] as const satisfies readonly CrmObjectType[];
/** Runs that started before the walks went side by side replay them one after the other. */
const PARALLEL_WALKS = 'parallel-walks';
/**
 * Continuing as new hands the run over: it is not finished. Runs before this patch finished it as
 * failed ("Workflow continued as new") at every hand-over, until the last run finished it again.
 */
const HAND_OVER_UNFINISHED = 'hand-over-unfinished';

/** "companies:full contacts:incremental": in object type order, whichever walk ended first. */
function modeText(modes: string[]): string {
  const rank = (mode: string) => OBJECT_TYPES.findIndex((type) => mode.startsWith(`${type}:`));
  return [...modes].sort((a, b) => rank(a) - rank(b)).join(' ');
}

export async function syncConnectionWorkflow(input: SyncConnectionInput): Promise<SyncSummary> {
  const info = workflowInfo();
  const syncRunId = input.syncRunId ?? (await startSyncRun({
    connectionId: input.connectionId,
    workflowId: info.workflowId,
    runId: info.runId,
    mode: input.trigger,
  }));
  const completed = [...(input.completed ?? [])];
  const modes = [...(input.modes ?? [])];
  // At least one call a run, or a run would only ever continue as new.
  const callsPerRun = Math.max(1, input.callsPerRun ?? DEFAULT_CALLS_PER_RUN);
  let calls = 0;
  try {
    let handOver = false;
    let failed = false;
    /** Walks one object type until it is complete, this run has made enough calls, or the other walk failed. */
    const walk = async (objectType: CrmObjectType): Promise<void> => {
      if (completed.includes(objectType)) return;
      for (;;) {
        if (failed) return;
        if (calls >= callsPerRun || workflowInfo().continueAsNewSuggested) {
          handOver = true;
          return;
        }
        calls += 1;
        const result = await syncObjects({ connectionId: input.connectionId, objectType, syncRunId }).catch((error: unknown) => {
          failed = true;
          throw error;
        });
        if (result.done) {
          completed.push(objectType);
          modes.push(`${objectType}:${result.mode}`);
          return;
        }
      }
    };
    if (patched(PARALLEL_WALKS)) {
      // Companies and contacts are independent walks: side by side they share the connection's
      // rate limit (one pacer per connection) instead of waiting for each other.
      // A failure waits for the other walk's call in flight, so its page's counts reach the run first.
      const outcomes = await Promise.allSettled(OBJECT_TYPES.map(walk));
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) throw failure.reason;
    } else {
      for (const objectType of OBJECT_TYPES) {
        await walk(objectType);
        if (handOver) break;
      }
    }
    // Each walk stopped after its own call in flight ended: nothing is left running.
    if (handOver) return await continueAsNew<typeof syncConnectionWorkflow>({ ...input, syncRunId, completed, modes });
    const vipsChanged = await deriveVips({ syncRunId, connectionId: input.connectionId });
    const summary = await finishSyncRun({ syncRunId, mode: modeText(modes) });
    return { ...summary, vipsChanged };
  } catch (error) {
    if (error instanceof ContinueAsNew && patched(HAND_OVER_UNFINISHED)) throw error;
    const message = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    await finishSyncRun({ syncRunId, mode: modeText(modes), error: message });
    throw error;
  }
}
