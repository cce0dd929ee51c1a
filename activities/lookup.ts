// The lookupVip activities: the lookup service (lookup/service.ts) for agents' workflows, on the
// lookup task queue. An invalid email or phone is the caller's mistake, so it fails at once,
// non-retryable, saying what is wrong.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Actor } from '../db/audit-log.js';
import { InvalidEmailError, type LookupService } from '../lookup/service.js';
import { InvalidLookupQueryError, InvalidPhoneError, lookupQueryFrom, type LookupQuery } from '../lookup/query.js';
import type { EmailLookupResult, VipLookupResult } from '../workflows/contract.js';

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

/** The caller's mistakes as non-retryable failures of their own types (InvalidEmail, InvalidPhone, InvalidLookupQuery). */
async function failingFast<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof InvalidEmailError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmail');
    if (error instanceof InvalidPhoneError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidPhone');
    if (error instanceof InvalidLookupQueryError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidLookupQuery');
    throw error;
  }
}

export function createLookupActivities(deps: { lookup: LookupService }) {
  return {
    /** By email: the original contract, unchanged for its callers. */
    async lookupVip(email: string): Promise<EmailLookupResult> {
      return failingFast(() => deps.lookup.lookup(email, activityCaller()));
    },
    /** By phone: one person's answer, nobody's, or `ambiguous: true` with the candidates. */
    async lookupVipByPhone(phone: string): Promise<VipLookupResult> {
      return failingFast(() => deps.lookup.lookupByPhone(phone, activityCaller()));
    },
    /** By `{email}` or `{phone}`, exactly one. */
    async lookupVipBy(query: LookupQuery): Promise<VipLookupResult> {
      return failingFast(() => deps.lookup.lookupBy(lookupQueryFrom(query), activityCaller()));
    },
  };
}

export type LookupActivities = ReturnType<typeof createLookupActivities>;
