// The push path's activity: re-reads the records a batch of CRM events named (by id, in the CRM's
// batches), writes them as a walk would (never rolling a record back), and re-derives the people
// they concern. Applying a batch twice writes nothing the second time, so a retry is harmless.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { CrmConnections } from '../crm/connections.js';
import type { CrmClient, CrmObjectType } from '../crm/types.js';
import { CrmConfigurationError } from '../crm/errors.js';
import type { Db } from '../db/client.js';
import { logger } from '../runtime/logger.js';
import { applyPushedRecords, PUSH_OBJECT_TYPES, type PushReads } from '../sync/push-apply.js';
import { deriveVips } from '../vip/derive.js';
import { resolveVipSettings, type VipSettings } from '../vip/settings.js';
import type { PushChange } from '../workflows/contract.js';

export interface PushActivityDeps {
  db: Db;
  crm: CrmConnections;
  settings?: VipSettings;
}

export interface PushApplySummary {
  changes: number;
  written: number;
  deleted: number;
  staleSkipped: number;
  people: number;
  vipsChanged: number;
}

function hasReadRecords(client: CrmClient): client is CrmClient & Required<Pick<CrmClient, 'readRecords'>> {
  return typeof client.readRecords === 'function';
}

export function createPushActivities(deps: PushActivityDeps) {
  const settings = deps.settings ?? resolveVipSettings();
  return {
    async applyPushedChanges(input: { connectionId: string; changes: PushChange[] }): Promise<PushApplySummary> {
      const { connectionId, changes } = input;
      const client = await deps.crm.client(connectionId);
      if (!hasReadRecords(client)) {
        throw ApplicationFailure.nonRetryable(`connection "${connectionId}": its CRM (${client.system}) cannot read records by id, so it has no push path`, 'NoPushPath');
      }
      const reads: PushReads = {};
      const beat = setInterval(() => heartbeat({ changes: changes.length }), 5_000);
      try {
        return await apply(connectionId, changes, client, reads);
      } finally {
        clearInterval(beat);
      }
    },
  };

  async function apply(connectionId: string, changes: PushChange[], client: CrmClient & Required<Pick<CrmClient, 'readRecords'>>, reads: PushReads): Promise<PushApplySummary> {
    const startedAt = Date.now();
    try {
      for (const objectType of ['companies', 'contacts'] as const satisfies CrmObjectType[]) {
        const ids = changes.filter((c) => PUSH_OBJECT_TYPES[c.objectType] === objectType).map((c) => c.crmId);
        if (ids.length === 0) continue;
        (reads as Record<string, unknown>)[objectType] = await client.readRecords(objectType, ids);
        heartbeat({ objectType, ids: ids.length });
      }
    } catch (error) {
      if (error instanceof CrmConfigurationError) throw ApplicationFailure.nonRetryable(error.message, error.name);
      throw error;
    }
    const readAt = Date.now();
    const applied = await applyPushedRecords(deps.db, connectionId, changes, reads);
    const writtenAt = Date.now();
    const derived = applied.emails.length === 0
      ? { changed: 0 }
      : await deriveVips(deps.db, settings, { emails: applied.emails, actor: `push:${connectionId}`, skipDistribution: true });
    const summary = {
      changes: changes.length, written: applied.written, deleted: applied.deleted, staleSkipped: applied.staleSkipped,
      people: applied.emails.length, vipsChanged: derived.changed,
    };
    const timing = { readMs: readAt - startedAt, writeMs: writtenAt - readAt, deriveMs: Date.now() - writtenAt };
    logger.debug({ connectionId, ...summary, ...timing }, 'pushed changes applied');
    return summary;
  }
}

export type PushActivities = ReturnType<typeof createPushActivities>;
