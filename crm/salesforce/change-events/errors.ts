// What a failed Pub/Sub API call means for the subscriber. The API ends a stream with a gRPC status
// and puts its own code in the `error-code` trailer ("Handle Errors", Pub/Sub API guide); the
// status alone is the fallback when a proxy drops trailers.
import { status, type Metadata } from '@grpc/grpc-js';
import { ERROR_CODE_TRAILER, PUBSUB_ERROR } from '../pubsub/proto.js';

export type PubSubFailure =
  /** The stored replay id is outside the retention window (or was never valid): reconcile, start at LATEST. */
  | { kind: 'replay-invalid'; message: string }
  /** The credentials were refused: a fresh token may help once; then it is the configuration. */
  | { kind: 'auth'; message: string }
  /** The channel does not exist (NOT_FOUND): the configuration, not worth retrying often. */
  | { kind: 'channel'; message: string }
  /** Anything else: reconnect with backoff ("Retry Long-Lived RPC Calls After an Error Occurs"). */
  | { kind: 'retry'; message: string };

interface GrpcErrorLike {
  code?: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

export function classifyPubSubError(error: unknown): PubSubFailure {
  const e = (error ?? {}) as GrpcErrorLike;
  const code = e.metadata?.get(ERROR_CODE_TRAILER)[0];
  const errorCode = typeof code === 'string' ? code : '';
  const details = e.details || e.message || String(error);
  const message = errorCode ? `${details} (${errorCode})` : details;
  if (errorCode === PUBSUB_ERROR.replayIdCorrupted || errorCode === PUBSUB_ERROR.replayIdValidationFailed
    || (!errorCode && e.code === status.INVALID_ARGUMENT && /replay/i.test(details))) {
    return { kind: 'replay-invalid', message };
  }
  if (errorCode === PUBSUB_ERROR.auth || e.code === status.UNAUTHENTICATED || e.code === status.PERMISSION_DENIED) {
    return { kind: 'auth', message };
  }
  if (e.code === status.NOT_FOUND) return { kind: 'channel', message };
  return { kind: 'retry', message };
}

/** Exponential backoff with full jitter, capped: the n-th retry (0-based) waits up to this. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
