// On-demand validation: one email checked live against every connected CRM (not the last sync),
// the person's record updated, the answer returned to the caller within seconds. Orchestration
// only: each CRM is asked by its own activity, in parallel, and one that cannot answer in time is
// reported rather than failing the whole validation.
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { VipActivities } from '../activities/vip.js';
import type { CrmCheck, EmailValidationResult } from './contract.js';

const { prepareValidation, recordValidation } = proxyActivities<VipActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '200 milliseconds', nonRetryableErrorTypes: ['InvalidEmail'] },
});

const { findEmailInCrm } = proxyActivities<VipActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '20 seconds',
  retry: { maximumAttempts: 3, initialInterval: '500 milliseconds', nonRetryableErrorTypes: ['UnknownConnection', 'CrmConfigurationError'] },
});

function failureMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
}

export async function validateEmailWorkflow(email: string): Promise<EmailValidationResult> {
  const prepared = await prepareValidation({ email });
  const checks = await Promise.all(prepared.connections.map(async ({ connectionId, system }): Promise<CrmCheck> => {
    try {
      return await findEmailInCrm({ connectionId, email: prepared.email });
    } catch (error) {
      return { connectionId, system, crmIds: [], error: failureMessage(error) };
    }
  }));
  return recordValidation({ email: prepared.email, checks });
}
