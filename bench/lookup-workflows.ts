// Workflows for bench/lookup.ts: call one activity many times in a row, so the client-side time per
// call compares the lookup with a no-op on the same worker and task queue.
import { proxyActivities } from '@temporalio/workflow';
import type { LookupActivities } from '../activities/lookup.js';

type BenchActivities = LookupActivities & { noop(email: string): Promise<null> };

const { lookupVip, noop } = proxyActivities<BenchActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export async function activityLoopWorkflow(kind: 'lookup' | 'noop', emails: string[]): Promise<number> {
  for (const email of emails) {
    if (kind === 'lookup') await lookupVip(email);
    else await noop(email);
  }
  return emails.length;
}
