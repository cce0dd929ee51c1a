// The push path's entry point for every CRM: a receiver (HubSpot's webhook route, Salesforce's
// Change Data Capture subscriber) hands the changes it got to the connection's push workflow.
// Signal-with-start: the first change starts the workflow, later ones join the running one.
import type { Client } from '@temporalio/client';
import { PUSH_CHANGES_SIGNAL, PUSH_WORKFLOW_TYPE, pushWorkflowId, type PushChange, type PushWorkflowInput } from '../workflows/contract.js';

export type { PushChange };

/** A change as a receiver hands it over: `changedAt` may be a Date, ISO 8601 text or epoch ms. */
export type PushChangeInput = Omit<PushChange, 'changedAt'> & { changedAt: Date | string | number };

const OBJECT_TYPES = new Set<PushChange['objectType']>(['contact', 'company']);
const KINDS = new Set<PushChange['kind']>(['change', 'delete', 'merge', 'restore', 'association']);
/** Changes a signal carries at most (HubSpot sends up to 100 events a request). */
export const MAX_CHANGES_PER_SIGNAL = 500;

/** The change checked and in the workflow's shape; throws naming the field at fault. */
export function toPushChange(change: PushChangeInput, index = 0): PushChange {
  if (!OBJECT_TYPES.has(change.objectType)) throw new Error(`changes[${index}].objectType: "${String(change.objectType)}" is not contact or company`);
  if (!KINDS.has(change.kind)) throw new Error(`changes[${index}].kind: "${String(change.kind)}" is not one of ${[...KINDS].join(', ')}`);
  if (typeof change.crmId !== 'string' || change.crmId === '') throw new Error(`changes[${index}].crmId: a CRM record id is required`);
  const at = change.changedAt instanceof Date ? change.changedAt : new Date(change.changedAt);
  if (Number.isNaN(at.getTime())) throw new Error(`changes[${index}].changedAt: "${String(change.changedAt)}" is not a time`);
  return { objectType: change.objectType, crmId: change.crmId, kind: change.kind, changedAt: at.toISOString() };
}

/**
 * Hands `changes` of connection `connectionId` to its push workflow (`vipsync-push-<id>` on
 * `taskQueue`, the sync task queue the worker polls), starting it if none runs. Resolves once
 * Temporal has the signal durably: a receiver acknowledges its CRM only after this. A batch larger
 * than MAX_CHANGES_PER_SIGNAL goes as several signals.
 */
export async function pushChanges(
  client: Client, connectionId: string, changes: PushChangeInput[], opts: { taskQueue: string },
): Promise<void> {
  const checked = changes.map(toPushChange);
  for (let i = 0; i < checked.length; i += MAX_CHANGES_PER_SIGNAL) {
    const input: PushWorkflowInput = { connectionId };
    await client.workflow.signalWithStart(PUSH_WORKFLOW_TYPE, {
      workflowId: pushWorkflowId(connectionId),
      taskQueue: opts.taskQueue,
      args: [input],
      signal: PUSH_CHANGES_SIGNAL,
      signalArgs: [checked.slice(i, i + MAX_CHANGES_PER_SIGNAL)],
    });
  }
}
