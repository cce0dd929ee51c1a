// The Change Data Capture subscriber of one Salesforce connection: one Pub/Sub API Subscribe stream
// per channel (gRPC, @grpc/grpc-js with the published proto), events decoded with their Avro schema
// (GetSchema), the records they name handed to a handler, and the replay id stored in Postgres only
// after the handler resolved. A restart resumes after the stored replay id (ReplayPreset CUSTOM);
// one outside the 72-hour retention is answered ...replayid.corrupted, and then a full reconciliation
// is asked for and the stream starts at LATEST. Flow control: never more than `batchSize` events
// asked for and not yet handled ("Flow Control", Pub/Sub API guide), so memory stays bounded.
import * as grpc from '@grpc/grpc-js';
import avro from 'avsc';
import type { Db } from '../../../db/client.js';
import { logger as defaultLogger, type Logger } from '../../../runtime/logger.js';
import type { SalesforceConnectionConfig } from '../config.js';
import { pubSubService, type FetchRequest, type FetchResponse, type SchemaInfo, type TopicInfo } from '../pubsub/proto.js';
import { backoffMs, classifyPubSubError, type PubSubFailure } from './errors.js';
import { changeEventHeader, readChangeEvent, replayIdText } from './header.js';
import { ReplayStore } from './replay-store.js';
import { clientCredentialsSession, SessionError, sessionMetadata, type PubSubSession, type SessionSource } from './session.js';
import type { PushedChange, PushedChangesHandler, ReconciliationRequester } from './types.js';

/** The server sends an empty FetchResponse at least every 270 s (pubsub_api.proto); silence past this is a dead stream. */
const DEFAULT_IDLE_TIMEOUT_MS = 330_000;

export interface ChangeEventSubscriberOptions {
  db: Db;
  config: SalesforceConnectionConfig;
  handler: PushedChangesHandler;
  requestReconciliation: ReconciliationRequester;
  /** Where the access token, instance URL and org id come from (default: the connection's client credentials). */
  session?: SessionSource;
  logger?: Logger;
  /** Reconnect backoff (default 1 s doubling to 60 s). */
  retry?: { initialMs?: number; maxMs?: number };
  idleTimeoutMs?: number;
}

type PubSubClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export class ChangeEventSubscriber {
  private readonly store: ReplayStore;
  private readonly session: SessionSource;
  private readonly log: Logger;
  private readonly connectionId: string;
  private client: PubSubClient | null = null;
  private readonly calls = new Set<grpc.ClientDuplexStream<FetchRequest, FetchResponse>>();
  private readonly schemas = new Map<string, Promise<avro.Type>>();
  private readonly wakers = new Set<() => void>();
  /** Channels with a stored replay id to resume from. */
  private readonly positioned = new Set<string>();
  private loops: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly opts: ChangeEventSubscriberOptions) {
    this.store = new ReplayStore(opts.db);
    this.session = opts.session ?? clientCredentialsSession(opts.config);
    this.connectionId = opts.config.id;
    this.log = (opts.logger ?? defaultLogger).child({ component: 'change-events', connection: opts.config.id });
  }

  /** Subscribes to every configured channel; runs until stop(). */
  start(): void {
    const url = new URL(this.opts.config.changeEvents.pubSubEndpoint);
    const target = `${url.hostname}:${url.port || '443'}`;
    const credentials = url.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    // HTTP/2 pings notice a dead connection between the server's own keepalive responses.
    this.client = new (pubSubService())(target, credentials, {
      'grpc.keepalive_time_ms': 60_000, 'grpc.keepalive_timeout_ms': 20_000, 'grpc.keepalive_permit_without_calls': 1,
    }) as unknown as PubSubClient;
    this.loops = this.opts.config.changeEvents.channels.map((channel) => this.runChannel(channel));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakers) wake();
    for (const call of this.calls) call.cancel();
    await Promise.all(this.loops);
    this.client?.close();
  }

  private async runChannel(channel: string): Promise<void> {
    const { initialMs = 1000, maxMs = 60_000 } = this.opts.retry ?? {};
    let attempt = 0;
    let freshToken = false;
    while (!this.stopped) {
      let failure: PubSubFailure;
      let progressed = false;
      try {
        await this.store.setState(this.connectionId, channel, attempt === 0 ? 'connecting' : 'retrying');
        const session = await this.session({ fresh: freshToken });
        await this.subscribeOnce(channel, session, () => {
          progressed = true;
          freshToken = false;
        });
        failure = { kind: 'retry', message: 'the Pub/Sub API ended the stream' };
      } catch (error) {
        failure = error instanceof SessionError ? { kind: 'auth', message: error.message } : classifyPubSubError(error);
        if (error instanceof SessionError) freshToken = true;
      }
      if (this.stopped) break;
      if (progressed) attempt = 0;
      if (failure.kind === 'replay-invalid') {
        if (await this.reconcileAfterExpiredReplay(channel, failure.message)) {
          attempt = 0;
          continue;
        }
      } else if (failure.kind === 'auth' && !freshToken) {
        // A token can expire or be revoked: one fresh token before calling it a configuration problem.
        freshToken = true;
        this.log.info({ channel, error: failure.message }, 'Pub/Sub API refused the session; getting a new token');
        continue;
      } else if (failure.kind === 'auth' || failure.kind === 'channel') {
        const message = failure.kind === 'channel'
          ? `the Pub/Sub API of connection "${this.connectionId}" has no channel ${channel} (${failure.message}); check changeEvents.channels, ` +
            'and that Change Data Capture is enabled for Contact and Account (Setup, Change Data Capture)'
          : `Salesforce Pub/Sub API refused connection "${this.connectionId}" (${failure.message}); ` +
            'check the connected app\'s credentials, that its run-as user has the "View All Data" or change-event permissions, and that Change Data Capture is enabled for Contact and Account';
        this.log.error({ channel }, message);
        await this.store.setState(this.connectionId, channel, 'failed', message).catch(() => {});
        await this.sleep(maxMs);
        continue;
      }
      const wait = backoffMs(attempt++, initialMs, maxMs);
      this.log.warn({ channel, error: failure.message, retryInMs: wait }, 'change event subscription interrupted; reconnecting');
      await this.store.setState(this.connectionId, channel, 'retrying', failure.message).catch(() => {});
      await this.sleep(wait);
    }
    await this.store.setState(this.connectionId, channel, 'stopped').catch(() => {});
  }

  /** The stored replay id is gone from the event bus: ask for a full walk, then start at LATEST. */
  private async reconcileAfterExpiredReplay(channel: string, message: string): Promise<boolean> {
    const reason = `the stored replay id of ${channel} is no longer in Salesforce's event bus (older than its 72-hour retention?): ${message}`;
    try {
      await this.opts.requestReconciliation(this.connectionId, reason);
      await this.store.forgetReplayId(this.connectionId, channel, reason);
      this.log.warn({ channel }, `${reason}; full reconciliation requested, subscribing from the latest event`);
      return true;
    } catch (error) {
      this.log.error({ channel, error: (error as Error).message }, 'could not request a reconciliation; will try again');
      return false;
    }
  }

  private subscribeOnce(channel: string, session: PubSubSession, onProgress: () => void): Promise<void> {
    const client = this.client!;
    const metadata = sessionMetadata(session);
    return (async () => {
      // GetTopic first: a refused session or an unknown channel fails here, with a clear status.
      await unary<TopicInfo>(client, 'GetTopic', { topic_name: channel }, metadata);
      const stored = await this.store.load(this.connectionId, channel);
      if (stored?.replayId) this.positioned.add(channel);
      else this.positioned.delete(channel);
      if (this.stopped) return;
      const call = client.Subscribe!(metadata) as grpc.ClientDuplexStream<FetchRequest, FetchResponse>;
      this.calls.add(call);
      await new Promise<void>((resolve, reject) => {
        let handling = Promise.resolve();
        let failed = false;
        let idle: NodeJS.Timeout | undefined;
        const fail = (error: unknown) => {
          if (failed) return;
          failed = true;
          clearTimeout(idle);
          call.cancel();
          // Whatever is being handled finishes (and stores its replay id) before the next stream starts.
          void handling.finally(() => (this.stopped ? resolve() : reject(error)));
        };
        const resetIdle = () => {
          clearTimeout(idle);
          idle = setTimeout(() => fail(new Error(`no message from the Pub/Sub API in ${(this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS) / 1000} s`)),
            this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
        };
        call.on('data', (response: FetchResponse) => {
          resetIdle();
          handling = handling.then(() => (failed ? undefined : this.handle(channel, response, call, metadata, onProgress))).catch(fail);
        });
        call.on('error', fail);
        call.on('end', () => {
          clearTimeout(idle);
          void handling.finally(resolve);
        });
        call.write({
          topic_name: channel,
          replay_preset: stored?.replayId ? 'CUSTOM' : 'LATEST',
          replay_id: stored?.replayId ?? Buffer.alloc(0),
          num_requested: this.opts.config.changeEvents.batchSize,
        });
        resetIdle();
        this.log.info({ channel, from: stored?.replayId ? `after replay id ${replayIdText(stored.replayId)}` : 'the latest event' }, 'subscribed to change events');
        void this.store.setState(this.connectionId, channel, 'subscribed').catch(() => {});
      }).finally(() => this.calls.delete(call));
    })();
  }

  /** One FetchResponse: hand its changes on, then store its replay id, then ask for as many more. */
  private async handle(
    channel: string, response: FetchResponse, call: grpc.ClientDuplexStream<FetchRequest, FetchResponse>, metadata: grpc.Metadata, onProgress: () => void,
  ): Promise<void> {
    if (response.events.length === 0) {
      // A keepalive: nothing for this subscription up to latest_replay_id, so resuming after it
      // loses nothing and keeps a quiet channel's stored position inside the retention window.
      if (response.latest_replay_id?.length) {
        await this.store.storeReplayId(this.connectionId, channel, response.latest_replay_id, null);
        this.positioned.add(channel);
      }
      onProgress();
      return;
    }
    const byRecord = new Map<string, PushedChange>();
    const reasons: string[] = [];
    let lastCommit: Date | null = null;
    for (const consumed of response.events) {
      try {
        const type = await this.schema(consumed.event.schema_id, metadata);
        const read = readChangeEvent(changeEventHeader(type.fromBuffer(consumed.event.payload)));
        // Events come in commit order: a record's later event replaces its earlier one.
        for (const change of read.changes) byRecord.set(`${change.objectType}:${change.crmId}`, change);
        if (read.reconcile) reasons.push(read.reconcile);
        for (const change of read.changes) if (!lastCommit || change.changedAt > lastCommit) lastCommit = change.changedAt;
      } catch (error) {
        if (isStreamError(error)) throw error;
        // One event that cannot be read must not stop the stream for good: reconcile instead.
        reasons.push(`an event of ${channel} (replay id ${replayIdText(consumed.replay_id)}) could not be read: ${(error as Error).message}`);
      }
    }
    if (byRecord.size > 0) {
      try {
        await this.opts.handler(this.connectionId, [...byRecord.values()]);
      } catch (error) {
        // With a stored position the stream restarts after it and this batch comes again. A channel
        // that started at LATEST moments ago has none: the reconciliation stands in for the batch.
        if (this.positioned.has(channel)) throw error;
        reasons.push(`changes of ${channel} could not be handed on and there was no position to resume from yet (${(error as Error).message})`);
      }
    }
    if (reasons.length > 0) {
      const reason = reasons.length === 1 ? reasons[0]! : `${reasons[0]} (and ${reasons.length - 1} more)`;
      await this.opts.requestReconciliation(this.connectionId, reason);
      await this.store.noteReconciliation(this.connectionId, channel, reason);
      this.log.warn({ channel }, `${reason}; full reconciliation requested`);
    }
    const last = response.events.at(-1)!;
    await this.store.storeReplayId(this.connectionId, channel, last.replay_id, lastCommit);
    this.positioned.add(channel);
    onProgress();
    // Room for as many events as were just handled: never more than one batch asked for and unhandled.
    if (!this.stopped && !call.writableEnded && !call.destroyed) call.write({ num_requested: response.events.length });
  }

  /** An event's Avro schema, by the id it names (GetSchema, once per id). */
  private schema(schemaId: string, metadata: grpc.Metadata): Promise<avro.Type> {
    let type = this.schemas.get(schemaId);
    if (!type) {
      type = unary<SchemaInfo>(this.client!, 'GetSchema', { schema_id: schemaId }, metadata)
        .then((info) => avro.Type.forSchema(JSON.parse(info.schema_json) as avro.Schema));
      type.catch(() => this.schemas.delete(schemaId));
      this.schemas.set(schemaId, type);
    }
    return type;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

function unary<T>(client: PubSubClient, method: string, request: object, metadata: grpc.Metadata): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client[method]!(request, metadata, { deadline: Date.now() + 30_000 }, (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}

function isStreamError(error: unknown): boolean {
  return typeof (error as { code?: unknown }).code === 'number' && (error as { metadata?: unknown }).metadata instanceof grpc.Metadata;
}
