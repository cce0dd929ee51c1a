// The pure parts of the Salesforce Change Data Capture subscriber and its emulator: reading a
// ChangeEventHeader, classifying Pub/Sub API failures, backoff, replay positions on the event bus.
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifyPubSubError } from '../crm/salesforce/change-events/errors.js';
import { changeEventHeader, readChangeEvent, replayIdText, type ChangeEventHeader } from '../crm/salesforce/change-events/header.js';
import { orgIdFromIdentityUrl } from '../crm/salesforce/change-events/session.js';
import { salesforceConnectionSchema } from '../crm/salesforce/config.js';
import { PUBSUB_ERROR } from '../crm/salesforce/pubsub/proto.js';
import { changeEventSchema, encodeChangeEvent, fieldBitmap } from '../emulators/salesforce/change-event-schema.js';
import { ChangeEventBus, decodeReplayId, encodeReplayId } from '../emulators/salesforce/event-bus.js';
import { buildSchemas } from '../emulators/salesforce/schema.js';
import type { RecordChange } from '../emulators/salesforce/store.js';

const AT = Date.UTC(2026, 11, 5, 9, 0, 0);
const header = (changeType: string, recordIds: string[], entityName = 'Contact'): ChangeEventHeader =>
  ({ entityName, recordIds, changeType, commitTimestamp: AT });

describe('readChangeEvent', () => {
  it.each([
    ['CREATE', 'change'], ['UPDATE', 'change'], ['DELETE', 'delete'], ['UNDELETE', 'undelete'],
  ] as const)('%s of a contact is a %s of that contact, at the commit time, with no reconciliation', (changeType, kind) => {
    expect(readChangeEvent(header(changeType, ['003000000000001AAA']))).toEqual({
      changes: [{ objectType: 'contact', crmId: '003000000000001AAA', changedAt: new Date(AT), kind }],
      reconcile: null,
    });
  });

  it('names an account a company and hands on every id of a merged event', () => {
    const read = readChangeEvent(header('UPDATE', ['001000000000001AAA', '001000000000002'], 'Account'));
    expect(read.changes.map((c) => [c.objectType, c.crmId])).toEqual([['company', '001000000000001AAA'], ['company', '001000000000002']]);
    expect(read.reconcile).toBeNull();
  });

  it.each(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE'])('%s hands the record on as a gap and asks for a reconciliation', (changeType) => {
    const read = readChangeEvent(header(changeType, ['003000000000001AAA']));
    expect(read.changes).toEqual([{ objectType: 'contact', crmId: '003000000000001AAA', changedAt: new Date(AT), kind: 'gap' }]);
    expect(read.reconcile).toBe(`Salesforce sent a gap event (${changeType} on Contact, 003000000000001AAA)`);
  });

  it('an overflow event names no records and asks for a reconciliation', () => {
    expect(readChangeEvent(header('GAP_OVERFLOW', [], 'Account'))).toEqual({
      changes: [],
      reconcile: 'Salesforce sent an overflow event (GAP_OVERFLOW on Account): a transaction changed more records than Change Data Capture reports one by one',
    });
  });

  it('a wildcard id (a change to every record of an object) is no record: reconcile', () => {
    const read = readChangeEvent(header('UPDATE', ['003*']));
    expect(read.changes).toEqual([]);
    expect(read.reconcile).toBe('Salesforce reported a change to every Contact (003*)');
  });

  it('objects vipsync does not sync (a custom channel may carry them) report nothing', () => {
    expect(readChangeEvent(header('UPDATE', ['006000000000001AAA'], 'Opportunity'))).toEqual({ changes: [], reconcile: null });
  });

  it('an unknown change type (SNAPSHOT is reserved) is a change of the named records', () => {
    expect(readChangeEvent(header('SNAPSHOT', ['003000000000001AAA'])).changes.map((c) => c.kind)).toEqual(['change']);
  });
});

describe('changeEventHeader', () => {
  const valid = { entityName: 'Contact', recordIds: ['003000000000001AAA'], changeType: 'UPDATE', commitTimestamp: AT, changeOrigin: 'x' };

  it('takes the fields it reads from a decoded event', () => {
    expect(changeEventHeader({ ChangeEventHeader: valid, Title: 'CEO' })).toEqual(header('UPDATE', ['003000000000001AAA']));
    expect(changeEventHeader({ ChangeEventHeader: { ...valid, commitTimestamp: BigInt(AT) } }).commitTimestamp).toBe(AT);
  });

  it.each([
    [{}, 'the event has no ChangeEventHeader: is the channel a Change Data Capture channel?'],
    [null, 'the event has no ChangeEventHeader: is the channel a Change Data Capture channel?'],
    [{ ChangeEventHeader: { ...valid, entityName: 1 } }, 'ChangeEventHeader.entityName is not a string'],
    [{ ChangeEventHeader: { ...valid, recordIds: 'x' } }, 'ChangeEventHeader.recordIds is not a list of ids'],
    [{ ChangeEventHeader: { ...valid, recordIds: [1] } }, 'ChangeEventHeader.recordIds is not a list of ids'],
    [{ ChangeEventHeader: { ...valid, changeType: null } }, 'ChangeEventHeader.changeType is not a string'],
    [{ ChangeEventHeader: { ...valid, commitTimestamp: 'now' } }, 'ChangeEventHeader.commitTimestamp is not a time'],
  ])('refuses %j naming the field', (decoded, message) => {
    expect(() => changeEventHeader(decoded)).toThrow(message);
  });
});

describe('the emulator\'s events decode to the header the subscriber reads', () => {
  it('an update carries the changed values, the bitmap of changed fields and the commit time', () => {
    const schema = changeEventSchema(buildSchemas({ Account: [], Contact: [] }).Contact);
    const change: RecordChange = {
      type: 'Contact', changeType: 'UPDATE', recordId: '003000000000001AAA', changedFields: ['Title', 'LastModifiedDate'],
      fields: { Title: 'CEO', LastName: 'Lovelace', LastModifiedDate: AT }, at: AT,
    };
    const decoded = schema.type.fromBuffer(encodeChangeEvent(schema, { change, changeType: 'UPDATE', commitNumber: 7, commitUser: '005' })) as Record<string, unknown>;
    expect(decoded.Title).toBe('CEO');
    expect(decoded.LastName).toBeNull();
    expect(changeEventHeader(decoded)).toEqual(header('UPDATE', ['003000000000001AAA']));
    expect((decoded.ChangeEventHeader as { changedFields: string[] }).changedFields).toEqual(fieldBitmap(schema, ['Title', 'LastModifiedDate']));
  });

  it('bit i of a field bitmap is the schema\'s i-th field, the header being field 0', () => {
    const schema = changeEventSchema(buildSchemas({ Account: [], Contact: [] }).Account);
    const first = schema.fields[0]!.name;
    const third = schema.fields[2]!.name;
    expect(fieldBitmap(schema, [first])).toEqual(['0x2']);
    expect(fieldBitmap(schema, [first, third])).toEqual(['0xA']);
    expect(fieldBitmap(schema, [])).toEqual([]);
    expect(fieldBitmap(schema, ['NoSuchField__c'])).toEqual([]);
  });
});

describe('classifyPubSubError', () => {
  const grpcError = (code: status, details: string, errorCode?: string) => {
    const metadata = new Metadata();
    if (errorCode) metadata.set('error-code', errorCode);
    return Object.assign(new Error(details), { code, details, metadata });
  };

  it('an invalid replay id, by its error code or (trailers lost) by its status and text', () => {
    expect(classifyPubSubError(grpcError(status.INVALID_ARGUMENT, 'The Replay ID validation failed.', PUBSUB_ERROR.replayIdCorrupted)))
      .toEqual({ kind: 'replay-invalid', message: `The Replay ID validation failed. (${PUBSUB_ERROR.replayIdCorrupted})` });
    expect(classifyPubSubError(grpcError(status.INVALID_ARGUMENT, 'replay id validation failed')).kind).toBe('replay-invalid');
    expect(classifyPubSubError(grpcError(status.INVALID_ARGUMENT, 'topic mismatch')).kind).toBe('retry');
  });

  it('refused credentials', () => {
    expect(classifyPubSubError(grpcError(status.UNAUTHENTICATED, 'An authentication exception occurred', PUBSUB_ERROR.auth)).kind).toBe('auth');
    expect(classifyPubSubError(grpcError(status.PERMISSION_DENIED, 'no access')).kind).toBe('auth');
  });

  it('an unknown channel', () => {
    expect(classifyPubSubError(grpcError(status.NOT_FOUND, 'Topic /data/Nope not found.')).kind).toBe('channel');
  });

  it('everything else is retried', () => {
    expect(classifyPubSubError(grpcError(status.UNAVAILABLE, 'RST_STREAM closed stream'))).toEqual({ kind: 'retry', message: 'RST_STREAM closed stream' });
    expect(classifyPubSubError(new Error('socket hang up'))).toEqual({ kind: 'retry', message: 'socket hang up' });
    expect(classifyPubSubError(undefined).kind).toBe('retry');
  });
});

describe('backoffMs', () => {
  it('doubles from the first wait up to the cap, jittered within the upper half', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 1000, 60_000, () => 1))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, 1000, 60_000, () => 0))).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(backoffMs(5000, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('replay ids', () => {
  it('are shown as hex, and "none" when there is none', () => {
    expect(replayIdText(Buffer.from([0, 0, 1, 255]))).toBe('000001ff');
    expect(replayIdText(null)).toBe('none');
    expect(replayIdText(Buffer.alloc(0))).toBe('none');
  });

  it('the emulator\'s round-trip as 8 bytes; anything else is not one of them', () => {
    expect(decodeReplayId(encodeReplayId(123456789n))).toBe(123456789n);
    expect(decodeReplayId(Buffer.from([1, 2, 3]))).toBeNull();
  });
});

describe('the emulator\'s event bus: where a subscription starts', () => {
  const change = (recordId: string): RecordChange => ({ type: 'Contact', changeType: 'UPDATE', recordId, changedFields: [], fields: {}, at: AT });

  it('LATEST after the newest, EARLIEST before the oldest retained, CUSTOM after the replay id given', () => {
    let now = 1_000;
    const bus = new ChangeEventBus(10_000, () => now);
    for (const id of ['a', 'b', 'c']) bus.publish(change(id));
    expect(bus.start('LATEST')).toEqual({ after: 3n });
    expect(bus.start('EARLIEST')).toEqual({ after: 0n });
    expect(bus.start('CUSTOM', encodeReplayId(1n))).toEqual({ after: 1n });
    expect(bus.after(1n, ['Contact'], 10).map((e) => e.change.recordId)).toEqual(['b', 'c']);
    expect(bus.after(0n, ['Contact'], 2).map((e) => e.change.recordId)).toEqual(['a', 'b']);
    expect(bus.after(0n, ['Account'], 10)).toEqual([]);
    now = 5_000;
    bus.publish(change('d'));
    now = 12_000; // a, b and c are older than the 10 s retention now
    expect(bus.start('EARLIEST')).toEqual({ after: 3n });
    expect(bus.start('CUSTOM', encodeReplayId(3n))).toEqual({ after: 3n });
    expect(bus.start('CUSTOM', encodeReplayId(2n))).toEqual({ error: 'corrupted' });
    expect(bus.start('CUSTOM', encodeReplayId(9n))).toEqual({ error: 'corrupted' });
    expect(bus.start('CUSTOM', Buffer.from('garbage'))).toEqual({ error: 'corrupted' });
    expect(bus.start('CUSTOM')).toEqual({ error: 'corrupted' });
  });
});

describe('the connection\'s changeEvents settings', () => {
  const base = { id: 'sf', system: 'salesforce', clientId: 'a', clientSecret: 'b' };

  it('are off by default, on the real endpoint, for Contact and Account', () => {
    expect(salesforceConnectionSchema.parse(base).changeEvents).toEqual({
      enabled: false, pubSubEndpoint: 'https://api.pubsub.salesforce.com:7443',
      channels: ['/data/ContactChangeEvent', '/data/AccountChangeEvent'], batchSize: 100,
    });
  });

  it('refuse a bad endpoint, channel or batch size, naming the field', () => {
    const result = salesforceConnectionSchema.safeParse({ ...base, changeEvents: { enabled: true, pubSubEndpoint: 'grpc://x:1', channels: ['Contact'], batchSize: 500 } });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'changeEvents.pubSubEndpoint: use https://host:port (e.g. https://api.pubsub.salesforce.com:7443)',
      'changeEvents.channels.0: a channel is /data/<Name>, e.g. /data/ContactChangeEvent',
      'changeEvents.batchSize: Too big: expected number to be <=100',
    ]);
  });
});

describe('orgIdFromIdentityUrl', () => {
  it('reads the org id from the token response\'s identity URL', () => {
    expect(orgIdFromIdentityUrl('https://acme.my.salesforce.com/id/00D5g000004EmuLEAS/0055g00000EmuLaAAB')).toBe('00D5g000004EmuLEAS');
    expect(orgIdFromIdentityUrl('https://acme.my.salesforce.com/services/oauth2/userinfo')).toBeNull();
  });
});
