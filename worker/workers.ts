// Wires the two Temporal workers of vipsync: syncs (workflows + CRM/database activities) on one
// task queue, the lookup on its own queue so agents' lookups never wait behind a big sync.
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createAuditWriter } from '../db/audit-log.js';
import { createLookupActivities } from '../activities/lookup.js';
import { createLookupService, type LookupService } from '../lookup/service.js';
import { CrmConnections } from '../crm/connections.js';
import type { CrmClient } from '../crm/types.js';
import { createSyncActivities, type SyncActivityDeps } from '../activities/sync.js';
import { createVipActivities } from '../activities/vip.js';
import { createPushActivities } from '../activities/push.js';
import { resolveVipSettings } from '../vip/settings.js';
import type { Db } from '../db/client.js';
import { bundleWorkflowsApart } from './bundle.js';
import type { WorkerConfig } from '../config/environment.js';
import type { ConnectionConfig } from '../crm/registry.js';


export interface VipsyncWorkerOptions {
  connection: NativeConnection;
  config: Pick<WorkerConfig, 'temporalNamespace' | 'syncTaskQueue' | 'lookupTaskQueue' | 'connections'> &
    Partial<Pick<WorkerConfig, 'rulesFile' | 'defaultCountry' | 'staleGraceDays'>>;
  db: Db;
  /** A pre-built workflow bundle (tests bundle once per file); otherwise bundled at start, apart. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Builds a connection's CRM client (one per connection, shared by every activity); tests may hand in their own. */
  crmClientFor?: (config: ConnectionConfig) => CrmClient;
  /** Sync timing (overlap window, reconciliation period, activity budget); defaults otherwise. */
  syncTuning?: SyncActivityDeps['tuning'];
  /** The lookup behind the lookupVip activity; by default uncached, auditing in batches. */
  lookupService?: LookupService;
}

export async function createVipsyncWorkers(opts: VipsyncWorkerOptions): Promise<Worker[]> {
  const { connection, config, db } = opts;
  // Before anything polls: a broken rules file stops the worker naming the line and field.
  const vipSettings = resolveVipSettings(config);
  // One client per connection for the sync and validation alike: they share its pacers.
  const crm = new CrmConnections(config.connections, opts.crmClientFor);
  const bundled = opts.workflowBundle ? null : await bundleWorkflowsApart();
  const sync = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.syncTaskQueue,
    workflowBundle: opts.workflowBundle ?? bundled!,
    activities: {
      ...createSyncActivities({ db, crm, tuning: opts.syncTuning }),
      ...createVipActivities({ db, crm, settings: vipSettings }),
      ...createPushActivities({ db, crm, settings: vipSettings }),
    },
  }).finally(() => bundled && rm(dirname(bundled.codePath), { recursive: true, force: true }));
  const lookup = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.lookupTaskQueue,
    activities: createLookupActivities({ lookup: opts.lookupService ?? createLookupService({ db, audit: createAuditWriter(db) }) }),
  });
  return [sync, lookup];
}

/** Runs workers until one fails or all are shut down (SIGINT/SIGTERM are handled by the SDK). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}

export type { Db };
