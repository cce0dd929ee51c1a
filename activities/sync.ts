// Sync activities: each reads one page from a CRM and writes it to Postgres in one transaction,
// together with the cursor, so a crash between pages loses nothing and repeats nothing.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { ConnectionConfig } from '../worker/config.js';
import type { SyncCounts, SyncSummary } from '../workflows/contract.js';
import { CrmConfigurationError } from './crm/errors.js';
import { registerConnections } from './connections.js';
import { createCrmClient } from './crm/registry.js';
import type { CrmCallStats, CrmClient, CrmObjectType } from './crm/types.js';
import type { Db } from './db.js';
import { companyRow, contactRow, isRejection, type ContactRow, type Rejection } from './records.js';

export interface SyncActivityDeps {
  db: Db;
  connections: ConnectionConfig[];
  /** Builds the CRM client of a connection; tests may hand in their own. */
  crmClientFor?: (config: ConnectionConfig) => CrmClient;
}

export interface SyncPageInput {
  connectionId: string;
  objectType: CrmObjectType;
  syncRunId: string;
  cursor: string | null;
}

export interface SyncPageResult {
  nextCursor: string | null;
  counts: Partial<SyncCounts>;
}

const UPSERT_COMPANIES = `
INSERT INTO crm_companies AS c (connection_id, crm_id, name, domain, properties, crm_modified_at, content_hash, last_seen_at)
SELECT $1, r.crm_id, r.name, r.domain, r.properties::jsonb, r.crm_modified_at::timestamptz, r.content_hash, now()
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
  AS r(crm_id, name, domain, properties, crm_modified_at, content_hash)
ON CONFLICT (connection_id, crm_id) DO UPDATE SET
  name = excluded.name, domain = excluded.domain, properties = excluded.properties,
  crm_modified_at = excluded.crm_modified_at, content_hash = excluded.content_hash,
  last_seen_at = now(), updated_at = now(), deleted_at = NULL, deletion_kind = NULL, merged_into_id = NULL
WHERE c.content_hash IS DISTINCT FROM excluded.content_hash OR c.deleted_at IS NOT NULL
RETURNING (xmax = 0) AS inserted`;

const UPSERT_CONTACTS = `
INSERT INTO crm_contacts AS c (connection_id, crm_id, email, email_normalized, first_name, last_name, title, phone,
  company_crm_id, owner_id, crm_vip_level, properties, crm_modified_at, content_hash, last_seen_at)
SELECT $1, r.crm_id, r.email, r.email_normalized, r.first_name, r.last_name, r.title, r.phone,
  r.company_crm_id, r.owner_id, r.crm_vip_level, r.properties::jsonb, r.crm_modified_at::timestamptz, r.content_hash, now()
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::text[], $11::int[], $12::text[], $13::text[], $14::text[])
  AS r(crm_id, email, email_normalized, first_name, last_name, title, phone, company_crm_id, owner_id,
       crm_vip_level, properties, crm_modified_at, content_hash)
ON CONFLICT (connection_id, crm_id) DO UPDATE SET
  email = excluded.email, email_normalized = excluded.email_normalized, first_name = excluded.first_name,
  last_name = excluded.last_name, title = excluded.title, phone = excluded.phone,
  company_crm_id = excluded.company_crm_id, owner_id = excluded.owner_id, crm_vip_level = excluded.crm_vip_level,
  properties = excluded.properties, crm_modified_at = excluded.crm_modified_at, content_hash = excluded.content_hash,
  last_seen_at = now(), updated_at = now(), deleted_at = NULL, deletion_kind = NULL, merged_into_id = NULL
WHERE c.content_hash IS DISTINCT FROM excluded.content_hash OR c.deleted_at IS NOT NULL
RETURNING (xmax = 0) AS inserted`;

function column<T, K extends keyof T>(rows: T[], key: K): T[K][] {
  return rows.map((row) => row[key]);
}

function writeCounts(fetched: number, written: { inserted: boolean }[]): Partial<SyncCounts> {
  const created = written.filter((w) => w.inserted).length;
  return { fetched, created, updated: written.length - created, unchanged: fetched - written.length };
}

function statsDelta(before: CrmCallStats, after: CrmCallStats): Partial<SyncCounts> {
  return { apiCalls: after.apiCalls - before.apiCalls, http429: after.http429 - before.http429, retries: after.retries - before.retries };
}

export function createSyncActivities(deps: SyncActivityDeps) {
  const { db } = deps;
  const configs = new Map(deps.connections.map((c) => [c.id, c]));
  const clients = new Map<string, CrmClient>();
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

  async function quarantine(tx: Pick<Db, '$executeRaw'>, connectionId: string, objectType: string, syncRunId: string, rejections: Rejection[]) {
    for (const r of rejections) {
      await tx.$executeRaw`
        INSERT INTO quarantined_records (connection_id, object_type, crm_id, reason, payload, sync_run_id)
        VALUES (${connectionId}, ${objectType}, ${r.crmId}, ${r.reason}, ${JSON.stringify(r.payload)}::jsonb, ${BigInt(syncRunId)})
        ON CONFLICT (connection_id, object_type, crm_id) DO UPDATE
          SET reason = excluded.reason, payload = excluded.payload, sync_run_id = excluded.sync_run_id, created_at = now()`;
    }
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

    /** Where an interrupted walk of this object type stopped (null: start from the beginning). */
    async resumeCursor(input: { connectionId: string; objectType: CrmObjectType }): Promise<string | null> {
      const state = await db.syncState.findUnique({
        where: { connectionId_objectType: { connectionId: input.connectionId, objectType: input.objectType } },
      });
      return state?.cursor ?? null;
    },

    async syncPage(input: SyncPageInput): Promise<SyncPageResult> {
      const client = clientFor(input.connectionId);
      const before = client.stats();
      let page;
      try {
        page = input.objectType === 'companies'
          ? await client.fetchCompanies(input.cursor)
          : await client.fetchContacts(input.cursor);
      } catch (error) {
        if (error instanceof CrmConfigurationError) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      }
      heartbeat({ cursor: input.cursor });
      const callCounts = statsDelta(before, client.stats());
      const state = {
        cursor: page.nextCursor,
        ...(page.nextCursor === null ? { fullSyncedAt: new Date() } : {}),
      };

      const counts = await db.$transaction(async (tx) => {
        let written: { inserted: boolean }[] = [];
        let rejections: Rejection[] = [];
        if (input.objectType === 'companies') {
          const rows = page.records.map((r) => companyRow(r as Parameters<typeof companyRow>[0]));
          if (rows.length) {
            written = await tx.$queryRawUnsafe<{ inserted: boolean }[]>(
              UPSERT_COMPANIES, input.connectionId, column(rows, 'crmId'), column(rows, 'name'), column(rows, 'domain'),
              column(rows, 'properties'), column(rows, 'crmModifiedAt'), column(rows, 'contentHash'),
            );
          }
        } else {
          const results = page.records.map((r) => contactRow(r as Parameters<typeof contactRow>[0]));
          rejections = results.filter(isRejection);
          const rows = results.filter((r): r is ContactRow => !isRejection(r));
          if (rows.length) {
            written = await tx.$queryRawUnsafe<{ inserted: boolean }[]>(
              UPSERT_CONTACTS, input.connectionId, column(rows, 'crmId'), column(rows, 'email'),
              column(rows, 'emailNormalized'), column(rows, 'firstName'), column(rows, 'lastName'), column(rows, 'title'),
              column(rows, 'phone'), column(rows, 'companyCrmId'), column(rows, 'ownerId'), column(rows, 'crmVipLevel'),
              column(rows, 'properties'), column(rows, 'crmModifiedAt'), column(rows, 'contentHash'),
            );
            // A record that was quarantined before and is good now leaves the quarantine.
            await tx.quarantinedRecord.deleteMany({
              where: { connectionId: input.connectionId, objectType: input.objectType, crmId: { in: column(rows, 'crmId') } },
            });
          }
          await quarantine(tx, input.connectionId, input.objectType, input.syncRunId, rejections);
        }
        await tx.syncState.upsert({
          where: { connectionId_objectType: { connectionId: input.connectionId, objectType: input.objectType } },
          create: { connectionId: input.connectionId, objectType: input.objectType, ...state },
          update: state,
        });
        const pageCounts = { ...writeCounts(page.records.length - rejections.length, written), quarantined: rejections.length };
        pageCounts.fetched = page.records.length;
        await tx.syncRun.update({
          where: { id: BigInt(input.syncRunId) },
          data: Object.fromEntries(
            Object.entries({ ...pageCounts, ...callCounts }).map(([k, v]) => [k, { increment: v ?? 0 }]),
          ),
        });
        return pageCounts;
      });
      return { nextCursor: page.nextCursor, counts: { ...counts, ...callCounts } };
    },

    async finishSyncRun(input: { syncRunId: string; error?: string }): Promise<SyncSummary> {
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(input.syncRunId) } });
      const finishedAt = new Date();
      const done = await db.syncRun.update({
        where: { id: run.id },
        data: {
          status: input.error ? 'failed' : 'succeeded',
          error: input.error ?? null,
          finishedAt,
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
        },
      });
      return {
        connectionId: done.connectionId,
        syncRunId: done.id.toString(),
        fetched: done.fetched,
        created: done.created,
        updated: done.updated,
        unchanged: done.unchanged,
        deleted: done.deleted,
        quarantined: done.quarantined,
        apiCalls: done.apiCalls,
        http429: done.http429,
        retries: done.retries,
        vipsChanged: 0,
      };
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
