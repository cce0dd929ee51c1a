// One connection's sync: companies then contacts, page by page (each activity returns the next
// cursor and the workflow loops), then the VIP list is re-derived. Orchestration only.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SyncActivities } from '../activities/sync.js';
import type { VipActivities } from '../activities/vip/activities.js';
import { addCounts, emptyCounts, type SyncConnectionInput, type SyncSummary } from './contract.js';

const { startSyncRun, resumeCursor, finishSyncRun } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { syncPage } = proxyActivities<SyncActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: ['UnknownConnection'] },
});

const { deriveVips } = proxyActivities<VipActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

export async function syncConnectionWorkflow(input: SyncConnectionInput): Promise<SyncSummary> {
  const info = workflowInfo();
  const syncRunId = await startSyncRun({
    connectionId: input.connectionId,
    workflowId: info.workflowId,
    runId: info.runId,
    mode: `full:${input.trigger}`,
  });
  let counts = emptyCounts();
  try {
    for (const objectType of ['companies', 'contacts'] as const) {
      let cursor = await resumeCursor({ connectionId: input.connectionId, objectType });
      do {
        const page = await syncPage({ connectionId: input.connectionId, objectType, syncRunId, cursor });
        counts = addCounts(counts, page.counts);
        cursor = page.nextCursor;
      } while (cursor !== null);
    }
    const vipsChanged = await deriveVips({ syncRunId, connectionId: input.connectionId });
    const summary = await finishSyncRun({ syncRunId });
    return { ...summary, vipsChanged };
  } catch (error) {
    const message = error instanceof ApplicationFailure || error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error);
    await finishSyncRun({ syncRunId, error: message });
    throw error;
  }
}
