// The worker's workflows plus one that plays an agent's workflow calling the lookup, so tests go
// through the same path as other teams' code.
import { vipLookup, vipLookupBy, vipLookupByPhone } from '../../workflows/vip-lookup.js';

export * from '../../workflows/index.js';

export async function lookupProbeWorkflow(email: string, lookupTaskQueue: string) {
  return vipLookup({ taskQueue: lookupTaskQueue })(email);
}

/** An agent's workflow looking a sender up by `{email}` or `{phone}` (or a bare phone with byPhone). */
export async function lookupByProbeWorkflow(query: { email: string } | { phone: string } | string, lookupTaskQueue: string) {
  if (typeof query === 'string') return vipLookupByPhone({ taskQueue: lookupTaskQueue })(query);
  return vipLookupBy({ taskQueue: lookupTaskQueue })(query);
}
