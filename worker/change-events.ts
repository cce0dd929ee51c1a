// Wires the push paths of the worker: a Change Data Capture subscriber for each Salesforce
// connection whose `changeEvents.enabled` is set. What a subscriber hands on goes to `handler`, and
// its requests for a full reconciliation to `requestReconciliation`; both are injected so the
// per-connection push workflow can take the changes over. Until it does, the defaults here are:
//  - handler: start the connection's (incremental) sync now through its Schedule, so a change in
//    Salesforce reaches the lookup within one incremental walk instead of one interval;
//  - requestReconciliation: what `vipsync sync now --connection ID --full` does (admin/sync.ts), audited
//    with the reason.
import type { Client } from '@temporalio/client';
import { startSyncs } from '../admin/sync.js';
import type { ConnectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { ChangeEventSubscriber } from '../crm/salesforce/change-events/subscriber.js';
import type { PushedChangesHandler, ReconciliationRequester } from '../crm/salesforce/change-events/types.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import type { Db } from '../db/client.js';
import { logger } from '../runtime/logger.js';
import { triggerSync } from '../sync/schedules.js';

/** Who the audit log names for what the push paths start. */
export const PUSH_PATH_ACTOR: Actor = { name: 'worker:change-events', surface: 'activity' };

export interface PushPathOptions {
  db: Db;
  client: Client;
  connections: ConnectionConfig[];
  handler?: PushedChangesHandler;
  requestReconciliation?: ReconciliationRequester;
}

export interface PushPaths {
  /** The connections with a running subscriber. */
  connectionIds: string[];
  stop(): Promise<void>;
}

/**
 * One call per connection at a time; callers that come while one runs share it. The channels of a
 * connection run side by side, and two schedule triggers at once would race (the second sees no
 * running sync yet, is skipped as an overlap, and waits for a start that never comes).
 */
function perConnection<A extends unknown[]>(run: (connectionId: string, ...args: A) => Promise<void>) {
  const inFlight = new Map<string, Promise<void>>();
  return (connectionId: string, ...args: A): Promise<void> => {
    let call = inFlight.get(connectionId);
    if (!call) {
      call = run(connectionId, ...args).finally(() => inFlight.delete(connectionId));
      inFlight.set(connectionId, call);
    }
    return call;
  };
}

/**
 * Interim handler: the connection's incremental sync, now. A sync that is already running is joined
 * (it may have read past a change it started before; the next event or scheduled run covers that).
 */
export function syncNowHandler(client: Client): PushedChangesHandler {
  const trigger = perConnection(async (connectionId: string, changes: number) => {
    const workflowId = await triggerSync(client, connectionId);
    logger.info({ connection: connectionId, changes, workflowId }, 'change events: sync started');
  });
  return (connectionId, changes) => trigger(connectionId, changes.length);
}

/** A full walk of the connection, as `vipsync sync now --full` starts it, with the reason in the audit log. */
export function fullSyncReconciliation(db: Db, client: Client): ReconciliationRequester {
  return perConnection(async (connectionId: string, reason: string) => {
    await writeAudit(db, { actor: PUSH_PATH_ACTOR, action: 'sync.reconcile', subject: connectionId, details: { reason } });
    await startSyncs(db, client, PUSH_PATH_ACTOR, connectionId, { full: true });
  });
}

export function startPushPaths(opts: PushPathOptions): PushPaths {
  const handler = opts.handler ?? syncNowHandler(opts.client);
  const requestReconciliation = opts.requestReconciliation ?? fullSyncReconciliation(opts.db, opts.client);
  const subscribers = opts.connections
    .filter((c): c is SalesforceConnectionConfig => c.system === 'salesforce' && (c as SalesforceConnectionConfig).changeEvents?.enabled === true)
    .map((config) => {
      const subscriber = new ChangeEventSubscriber({ db: opts.db, config, handler, requestReconciliation });
      subscriber.start();
      logger.info({ connection: config.id, channels: config.changeEvents.channels, endpoint: config.changeEvents.pubSubEndpoint }, 'change events: subscribing');
      return { id: config.id, subscriber };
    });
  return {
    connectionIds: subscribers.map((s) => s.id),
    stop: async () => void (await Promise.all(subscribers.map((s) => s.subscriber.stop()))),
  };
}
