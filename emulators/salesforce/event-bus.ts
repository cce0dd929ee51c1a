// The emulated org's event bus for Change Data Capture: every committed record change becomes one
// event with a replay id, kept for the retention window (72 hours in Salesforce, "Event Message
// Durability", Pub/Sub API guide; shorter in tests) and replayable from any retained position.
import type { SObjectName } from './schema.js';
import type { RecordChange } from './store.js';
import type { ChangeType } from './change-event-schema.js';

export const DEFAULT_RETENTION_MS = 72 * 3600 * 1000;

export interface BusEvent {
  replayId: bigint;
  /** When the bus received it (the emulator's clock), for retention. */
  publishedAt: number;
  changeType: ChangeType;
  change: RecordChange;
}

/** A channel and the objects whose changes it carries ("Subscription Channels", CDC guide). */
export const CHANNELS: Record<string, SObjectName[]> = {
  '/data/ContactChangeEvent': ['Contact'],
  '/data/AccountChangeEvent': ['Account'],
  '/data/ChangeEvents': ['Account', 'Contact'],
};

/** Replay ids are opaque bytes to clients; the emulator's are an 8-byte big-endian counter. */
export function encodeReplayId(id: bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(id);
  return buffer;
}

export function decodeReplayId(bytes: Buffer): bigint | null {
  return bytes.length === 8 ? bytes.readBigUInt64BE() : null;
}

export type ReplayStart = { after: bigint } | { error: 'corrupted' };

export class ChangeEventBus {
  private events: BusEvent[] = [];
  private nextId = 1n;
  /** The replay id of the newest event the retention window purged (0: none yet). */
  private purgedThrough = 0n;
  private readonly listeners = new Set<() => void>();

  constructor(
    private retentionMs = DEFAULT_RETENTION_MS,
    private readonly now: () => number = Date.now,
  ) {}

  setRetention(ms: number): void {
    this.retentionMs = ms;
    this.purge();
  }

  publish(change: RecordChange, changeType: ChangeType = change.changeType): BusEvent {
    this.purge();
    const event: BusEvent = { replayId: this.nextId++, publishedAt: this.now(), changeType, change };
    this.events.push(event);
    for (const listener of this.listeners) listener();
    return event;
  }

  /** The replay id of the newest event (what an empty FetchResponse reports). */
  latestReplayId(): bigint {
    return this.nextId - 1n;
  }

  /**
   * Where a subscription starts: after the newest event (LATEST), before the oldest retained
   * (EARLIEST), or after a replay id the bus issued whose successors are all still retained (CUSTOM).
   */
  start(preset: 'LATEST' | 'EARLIEST' | 'CUSTOM', replayId?: Buffer): ReplayStart {
    this.purge();
    if (preset === 'LATEST') return { after: this.latestReplayId() };
    if (preset === 'EARLIEST') return { after: this.purgedThrough };
    const id = replayId ? decodeReplayId(replayId) : null;
    if (id === null || id < this.purgedThrough || id > this.latestReplayId()) return { error: 'corrupted' };
    return { after: id };
  }

  /** Retained events after `after`, oldest first, of these objects, at most `limit`. */
  after(after: bigint, objects: readonly SObjectName[], limit: number): BusEvent[] {
    this.purge();
    const out: BusEvent[] = [];
    for (const event of this.events) {
      if (out.length >= limit) break;
      if (event.replayId > after && objects.includes(event.change.type)) out.push(event);
    }
    return out;
  }

  /** Calls `listener` after every publish; returns the unsubscribe function. */
  onPublish(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private purge(): void {
    const cutoff = this.now() - this.retentionMs;
    let purged = 0;
    while (purged < this.events.length && this.events[purged]!.publishedAt < cutoff) purged++;
    if (purged === 0) return;
    this.purgedThrough = this.events[purged - 1]!.replayId;
    this.events = this.events.slice(purged);
  }
}
