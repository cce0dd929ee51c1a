// HubSpot webhook events into the push path's changes, and the v3 signature as the official SDK's
// helper checks it (with what the helper leaves to its caller: malformed and future timestamps).
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { changesOfEvent, webhookBodyProblem } from '../crm/hubspot/webhook-events.js';
import { verifyHubSpotSignature } from '../crm/hubspot/webhook-signature.js';
import { toPushChange } from '../sync/push.js';

const at = Date.parse('2026-12-05T10:00:00.000Z');
const base = { eventId: 42, subscriptionId: 7, portalId: 1, occurredAt: at, attemptNumber: 0 };

describe('changesOfEvent', () => {
  it('a contact property the sync reads is a change of that contact, keyed by subscription and event id', () => {
    expect(changesOfEvent({ ...base, subscriptionType: 'contact.propertyChange', objectId: 201, propertyName: 'vip_level' })).toEqual([
      { eventId: '7:42', objectType: 'contact', crmId: '201', changedAt: '2026-12-05T10:00:00.000Z', kind: 'change' },
    ]);
  });
  it('a property the sync does not read is nothing', () => {
    expect(changesOfEvent({ ...base, subscriptionType: 'contact.propertyChange', objectId: 201, propertyName: 'hs_analytics_num_visits' })).toEqual([]);
  });
  it('creation, deletion, privacy deletion and restore of contacts and companies', () => {
    const kinds = (type: string) => changesOfEvent({ ...base, subscriptionType: type, objectId: 9 }).map((c) => [c.objectType, c.kind]);
    expect(kinds('contact.creation')).toEqual([['contact', 'change']]);
    expect(kinds('company.deletion')).toEqual([['company', 'delete']]);
    expect(kinds('contact.privacyDeletion')).toEqual([['contact', 'delete']]);
    expect(kinds('company.restore')).toEqual([['company', 'restore']]);
    expect(kinds('company.propertyChange')).toEqual([['company', 'change']]);
  });
  it('a merge names the survivor and every id merged away, each its own change', () => {
    const changes = changesOfEvent({ ...base, subscriptionType: 'contact.merge', objectId: 300, primaryObjectId: 300, mergedObjectIds: [301, 302], newObjectId: 300 });
    expect(changes.map((c) => [c.eventId, c.crmId, c.kind])).toEqual([['7:42', '300', 'merge'], ['7:42#1', '301', 'merge'], ['7:42#2', '302', 'merge']]);
  });
  it('an association between a contact and a company is a change of the contact, from either side', () => {
    expect(changesOfEvent({ ...base, subscriptionType: 'contact.associationChange', fromObjectId: 201, toObjectId: 101, associationType: 'CONTACT_TO_COMPANY' })
      .map((c) => [c.objectType, c.crmId, c.kind])).toEqual([['contact', '201', 'association']]);
    expect(changesOfEvent({ ...base, subscriptionType: 'company.associationChange', fromObjectId: 101, toObjectId: 201, associationType: 'COMPANY_TO_CONTACT' })
      .map((c) => [c.objectType, c.crmId])).toEqual([['contact', '201']]);
    expect(changesOfEvent({ ...base, subscriptionType: 'contact.associationChange', fromObjectId: 201, toObjectId: 5, associationType: 'CONTACT_TO_DEAL' })).toEqual([]);
  });
  it('generic object.* subscriptions by object type id; deals and unknown actions are nothing', () => {
    expect(changesOfEvent({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-2', objectId: 101 }).map((c) => c.objectType)).toEqual(['company']);
    expect(changesOfEvent({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-3', objectId: 1 })).toEqual([]);
    expect(changesOfEvent({ ...base, subscriptionType: 'deal.creation', objectId: 1 })).toEqual([]);
    expect(changesOfEvent({ ...base, subscriptionType: 'contact.somethingNew', objectId: 1 })).toEqual([]);
  });
  it('a body that is not an array of events says what is wrong', () => {
    expect(webhookBodyProblem({})).toMatch(/JSON array/);
    expect(webhookBodyProblem([{ subscriptionType: 'contact.creation' }])).toBe('event 0 has no eventId or subscriptionType');
    expect(webhookBodyProblem([base])).toBe('event 0 has no eventId or subscriptionType');
    expect(webhookBodyProblem([{ ...base, subscriptionType: 'contact.creation' }])).toBeNull();
  });
});

describe('verifyHubSpotSignature (v3, through @hubspot/api-client Signature.isValid)', () => {
  const secret = 'app-client-secret';
  const url = 'https://vipsync.example.com/v1/webhooks/hubspot/hubspot';
  const body = '[{"eventId":1}]';
  // Computed independently of the SDK: base64(HMAC-SHA256(secret, method + URI + body + timestamp)).
  const sign = (ts: number, b = body, u = url) => createHmac('sha256', secret).update(`POST${u}${b}${ts}`).digest('base64');
  const now = Date.now();

  it('accepts HubSpot\'s signature of this method, URL, body and timestamp', () => {
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(now), timestamp: String(now) }, secret)).toEqual({ ok: true });
  });
  it('refuses another body, URL, secret or timestamp', () => {
    const refused = (r: object) => verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(now), timestamp: String(now), ...r }, secret);
    expect(refused({ body: '[{"eventId":2}]' })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(refused({ url: `${url}x` })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(refused({ timestamp: String(now - 1) })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(now), timestamp: String(now) }, 'other')).toEqual({ ok: false, reason: 'signature does not match' });
  });
  it('refuses a request older than 5 minutes even correctly signed, and one more than 5 minutes ahead', () => {
    const old = now - 5 * 60_000 - 1_000;
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(old), timestamp: String(old) }, secret)).toMatchObject({ ok: false, reason: expect.stringMatching(/old/) });
    const ahead = now + 6 * 60_000;
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(ahead), timestamp: String(ahead) }, secret)).toMatchObject({ ok: false, reason: expect.stringMatching(/future/) });
  });
  it('refuses a missing signature and a missing or non-numeric timestamp (the helper alone lets NaN through)', () => {
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: undefined, timestamp: String(now) }, secret)).toMatchObject({ ok: false, reason: /no X-HubSpot-Signature-v3/ });
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(now), timestamp: undefined }, secret)).toMatchObject({ ok: false, reason: /malformed/ });
    expect(verifyHubSpotSignature({ method: 'POST', url, body, signature: sign(now), timestamp: 'NaN' }, secret)).toMatchObject({ ok: false, reason: /malformed/ });
  });
});

describe('toPushChange (what pushChanges accepts)', () => {
  it('takes a Date, ISO text or epoch ms, and names the field at fault', () => {
    const change = { objectType: 'contact', crmId: '1', kind: 'change' } as const;
    expect(toPushChange({ ...change, changedAt: new Date(at) }).changedAt).toBe('2026-12-05T10:00:00.000Z');
    expect(toPushChange({ ...change, changedAt: at }).changedAt).toBe('2026-12-05T10:00:00.000Z');
    expect(() => toPushChange({ ...change, changedAt: 'yesterday' }, 3)).toThrow('changes[3].changedAt: "yesterday" is not a time');
    expect(() => toPushChange({ ...change, objectType: 'deal' as never, changedAt: at })).toThrow(/objectType/);
    expect(() => toPushChange({ ...change, kind: 'update' as never, changedAt: at })).toThrow(/kind/);
    expect(() => toPushChange({ ...change, crmId: '', changedAt: at })).toThrow(/crmId/);
  });
});
