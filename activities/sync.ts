// Sync activities. `syncObjects` walks one object type of one connection page by page: it reads
// where the walk stands from Postgres, fetches the next page (the one after is fetched while this
// one is written), writes the page together with the new position, heartbeats, and returns after a
// time budget so the workflow stays in charge. A killed worker resumes exactly where it stopped.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import type { ConnectionConfig } from '../worker/config.js';
import type { SyncCounts, SyncSummary } from '../workflows/contract.js';
import { registerConnections } from './connections.js';
import { CrmConfigurationError } from './crm/errors.js';
import { createCrmClient } from './crm/registry.js';
import type { CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmObjectType, CrmWalkPage } from './crm/types.js';
import type { Db } from './db.js';
import {
  companyRow, contactRow, isRejection, rejectDuplicateEmails, type CompanyRow, type ContactRow, type Rejection,
} from './records.js';
import {
  emailHolders, markDeleted, markVanished, quarantine, recordSeen, releaseFromQuarantine, upsertCompanies, upsertContacts,
} from './sync-store.js';

export interface SyncTuning {
  /** Re-read this much before the watermark, for late or clock-skewed writes. */
  overlapMs: number;
  /** A full walk (which also finds records that vanished) at least this often. */
  reconcileEveryMs: number;
  /** How long one syncObjects call works before handing back to the workflow. */
  activityBudgetMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = {
  overlapMs: 5 * 60_000,
  reconcileEveryMs: 7 * 24 * 3600_000,
  activityBudgetMs: 60_000,
};

export interface SyncActivityDeps {
  db: Db;
  connections: ConnectionConfig[];
  /** Builds the CRM client of a connection; tests may hand in their own. */
  crmClientFor?: (config: ConnectionConfig) => CrmClient;
  tuning?: Partial<SyncTuning>;
}

export interface SyncObjectsInput {
  connectionId: string;
  objectType: CrmObjectType;
  syncRunId: string;
}

export interface SyncObjectsResult {
  /** The walk is complete. */
  done: boolean;
  mode: 'full' | 'incremental';
  counts: Partial<SyncCounts>;
}

function statsDelta(before: CrmCallStats, after: CrmCallStats) {
  return {
    apiCalls: after.apiCalls - before.apiCalls,
    tokenRequests: after.tokenRequests - before.tokenRequests,
    http429: after.http429 - before.http429,
    retries: after.retries - before.retries,
  };
}

interface PreparedPage {
  companies: CompanyRow[];
  contacts: ContactRow[];
  rejected: Rejection[];
}

function prepare(objectType: CrmObjectType, page: CrmWalkPage): PreparedPage {
  if (objectType === 'companies') {
    const results = (page.records as CrmCompanyRecord[]).map(companyRow);
    return { companies: results.filter((r): r is CompanyRow => !isRejection(r)), contacts: [], rejected: results.filter(isRejection) };
  }
  const results = (page.records as CrmContactRecord[]).map(contactRow);
  return { companies: [], contacts: results.filter((r): r is ContactRow => !isRejection(r)), rejected: results.filter(isRejection) };
}

export function createSyncActivities(deps: SyncActivityDeps) {
  const { db } = deps;
  const tuning = { ...DEFAULT_SYNC_TUNING, ...deps.tuning };
  const configs = new Map(deps.connections.map((c) => [c.id, c]));
  const clients = new Map<string, CrmClient>();
  // Call counts already written to a sync run, per connection. Calls of an attempt that failed
  // before committing are counted with the next page that commits, so no call goes uncounted.
  const committedStats = new Map<string, CrmCallStats>();
  const buildClient = deps.crmClientFor ?? createCrmClient;

  function configFor(connectionId: string): ConnectionConfig {
    const config = configs.get(connectionId);
    if (!config) {
      throw ApplicationFailure.nonRetryable(
        `connection "${connectionId}" is not configured on this worker; configured: ${[...configs.keys()].join(', ') || 'none'}`,
        'UnknownConnection',
      );
    }
    return config;
  }

  function clientFor(connectionId: string): CrmClient {
    let client = clients.get(connectionId);
    if (!client) {
      client = buildClient(configFor(connectionId));
      clients.set(connectionId, client);
    }
    return client;
  }

  async function fetchPage(client: CrmClient, objectType: CrmObjectType, position: string): Promise<CrmWalkPage> {
    try {
      return await client.fetchPage(objectType, position);
    } catch (error) {
      if (error instanceof CrmConfigurationError) throw ApplicationFailure.nonRetryable(error.message, error.name);
      throw error;
    }
  }

  /** Where the walk stands, starting one (full or incremental) when none is in progress. */
  async function currentWalk(input: SyncObjectsInput, client: CrmClient) {
    const key = { connectionId: input.connectionId, objectType: input.objectType };
    const state = await db.syncState.findUnique({ where: { connectionId_objectType: key } });
    if (state?.cursor && state.walkMode && state.walkSyncRunId !== null) {
      return { position: state.cursor, mode: state.walkMode as 'full' | 'incremental', walkId: state.walkSyncRunId, startedAt: state.walkStartedAt! };
    }
    const now = new Date();
    const full = !state?.fullSyncedAt || !state.watermark || state.fullRequestedAt !== null
      || now.getTime() - state.fullSyncedAt.getTime() > tuning.reconcileEveryMs;
    const since = full ? null : new Date(state!.watermark!.getTime() - tuning.overlapMs);
    const walk = {
      cursor: client.startWalk(input.objectType, since),
      walkMode: full ? 'full' : 'incremental',
      walkStartedAt: now,
      walkHighWater: null,
      walkSyncRunId: BigInt(input.syncRunId),
    };
    await db.syncState.upsert({ where: { connectionId_objectType: key }, create: { ...key, ...walk }, update: walk });
    return { position: walk.cursor, mode: walk.walkMode as 'full' | 'incremental', walkId: walk.walkSyncRunId, startedAt: now };
  }

  return {
    /** Records the connection in crm_connections and opens a sync run; returns the run's id. */
    async startSyncRun(input: { connectionId: string; workflowId: string; runId: string; mode: string }): Promise<string> {
      await registerConnections(db, [configFor(input.connectionId)]);
      const run = await db.syncRun.upsert({
        where: { workflowId_runId: { workflowId: input.workflowId, runId: input.runId } },
        create: { connectionId: input.connectionId, workflowId: input.workflowId, runId: input.runId, mode: input.mode },
        update: {},
      });
      return run.id.toString();
    },

    async syncObjects(input: SyncObjectsInput): Promise<SyncObjectsResult> {
      const { connectionId, objectType } = input;
      const syncRunId = BigInt(input.syncRunId);
      const client = clientFor(connectionId);
      const deadline = Date.now() + tuning.activityBudgetMs;
      const walk = await currentWalk(input, client);
      const totals: Partial<SyncCounts> = { fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0 };
      const before = committedStats.get(connectionId) ?? { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
      committedStats.set(connectionId, before);
      let position: string | null = walk.position;
      let pending: Promise<CrmWalkPage> | null = fetchPage(client, objectType, position);
      // A prefetch that fails while the page before it is written must not go unhandled.
      pending.catch(() => {});

      while (pending) {
        const page: CrmWalkPage = await pending;
        const next = page.next;
        const prefetch = next !== null && Date.now() < deadline && !Context.current().cancellationSignal.aborted;
        pending = prefetch ? fetchPage(client, objectType, next) : null;
        pending?.catch(() => {});

        const prepared = prepare(objectType, page);
        // Calls are attributed to the page committed next, the prefetch's included; none is lost.
        const snapshot = client.stats();
        const callCounts = statsDelta(before, snapshot);
        const counts = await db.$transaction(async (tx) => {
          let rejected = prepared.rejected;
          let contacts = prepared.contacts;
          if (objectType === 'contacts') {
            const holders = await emailHolders(tx, connectionId, contacts.map((c) => c.emailNormalized), contacts.map((c) => c.crmId));
            const deduped = rejectDuplicateEmails(contacts, holders);
            contacts = deduped.rows;
            rejected = [...rejected, ...deduped.rejected];
          }
          const written = objectType === 'companies'
            ? await upsertCompanies(tx, connectionId, prepared.companies)
            : await upsertContacts(tx, connectionId, contacts);
          const good = objectType === 'companies' ? prepared.companies.map((c) => c.crmId) : contacts.map((c) => c.crmId);
          await releaseFromQuarantine(tx, connectionId, objectType, good);
          await quarantine(tx, connectionId, objectType, syncRunId, rejected);
          let deleted = await markDeleted(tx, connectionId, objectType, page.deletions);
          if (walk.mode === 'full') await recordSeen(tx, walk.walkId, objectType, page.records.map((r) => r.crmId));

          const key = { connectionId_objectType: { connectionId, objectType } };
          const state = await tx.syncState.findUniqueOrThrow({ where: key });
          const highWater = [state.walkHighWater, page.highWater].reduce<Date | null>(
            (max, d) => (d && (!max || d > max) ? d : max), null);
          if (next === null) {
            if (walk.mode === 'full') deleted += await markVanished(tx, connectionId, objectType, walk.walkId);
            // A full walk saw everything as of its start; an incremental one up to what it read.
            const watermark = walk.mode === 'full'
              ? walk.startedAt
              : [state.watermark, highWater].reduce<Date | null>((max, d) => (d && (!max || d > max) ? d : max), null);
            await tx.syncState.update({
              where: key,
              data: {
                cursor: null, walkMode: null, walkStartedAt: null, walkHighWater: null, walkSyncRunId: null, watermark,
                ...(walk.mode === 'full' ? { fullSyncedAt: new Date(), fullRequestedAt: null } : {}),
              },
            });
          } else {
            await tx.syncState.update({ where: key, data: { cursor: next, walkHighWater: highWater } });
          }
          const created = written.filter((w) => w.inserted).length;
          const pageCounts = {
            fetched: page.records.length,
            created,
            updated: written.length - created,
            unchanged: page.records.length - rejected.length - written.length,
            deleted,
            quarantined: rejected.length,
          };
          await tx.syncRun.update({
            where: { id: syncRunId },
            data: Object.fromEntries(
              Object.entries({ ...pageCounts, ...callCounts }).map(([k, v]) => [k, { increment: v }]),
            ),
          });
          return pageCounts;
        }, { timeout: 60_000 });
        Object.assign(before, snapshot);
        for (const [k, v] of Object.entries(counts)) totals[k as keyof SyncCounts]! += v;
        position = next;
        heartbeat({ objectType, pagesDone: true, fetched: totals.fetched });
      }
      return { done: position === null, mode: walk.mode, counts: totals };
    },

    async finishSyncRun(input: { syncRunId: string; mode?: string; error?: string }): Promise<SyncSummary> {
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(input.syncRunId) } });
      const finishedAt = new Date();
      const done = await db.syncRun.update({
        where: { id: run.id },
        data: {
          status: input.error ? 'failed' : 'succeeded',
          error: input.error ?? null,
          ...(input.mode ? { mode: input.mode } : {}),
          finishedAt,
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
        },
      });
      return {
        connectionId: done.connectionId,
        syncRunId: done.id.toString(),
        mode: done.mode,
        fetched: done.fetched,
        created: done.created,
        updated: done.updated,
        unchanged: done.unchanged,
        deleted: done.deleted,
        quarantined: done.quarantined,
        apiCalls: done.apiCalls,
        tokenRequests: done.tokenRequests,
        http429: done.http429,
        retries: done.retries,
        durationMs: done.durationMs ?? 0,
        vipsChanged: 0,
      };
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
