// One connection's push path: CRM change events arrive as signals (pushChanges, sync/push.ts),
// are gathered by record (ten events about one contact are one re-read), and applied in batches
// by an activity that re-reads the records by id and re-derives those people. The workflow holds
// only the records not applied yet; the events themselves are de-duplicated in Postgres by the
// receiver. It continues as new before its history grows large, carrying what is pending, and
// ends after a quiet spell (the next change starts it again).
import { allHandlersFinished, condition, log, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PushActivities } from '../activities/push.js';
import { PUSH_CHANGES_SIGNAL, type PushChange, type PushWorkflowInput } from './contract.js';

export const pushChangesSignal = defineSignal<[PushChange[]]>(PUSH_CHANGES_SIGNAL);

const { applyPushedChanges } = proxyActivities<PushActivities>({
  // A derivation may wait for another one (a sync's) to end; the activity heartbeats meanwhile, so
  // a worker killed mid-batch is noticed within the heartbeat timeout and the batch runs again.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: ['UnknownConnection', 'CrmConfigurationError', 'NoPushPath'] },
});

/** Records re-read a call: five batch reads of 100 at most per object type. */
export const APPLY_BATCH = 500;
/** With nothing pending this long, the workflow ends; the next change starts a new one. */
const QUIET_BEFORE_ENDING = '10 minutes';
/** Activity calls and signals a run takes before continuing as new (each adds a few events). */
const APPLIES_PER_RUN = 500;
const SIGNALS_PER_RUN = 2_000;
/**
 * Changes carried into the next run at most: its input is one payload (2 MB at most). During a
 * storm the run applies what it holds first, and continues as new once it holds less.
 */
const MAX_CARRIED = 5_000;

const keyOf = (c: PushChange) => `${c.objectType}:${c.crmId}`;

export async function pushChangesWorkflow(input: PushWorkflowInput): Promise<void> {
  // Insertion order is arrival order, so records are applied first come, first served.
  const pending = new Map<string, PushChange>();
  const add = (change: PushChange) => {
    const key = keyOf(change);
    const held = pending.get(key);
    // One re-read serves every event about a record; the latest event names the kind, except
    // that a deletion is remembered (a record gone from the CRM is marked only when an event said so).
    if (!held) pending.set(key, change);
    else {
      const latest = change.changedAt >= held.changedAt ? change : held;
      pending.set(key, { ...latest, kind: held.kind === 'delete' || change.kind === 'delete' ? 'delete' : latest.kind });
    }
  };
  for (const change of input.pending ?? []) add(change);
  const limits = input.runLimits ?? { signals: SIGNALS_PER_RUN, applies: APPLIES_PER_RUN };
  let signals = 0;
  setHandler(pushChangesSignal, (changes) => {
    signals += 1;
    for (const change of changes) add(change);
  });

  for (let applies = 0; ; applies++) {
    const handOver = applies >= limits.applies || signals >= limits.signals || workflowInfo().continueAsNewSuggested;
    if (handOver && pending.size <= MAX_CARRIED) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof pushChangesWorkflow>({ ...input, pending: [...pending.values()] });
    }
    if (!(await condition(() => pending.size > 0, QUIET_BEFORE_ENDING))) return;
    const batch: PushChange[] = [];
    for (const [key, change] of pending) {
      if (batch.length >= APPLY_BATCH) break;
      batch.push(change);
      pending.delete(key);
    }
    try {
      await applyPushedChanges({ connectionId: input.connectionId, changes: batch });
    } catch (error) {
      // Not applied (a non-retryable failure): the scheduled sync, the reconciliation, catches up.
      // The batch is dropped rather than retried for ever; the error is in the workflow's history.
      log.warn('pushed changes not applied; the scheduled sync will catch up', { connectionId: input.connectionId, changes: batch.length, error: String(error) });
    }
  }
}
