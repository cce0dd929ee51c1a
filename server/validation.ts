// On-demand validation of one person against every connected CRM (the validateEmailWorkflow, as
// `vipsync validate` runs it), for the HTTP API and the console: the same workflow id, so
// concurrent callers share one run, audited as `validate`.
import type { Client } from '@temporalio/client';
import { writeAudit, type Actor } from '../db/audit-log.js';
import type { Db } from '../db/client.js';
import { VALIDATE_WORKFLOW_TYPE, validateWorkflowId, type EmailValidationResult } from '../workflows/contract.js';

export const VALIDATE_WAIT_MS = 60_000;

/** The result, or 'timeout' with the workflow id when no worker finished it within VALIDATE_WAIT_MS. */
export async function validateNow(
  db: Db, temporal: { client: Client; syncTaskQueue: string }, address: string, actor: Actor,
): Promise<{ result: EmailValidationResult } | { timeout: string }> {
  const handle = await temporal.client.workflow.start(VALIDATE_WORKFLOW_TYPE, {
    taskQueue: temporal.syncTaskQueue,
    workflowId: validateWorkflowId(address),
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowExecutionTimeout: '1 minute',
    args: [address],
  });
  await writeAudit(db, { actor: { ...actor, workflowId: handle.workflowId }, action: 'validate', subject: address });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), VALIDATE_WAIT_MS);
  });
  try {
    const result = await Promise.race([handle.result() as Promise<EmailValidationResult>, timeout]);
    return result === 'timeout' ? { timeout: handle.workflowId } : { result };
  } finally {
    clearTimeout(timer);
  }
}
