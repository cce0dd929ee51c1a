// For agents' workflows (any team's): call vipsync's lookupVip activity on vipsync's task queue.
//
//   import { vipLookup } from 'vipsync/workflows/vip-lookup';
//   const lookupVip = vipLookup();
//   const answer = await lookupVip('sender@example.com');
//
// An invalid email fails at once with a non-retryable ApplicationFailure of type "InvalidEmail".
import { proxyActivities } from '@temporalio/workflow';
import type { LookupActivities } from '../activities/lookup.js';

export const VIP_LOOKUP_TASK_QUEUE = 'vipsync-lookup';

export function vipLookup(opts: { taskQueue?: string; timeout?: string } = {}): LookupActivities['lookupVip'] {
  return proxyActivities<LookupActivities>({
    taskQueue: opts.taskQueue ?? VIP_LOOKUP_TASK_QUEUE,
    startToCloseTimeout: (opts.timeout ?? '10 seconds') as '10 seconds',
    retry: { maximumAttempts: 5, initialInterval: '200 milliseconds', nonRetryableErrorTypes: ['InvalidEmail'] },
  }).lookupVip;
}
