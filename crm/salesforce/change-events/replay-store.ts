// Where each (connection, channel) subscription stands, in change_event_subscriptions: the replay
// id of the last event handed on (written only after the handler resolved), and what `vipsync
// doctor` shows: the state, the last error, the last event's commit time.
import type { Db } from '../../../db/client.js';

export type SubscriptionState = 'connecting' | 'subscribed' | 'retrying' | 'failed' | 'stopped';

export interface StoredSubscription {
  connectionId: string;
  channel: string;
  replayId: Buffer | null;
  replayStoredAt: Date | null;
  lastEventAt: Date | null;
  lastHandledAt: Date | null;
  state: string;
  lastError: string | null;
  reconciliationAt: Date | null;
  reconciliationReason: string | null;
  updatedAt: Date;
}

export class ReplayStore {
  constructor(private readonly db: Db) {}

  async load(connectionId: string, channel: string): Promise<StoredSubscription | null> {
    const row = await this.db.changeEventSubscription.findUnique({ where: { connectionId_channel: { connectionId, channel } } });
    return row && { ...row, replayId: row.replayId ? Buffer.from(row.replayId) : null };
  }

  async list(connectionId?: string): Promise<StoredSubscription[]> {
    const rows = await this.db.changeEventSubscription.findMany({ where: connectionId ? { connectionId } : {}, orderBy: [{ connectionId: 'asc' }, { channel: 'asc' }] });
    return rows.map((row) => ({ ...row, replayId: row.replayId ? Buffer.from(row.replayId) : null }));
  }

  /** After the handler resolved: the subscription resumes after this replay id from now on. */
  async storeReplayId(connectionId: string, channel: string, replayId: Buffer, lastEventAt: Date | null): Promise<void> {
    const now = new Date();
    const fields = { replayId: new Uint8Array(replayId), replayStoredAt: now, updatedAt: now, state: 'subscribed', lastError: null, ...(lastEventAt ? { lastEventAt, lastHandledAt: now } : {}) };
    await this.db.changeEventSubscription.upsert({
      where: { connectionId_channel: { connectionId, channel } },
      create: { connectionId, channel, ...fields },
      update: fields,
    });
  }

  /** The stored replay id is of no use any more (outside retention): the next start is at LATEST. */
  async forgetReplayId(connectionId: string, channel: string, reason: string): Promise<void> {
    const now = new Date();
    const fields = { replayId: null, replayStoredAt: now, reconciliationAt: now, reconciliationReason: reason, updatedAt: now };
    await this.db.changeEventSubscription.upsert({
      where: { connectionId_channel: { connectionId, channel } },
      create: { connectionId, channel, ...fields },
      update: fields,
    });
  }

  async noteReconciliation(connectionId: string, channel: string, reason: string): Promise<void> {
    const now = new Date();
    await this.db.changeEventSubscription.upsert({
      where: { connectionId_channel: { connectionId, channel } },
      create: { connectionId, channel, reconciliationAt: now, reconciliationReason: reason, updatedAt: now },
      update: { reconciliationAt: now, reconciliationReason: reason, updatedAt: now },
    });
  }

  async setState(connectionId: string, channel: string, state: SubscriptionState, lastError: string | null = null): Promise<void> {
    const now = new Date();
    await this.db.changeEventSubscription.upsert({
      where: { connectionId_channel: { connectionId, channel } },
      create: { connectionId, channel, state, lastError, updatedAt: now },
      update: { state, updatedAt: now, ...(lastError !== null || state === 'subscribed' ? { lastError } : {}) },
    });
  }
}
