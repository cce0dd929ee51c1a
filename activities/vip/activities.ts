// Activities that maintain the VIP list (one row per person) from what the syncs brought in.
import type { Db } from '../db.js';
import { deriveVips } from './derive.js';

export interface VipActivityDeps {
  db: Db;
}

export function createVipActivities(deps: VipActivityDeps) {
  return {
    /** Re-derives the VIP list after a sync of `connectionId`; returns how many people changed. */
    async deriveVips(input: { syncRunId: string; connectionId: string }): Promise<number> {
      return deriveVips(deps.db, { syncRunId: input.syncRunId });
    },
  };
}

export type VipActivities = ReturnType<typeof createVipActivities>;
