// For agents' workflows (any team's): call vipsync's lookup activities on vipsync's task queue.
//
//   import { vipLookup, vipLookupBy } from 'vipsync/workflows/vip-lookup';
//   const answer = await vipLookup()('sender@example.com');
//   const caller = await vipLookupBy()({ phone: '+14155552671' });   // or { email }
//   if (caller.ambiguous) { /* several people have this phone: caller.candidates */ }
//
// An invalid email or phone fails at once with a non-retryable ApplicationFailure of type
// "InvalidEmail" or "InvalidPhone" (and "InvalidLookupQuery" for neither or both given).
import { proxyActivities } from '@temporalio/workflow';
import type { LookupActivities } from '../activities/lookup.js';

export const VIP_LOOKUP_TASK_QUEUE = 'vipsync-lookup';

export const LOOKUP_NON_RETRYABLE_ERRORS = ['InvalidEmail', 'InvalidPhone', 'InvalidLookupQuery'];

interface VipLookupOptions {
  taskQueue?: string;
  timeout?: string;
}

function lookupActivities(opts: VipLookupOptions): LookupActivities {
  return proxyActivities<LookupActivities>({
    taskQueue: opts.taskQueue ?? VIP_LOOKUP_TASK_QUEUE,
    startToCloseTimeout: (opts.timeout ?? '10 seconds') as '10 seconds',
    retry: { maximumAttempts: 5, initialInterval: '200 milliseconds', nonRetryableErrorTypes: LOOKUP_NON_RETRYABLE_ERRORS },
  });
}

export function vipLookup(opts: VipLookupOptions = {}): LookupActivities['lookupVip'] {
  return lookupActivities(opts).lookupVip;
}

/** Lookup by `{email}` or `{phone}`. */
export function vipLookupBy(opts: VipLookupOptions = {}): LookupActivities['lookupVipBy'] {
  return lookupActivities(opts).lookupVipBy;
}

export function vipLookupByPhone(opts: VipLookupOptions = {}): LookupActivities['lookupVipByPhone'] {
  return lookupActivities(opts).lookupVipByPhone;
}
