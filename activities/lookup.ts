// The lookupVip activity: the lookup service (lookup/service.ts) for agents' workflows, on the
// lookup task queue. An invalid email is the caller's mistake, so it fails at once, non-retryable.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Actor } from '../db/audit-log.js';
import { InvalidEmailError, type LookupService } from '../lookup/service.js';
import type { VipLookupResult } from '../workflows/contract.js';

/** The caller of an activity, for the audit log: its workflow type and execution. */
function activityCaller(): Actor {
  const info = Context.current().info;
  return {
    name: info.workflowType ? `workflow:${info.workflowType}` : `activity:${info.activityType}`,
    surface: 'activity',
    workflowId: info.workflowExecution?.workflowId ?? null,
    runId: info.workflowExecution?.runId ?? null,
  };
}

export function createLookupActivities(deps: { lookup: LookupService }) {
  return {
    async lookupVip(email: string): Promise<VipLookupResult> {
      try {
        return await deps.lookup.lookup(email, activityCaller());
      } catch (error) {
        if (error instanceof InvalidEmailError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmail');
        throw error;
      }
    },
  };
}

export type LookupActivities = ReturnType<typeof createLookupActivities>;
