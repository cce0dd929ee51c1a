// One connection's sync: companies then contacts, each walked by repeated syncObjects calls (the
// activity resumes from the position committed in Postgres and returns after a time budget), then
// the VIP list is re-derived. Orchestration only. Long walks continue as new before the history
// grows large, carrying the run they belong to.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync.js';
import type { VipActivities } from '../activities/vip/activities.js';
import type { SyncConnectionInput, SyncSummary } from './contract.js';

const { startSyncRun, finishSyncRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { syncObjects } = proxyActivities<SyncActivities>({
  // The activity hands back after about a minute; a slow CRM page may add to that.
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
const CALLS_PER_RUN = 200;

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
  let calls = 0;
  try {
    for (const objectType of ['companies', 'contacts'] as const) {
      if (completed.includes(objectType)) continue;
      for (;;) {
        if (calls >= CALLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
          return await continueAsNew<typeof syncConnectionWorkflow>({ ...input, syncRunId, completed, modes });
        }
        calls += 1;
        const result = await syncObjects({ connectionId: input.connectionId, objectType, syncRunId });
        if (result.done) {
          completed.push(objectType);
          modes.push(`${objectType}:${result.mode}`);
          break;
        }
      }
    }
    const vipsChanged = await deriveVips({ syncRunId, connectionId: input.connectionId });
    const summary = await finishSyncRun({ syncRunId, mode: modes.join(' ') });
    return { ...summary, vipsChanged };
  } catch (error) {
    const message = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    await finishSyncRun({ syncRunId, mode: modes.join(' '), error: message });
    throw error;
  }
}
