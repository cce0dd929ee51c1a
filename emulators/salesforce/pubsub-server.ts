// The emulator's Salesforce Pub/Sub API: a gRPC server (its own port, plaintext on loopback) with
// GetTopic, GetSchema and Subscribe over the emulated org's change events, from the published
// pubsub_api.proto. Like the real API it checks the accesstoken / instanceurl / tenantid metadata
// of every call ("Authentication", Pub/Sub API guide), delivers no more events than the client
// asked for (num_requested, "Flow Control"), sends an empty FetchResponse carrying the latest replay
// id when it has nothing to send (the proto: "within 270 seconds"), and answers a replay id outside
// the retention window with INVALID_ARGUMENT and error-code ...replayid.corrupted in the trailers.
import * as grpc from '@grpc/grpc-js';
import {
  ERROR_CODE_TRAILER, MAX_NUM_REQUESTED, PUBSUB_ERROR, pubSubService,
  type ConsumerEvent, type FetchRequest, type FetchResponse, type SchemaInfo, type TopicInfo,
} from '../../crm/salesforce/pubsub/proto.js';
import { changeEventSchema, encodeChangeEvent, type ChangeEventSchema } from './change-event-schema.js';
import { CHANNELS, encodeReplayId, type BusEvent, type ChangeEventBus } from './event-bus.js';
import { ORG_ID, USER_ID, type TokenIssuer } from './oauth.js';
import type { SalesforceStore } from './store.js';

export const DEFAULT_KEEPALIVE_MS = 270_000;

export interface PubSubServerOptions {
  store: SalesforceStore;
  bus: ChangeEventBus;
  tokens: TokenIssuer;
  /** The instance URL tokens were issued for (the instanceurl header must name it). */
  instanceUrl(): string;
  host?: string;
  port?: number;
  keepaliveMs?: number;
}

export interface PubSubServer {
  /** host:port to dial (plaintext). */
  endpoint: string;
  /** Open Subscribe streams. */
  subscriptions(): number;
  /** Ends every open Subscribe stream with UNAVAILABLE, as a server restart or network fault does. */
  dropSubscriptions(): void;
  close(): Promise<void>;
}

class PubSubError extends Error {
  constructor(readonly code: grpc.status, readonly errorCode: string, message: string) {
    super(message);
  }

  toStatus(): Partial<grpc.StatusObject> {
    const metadata = new grpc.Metadata();
    metadata.set(ERROR_CODE_TRAILER, this.errorCode);
    return { code: this.code, details: `${this.message} rpcId: emulator`, metadata };
  }
}

function header(metadata: grpc.Metadata, name: string): string {
  const value = metadata.get(name)[0];
  return typeof value === 'string' ? value : '';
}

export async function startPubSubServer(opts: PubSubServerOptions): Promise<PubSubServer> {
  const { store, bus, tokens } = opts;
  const keepaliveMs = opts.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
  const schemas = new Map<string, ChangeEventSchema>();
  const encoded = new WeakMap<BusEvent, { schemaId: string; payload: Buffer }>();
  /** Each open Subscribe stream, by the function that ends it. */
  const open = new Map<grpc.ServerDuplexStream<FetchRequest, FetchResponse>, (status: Partial<grpc.StatusObject>) => void>();

  const currentSchema = (type: 'Account' | 'Contact') => {
    const schema = changeEventSchema(store.schemas[type]);
    const known = schemas.get(schema.id);
    if (known) return known;
    schemas.set(schema.id, schema);
    return schema;
  };

  /** Every call proves who it is, as the real API asks of each RPC. */
  const authenticate = (metadata: grpc.Metadata) => {
    const token = header(metadata, 'accesstoken');
    const instanceUrl = header(metadata, 'instanceurl');
    const tenant = header(metadata, 'tenantid');
    const problem = !token ? 'no accesstoken header'
      : !tokens.isValid(`Bearer ${token}`) ? 'the access token is invalid or expired'
        : instanceUrl.replace(/\/$/, '') !== opts.instanceUrl() ? `instanceurl "${instanceUrl}" is not this org's instance`
          : !isThisOrg(tenant) ? `tenantid "${tenant}" is not this org`
            : null;
    if (problem) throw new PubSubError(grpc.status.UNAUTHENTICATED, PUBSUB_ERROR.auth, `An authentication exception occurred (${problem}). Provide valid authentication via metadata headers.`);
  };

  // NOT_FOUND is what the emulator answers for a channel it does not have; the error code is its own.
  const topicObjects = (topic: string | undefined) => {
    const objects = topic ? CHANNELS[topic] : undefined;
    if (!objects) throw new PubSubError(grpc.status.NOT_FOUND, 'sfdc.platform.eventbus.grpc.topic.not.found', `Topic ${topic ?? ''} not found.`);
    return objects;
  };

  const encode = (event: BusEvent) => {
    let done = encoded.get(event);
    if (!done) {
      const schema = currentSchema(event.change.type);
      const payload = encodeChangeEvent(schema, { change: event.change, changeType: event.changeType, commitNumber: Number(event.replayId), commitUser: USER_ID });
      done = { schemaId: schema.id, payload };
      encoded.set(event, done);
    }
    return done;
  };

  const unary = <Req, Res>(handle: (request: Req) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      try {
        authenticate(call.metadata);
        callback(null, handle(call.request));
      } catch (error) {
        callback(error instanceof PubSubError ? error.toStatus() : { code: grpc.status.INTERNAL, details: (error as Error).message });
      }
    };

  const server = new grpc.Server();
  server.addService(pubSubService().service, {
    GetTopic: unary<{ topic_name: string }, TopicInfo>(({ topic_name }) => {
      const objects = topicObjects(topic_name);
      return {
        topic_name, tenant_guid: ORG_ID, can_publish: false, can_subscribe: true, rpc_id: 'emulator',
        // A channel of several objects has no one schema: its events name theirs.
        schema_id: objects.length === 1 ? currentSchema(objects[0]!).id : '',
      };
    }),
    GetSchema: unary<{ schema_id: string }, SchemaInfo>(({ schema_id }) => {
      for (const type of ['Account', 'Contact'] as const) currentSchema(type);
      const schema = schemas.get(schema_id);
      if (!schema) throw new PubSubError(grpc.status.NOT_FOUND, 'sfdc.platform.eventbus.grpc.schema.not.found', `Schema ${schema_id} not found.`);
      return { schema_json: schema.json, schema_id, rpc_id: 'emulator' };
    }),
    Subscribe: (call: grpc.ServerDuplexStream<FetchRequest, FetchResponse>) => {
      let topic: string | undefined;
      let objects: readonly ('Account' | 'Contact')[] = [];
      let position = 0n;
      let pending = 0;
      let keepalive: NodeJS.Timeout | undefined;
      let unsubscribe = () => {};
      let ended = false;
      const finish = (error?: PubSubError | Partial<grpc.StatusObject>) => {
        if (ended) return;
        ended = true;
        open.delete(call);
        clearTimeout(keepalive);
        unsubscribe();
        if (error) call.emit('error', error instanceof PubSubError ? error.toStatus() : error);
        else call.end();
      };
      open.set(call, (status) => finish(status));
      const armKeepalive = () => {
        clearTimeout(keepalive);
        keepalive = setTimeout(() => {
          if (ended) return;
          call.write({ events: [], latest_replay_id: encodeReplayId(bus.latestReplayId()), rpc_id: 'emulator', pending_num_requested: pending });
          armKeepalive();
        }, keepaliveMs);
      };
      const deliver = () => {
        if (ended || pending <= 0) return;
        const batch = bus.after(position, objects, pending);
        if (batch.length === 0) return;
        const events: ConsumerEvent[] = batch.map((event) => {
          const { schemaId, payload } = encode(event);
          return { event: { id: `emulator-${event.replayId}`, schema_id: schemaId, payload, headers: [] }, replay_id: encodeReplayId(event.replayId) };
        });
        position = batch.at(-1)!.replayId;
        pending -= batch.length;
        call.write({ events, latest_replay_id: encodeReplayId(position), rpc_id: 'emulator', pending_num_requested: pending });
        armKeepalive();
      };
      call.on('data', (request: FetchRequest) => {
        try {
          if (topic === undefined) {
            authenticate(call.metadata);
            objects = topicObjects(request.topic_name);
            topic = request.topic_name!;
            const preset = request.replay_preset ?? 'LATEST';
            if (preset === 'CUSTOM' && (!request.replay_id || request.replay_id.length === 0)) {
              throw new PubSubError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERROR.replayIdValidationFailed, 'The Replay ID validation failed: CUSTOM needs a replay_id.');
            }
            const start = bus.start(preset, request.replay_id);
            if ('error' in start) {
              throw new PubSubError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERROR.replayIdCorrupted,
                'The Replay ID validation failed. Ensure that the Replay ID is valid and within the retention window.');
            }
            position = start.after;
            unsubscribe = bus.onPublish(deliver);
            armKeepalive();
          } else if (request.topic_name && request.topic_name !== topic) {
            throw new PubSubError(grpc.status.INVALID_ARGUMENT, 'sfdc.platform.eventbus.grpc.subscription.topic.mismatch', `The topic ${request.topic_name} does not match the subscription's ${topic}.`);
          }
          const requested = request.num_requested ?? 0;
          if (requested <= 0) throw new PubSubError(grpc.status.INVALID_ARGUMENT, PUBSUB_ERROR.requestedEventsInvalid, 'num_requested must be a positive number of events.');
          pending += Math.min(requested, MAX_NUM_REQUESTED);
          deliver();
        } catch (error) {
          finish(error instanceof PubSubError ? error : { code: grpc.status.INTERNAL, details: (error as Error).message });
        }
      });
      call.on('end', () => finish());
      call.on('cancelled', () => finish());
      call.on('error', () => finish());
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host ?? '127.0.0.1'}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  const host = opts.host === undefined || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  return {
    endpoint: `${host}:${port}`,
    subscriptions: () => open.size,
    dropSubscriptions: () => {
      for (const end of [...open.values()]) end({ code: grpc.status.UNAVAILABLE, details: 'RST_STREAM closed stream (dropped by the emulator)' });
    },
    close: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
}

function isThisOrg(tenant: string): boolean {
  // Either the org id (15 or 18 characters) or core/<subdomain>/<org id> ("Include Authorization Headers").
  const id = tenant.split('/').at(-1) ?? '';
  return id === ORG_ID || id === ORG_ID.slice(0, 15);
}
