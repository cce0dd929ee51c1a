// Wires the push paths of the worker: a Change Data Capture subscriber for each Salesforce
// connection whose `changeEvents.enabled` (or `push.enabled`) is set. What a subscriber hands on goes
// to `handler`, and its requests for a full reconciliation to `requestReconciliation`; both can be
// injected (tests, benchmarks). The defaults:
//  - handler: the connection's push workflow (sync/push.ts, as HubSpot's webhooks use it), which
//    re-reads the named records by id and re-derives their people;
//  - requestReconciliation: what `vipsync sync now --connection ID --full` does (admin/sync.ts), audited
//    with the reason.
import type { Client } from '@temporalio/client';
import { startSyncs } from '../admin/sync.js';
import type { ConnectionConfig } from '../crm/registry.js';
import type { SalesforceConnectionConfig } from '../crm/salesforce/config.js';
import { ChangeEventSubscriber } from '../crm/salesforce/change-events/subscriber.js';
import type { PushedChange, PushedChangesHandler, ReconciliationRequester } from '../crm/salesforce/change-events/types.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import type { Db } from '../db/client.js';
import { logger } from '../runtime/logger.js';
import { pushChanges, type PushChangeInput } from '../sync/push.js';
import { markHandedOff, recordPushEvents, type ReceivedPushEvent } from '../sync/push-store.js';

/** Who the audit log names for what the push paths start. */
export const PUSH_PATH_ACTOR: Actor = { name: 'worker:change-events', surface: 'activity' };

export interface PushPathOptions {
  db: Db;
  client: Client;
  connections: ConnectionConfig[];
  /** The sync task queue the worker polls (the push workflow runs there). */
  taskQueue: string;
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
 * connection run side by side, and two full syncs started at once would race (the second sees no
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

const PUSH_KINDS: Record<Exclude<PushedChange['kind'], 'gap'>, PushChangeInput['kind']> = {
  change: 'change', undelete: 'restore', delete: 'delete',
};

/**
 * The changes in the push workflow's terms. A gap event says a record changed without saying how:
 * the subscriber has already asked for a full reconciliation for it (change-events/header.ts), which
 * covers it, so it is not pushed.
 */
export function toPushEvents(changes: PushedChange[]): ReceivedPushEvent[] {
  return changes.flatMap((change) => {
    if (change.kind === 'gap') return [];
    const kind = PUSH_KINDS[change.kind];
    // Change Data Capture events carry no id of their own a replay keeps; the record, its commit
    // time and the kind name the event, so a batch handed over again is recognised as a duplicate.
    const eventId = `${change.objectType}:${change.crmId}:${change.changedAt.getTime()}:${kind}`;
    return [{ eventId, objectType: change.objectType, crmId: change.crmId, kind, changedAt: change.changedAt.toISOString() }];
  });
}

/**
 * The default handler: records the events (for `vipsync doctor`'s push line) and hands them to the
 * connection's push workflow. It resolves once Temporal holds the signal, so the subscriber stores
 * the replay id only for changes Temporal has; events recorded but not handed off (Temporal down)
 * are handed off when the batch comes again.
 */
export function pushWorkflowHandler(db: Db, client: Client, taskQueue: string): PushedChangesHandler {
  return async (connectionId, changes) => {
    const { toHandOff, duplicates } = await recordPushEvents(db, connectionId, toPushEvents(changes));
    if (toHandOff.length === 0) return;
    await pushChanges(client, connectionId, toHandOff, { taskQueue });
    await markHandedOff(db, connectionId, toHandOff.map((e) => e.eventId));
    logger.debug({ connection: connectionId, changes: toHandOff.length, duplicates }, 'change events: handed to the push workflow');
  };
}

/** A full walk of the connection, as `vipsync sync now --full` starts it, with the reason in the audit log. */
export function fullSyncReconciliation(db: Db, client: Client): ReconciliationRequester {
  return perConnection(async (connectionId: string, reason: string) => {
    await writeAudit(db, { actor: PUSH_PATH_ACTOR, action: 'sync.reconcile', subject: connectionId, details: { reason } });
    await startSyncs(db, client, PUSH_PATH_ACTOR, connectionId, { full: true });
  });
}

export function startPushPaths(opts: PushPathOptions): PushPaths {
  const handler = opts.handler ?? pushWorkflowHandler(opts.db, opts.client, opts.taskQueue);
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
