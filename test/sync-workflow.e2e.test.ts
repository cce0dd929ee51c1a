// syncConnectionWorkflow's orchestration alone: the real workflow on the real Temporal dev server,
// with fake activities that say what a walk did, so the rules of the workflow itself are checked:
// continue-as-new carrying the run, both walks side by side, one failing walk failing the run.
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { CrmObjectType } from '../crm/types.js';
import type { SyncObjectsInput, SyncObjectsResult } from '../activities/sync.js';
import type { SyncConnectionInput, SyncSummary } from '../workflows/contract.js';

interface FakeRun {
  calls: { objectType: CrmObjectType; syncRunId: string }[];
  finished: { syncRunId: string; mode?: string; error?: string }[];
  derived: number;
}

/** Activities that pretend: each walk takes `callsToFinish` calls; `fail` makes one walk's calls fail. */
function fakeActivities(run: FakeRun, opts: { callsToFinish: Record<CrmObjectType, number>; fail?: CrmObjectType }) {
  const done: Record<CrmObjectType, number> = { companies: 0, contacts: 0 };
  return {
    async startSyncRun(): Promise<string> {
      return '42';
    },
    async syncObjects(input: SyncObjectsInput): Promise<SyncObjectsResult> {
      run.calls.push({ objectType: input.objectType, syncRunId: input.syncRunId });
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (input.objectType === opts.fail) throw ApplicationFailure.nonRetryable(`the ${input.objectType} walk failed`, 'CrmConfigurationError');
      done[input.objectType] += 1;
      const finished = done[input.objectType] >= opts.callsToFinish[input.objectType];
      return { done: finished, mode: input.objectType === 'companies' ? 'incremental' : 'full', counts: {} };
    },
    async deriveVips(): Promise<number> {
      run.derived += 1;
      return 3;
    },
    async finishSyncRun(input: { syncRunId: string; mode?: string; error?: string }): Promise<SyncSummary> {
      run.finished.push(input);
      return {
        connectionId: 'fake', syncRunId: input.syncRunId, mode: input.mode ?? '', status: 'succeeded', fetched: 0, created: 0, updated: 0,
        unchanged: 0, deleted: 0, quarantined: 0, apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0, vanishedHeld: 0, durationMs: 0, vipsChanged: 0,
      };
    },
  };
}

describe('syncConnectionWorkflow with fake activities', () => {
  let bundle: WorkflowBundleWithSourceMap;
  let nativeConnection: NativeConnection;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    bundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)), logger: new DefaultLogger('WARN'),
    });
    nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await connection?.close();
    await nativeConnection?.close();
  });

  async function runWith(activities: ReturnType<typeof fakeActivities>, input: SyncConnectionInput) {
    const taskQueue = `fake-sync-${Math.random().toString(36).slice(2)}`;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowBundle: bundle, activities });
    return worker.runUntil(async () => {
      const handle = await client.workflow.start('syncConnectionWorkflow', { taskQueue, workflowId: taskQueue, args: [input] });
      const outcome = await handle.result().then((value: SyncSummary) => ({ value }), (error: unknown) => ({ error }));
      const runs: string[] = [];
      // The chain of runs: each continued-as-new run names the next in its last event.
      for (let runId: string | undefined = handle.firstExecutionRunId; runId;) {
        runs.push(runId);
        const { events } = await client.workflow.getHandle(taskQueue, runId).fetchHistory();
        runId = events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      return { ...outcome, runs };
    });
  }

  it('continues as new every callsPerRun calls, carrying the run and what is done, and derives once at the end', async () => {
    const run: FakeRun = { calls: [], finished: [], derived: 0 };
    const result = await runWith(fakeActivities(run, { callsToFinish: { companies: 2, contacts: 7 } }), { connectionId: 'fake', trigger: 'manual', callsPerRun: 3 });
    expect(result).toHaveProperty('value');
    // 9 calls at most 3 a run: at least 3 runs, and the companies walk is not called again once done.
    expect(result.runs.length).toBeGreaterThanOrEqual(3);
    expect(run.calls.filter((c) => c.objectType === 'companies')).toHaveLength(2);
    expect(run.calls.filter((c) => c.objectType === 'contacts')).toHaveLength(7);
    // Every call of every run belongs to the one sync run started first.
    expect(new Set(run.calls.map((c) => c.syncRunId))).toEqual(new Set(['42']));
    expect(run.derived).toBe(1);
    expect(run.finished).toEqual([{ syncRunId: '42', mode: 'companies:incremental contacts:full' }]);
    expect((result as { value: SyncSummary }).value.vipsChanged).toBe(3);
  });

  it('one walk failing fails the run: the run is finished with its error, nothing is derived', async () => {
    const run: FakeRun = { calls: [], finished: [], derived: 0 };
    const result = await runWith(fakeActivities(run, { callsToFinish: { companies: 3, contacts: 3 }, fail: 'contacts' }), { connectionId: 'fake', trigger: 'manual' });
    expect(result).toHaveProperty('error');
    expect((result as { error: unknown }).error).toBeInstanceOf(WorkflowFailedError);
    expect(run.derived).toBe(0);
    expect(run.finished).toHaveLength(1);
    expect(run.finished[0]!.error).toContain('the contacts walk failed');
    // The other walk stopped after its call in flight: it was not walked to the end.
    expect(run.calls.filter((c) => c.objectType === 'companies').length).toBeLessThanOrEqual(2);
  });
});
