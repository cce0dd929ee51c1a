// Reading a decoded Change Data Capture event: its ChangeEventHeader says which records changed,
// how, and when ("ChangeEventHeader Fields", Change Data Capture Developer Guide). Pure functions.
import type { PushedChange } from './types.js';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  commitTimestamp: number;
}

/** What one event means for vipsync: changes to hand on, and a reason to reconcile when it cannot say. */
export interface ReadEvent {
  changes: PushedChange[];
  /** Set when the event cannot be replayed record by record (gap and overflow events, wildcard ids). */
  reconcile: string | null;
}

const OBJECT_TYPES: Record<string, PushedChange['objectType']> = { Contact: 'contact', Account: 'company' };

const KINDS: Record<string, PushedChange['kind']> = {
  CREATE: 'change',
  UPDATE: 'change',
  DELETE: 'delete',
  UNDELETE: 'undelete',
  GAP_CREATE: 'gap',
  GAP_UPDATE: 'gap',
  GAP_DELETE: 'gap',
  GAP_UNDELETE: 'gap',
};

/** A record id, 15 or 18 characters; "001*" (a wildcard for a whole object) is not one. */
const RECORD_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The header of a decoded event (avsc gives records as objects), checked field by field. */
export function changeEventHeader(decoded: unknown): ChangeEventHeader {
  const header = (decoded as { ChangeEventHeader?: unknown } | null)?.ChangeEventHeader as Record<string, unknown> | undefined;
  if (!header || typeof header !== 'object') throw new Error('the event has no ChangeEventHeader: is the channel a Change Data Capture channel?');
  const { entityName, recordIds, changeType, commitTimestamp } = header;
  if (typeof entityName !== 'string') throw new Error('ChangeEventHeader.entityName is not a string');
  if (!Array.isArray(recordIds) || !recordIds.every((id) => typeof id === 'string')) throw new Error('ChangeEventHeader.recordIds is not a list of ids');
  if (typeof changeType !== 'string') throw new Error('ChangeEventHeader.changeType is not a string');
  const timestamp = typeof commitTimestamp === 'bigint' ? Number(commitTimestamp) : commitTimestamp;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw new Error('ChangeEventHeader.commitTimestamp is not a time');
  return { entityName, recordIds: recordIds as string[], changeType, commitTimestamp: timestamp };
}

/**
 * The changes one event reports. An object vipsync does not sync (a custom channel may carry
 * others) reports none. Gap events name their records (re-read them) and ask for a reconciliation
 * all the same: the CRM could not say what happened to them, and may have missed others like them
 * ("Gap Events"). An overflow event (GAP_OVERFLOW, a transaction of more than 100,000 changes) or a
 * wildcard id names no records: reconcile.
 */
export function readChangeEvent(header: ChangeEventHeader): ReadEvent {
  const objectType = OBJECT_TYPES[header.entityName];
  if (!objectType) return { changes: [], reconcile: null };
  const changedAt = new Date(header.commitTimestamp);
  const ids = header.recordIds.filter((id) => RECORD_ID.test(id));
  const what = `${header.changeType} on ${header.entityName}`;
  if (header.changeType === 'GAP_OVERFLOW') {
    return { changes: [], reconcile: `Salesforce sent an overflow event (${what}): a transaction changed more records than Change Data Capture reports one by one` };
  }
  const kind = KINDS[header.changeType];
  if (!kind) {
    // SNAPSHOT is reserved; anything new is treated as a change of the named records.
    return { changes: ids.map((crmId) => ({ objectType, crmId, changedAt, kind: 'change' })), reconcile: null };
  }
  const changes = ids.map((crmId) => ({ objectType, crmId, changedAt, kind }));
  const wildcard = ids.length < header.recordIds.length;
  if (kind === 'gap') return { changes, reconcile: `Salesforce sent a gap event (${what}, ${header.recordIds.join(', ') || 'no record ids'})` };
  if (wildcard) return { changes, reconcile: `Salesforce reported a change to every ${header.entityName} (${header.recordIds.join(', ')})` };
  return { changes, reconcile: null };
}

/**
 * Replay ids are opaque bytes ("Event Message Durability": subscribers must not compute them); they
 * are stored and compared as given. Hex is how they are shown.
 */
export function replayIdText(replayId: Uint8Array | null | undefined): string {
  return replayId && replayId.length > 0 ? Buffer.from(replayId).toString('hex') : 'none';
}
