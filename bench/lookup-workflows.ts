// Workflows for bench/lookup.ts: call one activity many times in a row, so the client-side time per
// call compares the lookup with a no-op on the same worker and task queue.
import { proxyActivities } from '@temporalio/workflow';
import type { LookupActivities } from '../activities/lookup.js';
import type { LookupQuery } from '../lookup/query.js';

type BenchActivities = LookupActivities & { noop(query: LookupQuery): Promise<null> };

const { lookupVipBy, noop } = proxyActivities<BenchActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

export async function activityLoopWorkflow(kind: 'lookup' | 'noop', queries: LookupQuery[]): Promise<number> {
  for (const query of queries) {
    if (kind === 'lookup') await lookupVipBy(query);
    else await noop(query);
  }
  return queries.length;
}
