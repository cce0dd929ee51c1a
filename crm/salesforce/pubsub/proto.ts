// Salesforce's Pub/Sub API (pubsub_api.proto, see README.md beside it), loaded once for the Change
// Data Capture subscriber (client) and the emulator (server), with the same loader options on both
// sides: fields keep their snake_case names, enums are their names, bytes are Buffers.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO_PATH = fileURLToPath(new URL('./pubsub_api.proto', import.meta.url));

export type ReplayPreset = 'LATEST' | 'EARLIEST' | 'CUSTOM';

export interface FetchRequest {
  topic_name?: string;
  replay_preset?: ReplayPreset;
  replay_id?: Buffer;
  num_requested?: number;
  auth_refresh?: string;
}

export interface ConsumerEvent {
  event: { id: string; schema_id: string; payload: Buffer; headers: { key: string; value: Buffer }[] };
  replay_id: Buffer;
}

export interface FetchResponse {
  events: ConsumerEvent[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

export interface TopicInfo {
  topic_name: string;
  tenant_guid: string;
  can_publish: boolean;
  can_subscribe: boolean;
  schema_id: string;
  rpc_id: string;
}

export interface SchemaInfo {
  schema_json: string;
  schema_id: string;
  rpc_id: string;
}

/** The trailer the Pub/Sub API names its own error code in ("Handle Errors", Pub/Sub API guide). */
export const ERROR_CODE_TRAILER = 'error-code';

/** Error codes of the Pub/Sub API's error table that vipsync and its emulator use. */
export const PUBSUB_ERROR = {
  /** UNAUTHENTICATED: "Provide valid authentication via metadata headers." */
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  /**
   * INVALID_ARGUMENT: the replay id is invalid; "one possible cause is that it's an old Replay ID
   * outside the 72-hour retention period" ("Retry Long-Lived RPC Calls After an Error Occurs").
   */
  replayIdCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  // The two below are as other Pub/Sub clients quote the error table; vipsync only sends valid requests.
  /** INVALID_ARGUMENT: CUSTOM replay without a replay id. */
  replayIdValidationFailed: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.validation.failed',
  /** INVALID_ARGUMENT: num_requested not a positive count. */
  requestedEventsInvalid: 'sfdc.platform.eventbus.grpc.subscription.fetch.requested.events.invalid',
} as const;

/** A FetchRequest asks for at most 100 events ("Flow Control", Pub/Sub API guide). */
export const MAX_NUM_REQUESTED = 100;

let loaded: grpc.GrpcObject | undefined;

/** The `eventbus.v1.PubSub` service: a client constructor, and its `service` definition for a server. */
export function pubSubService(): grpc.ServiceClientConstructor {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }),
  );
  return ((loaded.eventbus as grpc.GrpcObject).v1 as grpc.GrpcObject).PubSub as grpc.ServiceClientConstructor;
}
