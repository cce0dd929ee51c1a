// The worker's workflows plus one that plays an agent's workflow calling the lookup, so tests go
// through the same path as other teams' code.
import { vipLookup } from '../../workflows/vip-lookup.js';

export * from '../../workflows/index.js';

export async function lookupProbeWorkflow(email: string, lookupTaskQueue: string) {
  return vipLookup({ taskQueue: lookupTaskQueue })(email);
}
