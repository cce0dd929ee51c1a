// One Temporal Schedule per connection runs its sync; overlapping runs are skipped, so a
// connection never has two syncs at once.
import { type Client, ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { SYNC_WORKFLOW_TYPE, syncScheduleId, syncWorkflowId, type SyncConnectionInput, type SyncSummary } from '../workflows/contract.js';
import type { ConnectionConfig } from '../crm/registry.js';

export async function ensureSyncSchedules(
  client: Client,
  connections: ConnectionConfig[],
  taskQueue: string,
): Promise<void> {
  for (const connection of connections) {
    const input: SyncConnectionInput = { connectionId: connection.id, trigger: 'schedule' };
    const spec = { intervals: [{ every: `${connection.intervalSeconds}s` }] };
    const action = {
      type: 'startWorkflow' as const,
      workflowType: SYNC_WORKFLOW_TYPE,
      workflowId: syncWorkflowId(connection.id),
      taskQueue,
      args: [input],
    };
    const scheduleId = syncScheduleId(connection.id);
    try {
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await client.schedule.create({
        scheduleId,
        spec,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      });
    }
  }
}

/** Runs a connection's sync now (or joins the one already running) and returns its workflow id. */
export async function triggerSync(client: Client, connectionId: string): Promise<string> {
  const handle = client.schedule.getHandle(syncScheduleId(connectionId));
  const before = await handle.describe().catch((error: unknown) => {
    if (error instanceof ScheduleNotFoundError) {
      throw new Error(`connection "${connectionId}" has no sync schedule: is it configured and has the worker started?`);
    }
    throw error;
  });
  const seen = new Set(before.info.recentActions.map((a) => a.action.workflow.workflowId));
  const running = before.info.runningActions[0];
  if (running) return running.workflow.workflowId;
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const info = (await handle.describe()).info;
    const started = info.runningActions[0] ?? info.recentActions.find((a) => !seen.has(a.action.workflow.workflowId))?.action;
    if (started) return started.workflow.workflowId;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the schedule of connection "${connectionId}" did not start a sync within 10 s: is the worker running?`);
}

export async function waitForSync(client: Client, workflowId: string): Promise<SyncSummary> {
  try {
    return await client.workflow.getHandle<(input: SyncConnectionInput) => Promise<SyncSummary>>(workflowId).result();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`sync workflow ${workflowId} not found`);
    throw error;
  }
}

/** Pauses or resumes a connection's schedule; a sync already running finishes either way. */
export async function setSyncPaused(client: Client, connectionId: string, paused: boolean, note: string): Promise<void> {
  const handle = client.schedule.getHandle(syncScheduleId(connectionId));
  try {
    if (paused) await handle.pause(note);
    else await handle.unpause(note);
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) {
      throw new Error(`connection "${connectionId}" has no sync schedule: is it configured and has the worker started?`);
    }
    throw error;
  }
}

/** Whether a connection's schedule is paused (null: it has no schedule). */
export async function isSyncPaused(client: Client, connectionId: string): Promise<boolean | null> {
  try {
    return (await client.schedule.getHandle(syncScheduleId(connectionId)).describe()).state.paused;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
}
