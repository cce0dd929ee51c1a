// What `vipsync doctor` says about a connection's push path.
import { describe, expect, it } from 'vitest';
import { pushCheck } from '../cli/doctor/push-check.js';
import type { PushStateView } from '../sync/push-store.js';

const now = new Date('2026-12-05T10:00:00.000Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
const state = (over: Partial<PushStateView> = {}): PushStateView => ({
  connectionId: 'hubspot', lastReceivedAt: secondsAgo(12), eventsReceived: 40, duplicatesReceived: 2, rejectedRequests: 1,
  lastAppliedAt: secondsAgo(11), recordsApplied: 38, staleReadsSkipped: 0, lastLagMs: 640, notHandedOff: 0, ...over,
});

describe('pushCheck', () => {
  it('off and never used: ok, saying changes come with the sync', () => {
    expect(pushCheck('hubspot', false, undefined, now)).toMatchObject({ verdict: 'ok', detail: expect.stringMatching(/^off/) });
  });
  it('configuration not in this environment and never used: nothing to say', () => {
    expect(pushCheck('hubspot', undefined, undefined, now)).toBeNull();
  });
  it('on but no event yet: warn, naming the route', () => {
    expect(pushCheck('hubspot', true, undefined, now)).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('/v1/webhooks/<crm>/hubspot') });
    expect(pushCheck('salesforce', true, undefined, now, 'salesforce')).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('no change event handed on yet: is the worker running') });
  });
  it('working: last received and applied, the lag and the counts', () => {
    expect(pushCheck('hubspot', true, state(), now)).toEqual({
      check: 'connection hubspot: push', verdict: 'ok',
      detail: 'on; last event received 12 s ago, last applied 11 s ago; lag 640 ms (the CRM\'s change to applied); 40 events, 2 duplicates, 1 refused requests, 0 older reads left alone',
    });
  });
  it('events not handed to Temporal: warn', () => {
    expect(pushCheck('hubspot', true, state({ notHandedOff: 3 }), now)).toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/3 events not handed to Temporal/) });
    expect(pushCheck('salesforce', true, state({ notHandedOff: 3 }), now, 'salesforce'))
      .toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/3 events not handed to Temporal yet: can the worker reach Temporal\? \(its subscriber hands them on again/) });
  });
  it('received long ago and never applied since: warn, asking for a worker', () => {
    expect(pushCheck('hubspot', true, state({ lastReceivedAt: secondsAgo(300), lastAppliedAt: secondsAgo(900) }), now))
      .toMatchObject({ verdict: 'warn', detail: expect.stringMatching(/is a worker running/) });
    expect(pushCheck('hubspot', true, state({ lastReceivedAt: secondsAgo(300), lastAppliedAt: null }), now)).toMatchObject({ verdict: 'warn' });
    // Just received, not applied yet: not overdue.
    expect(pushCheck('hubspot', true, state({ lastReceivedAt: secondsAgo(2), lastAppliedAt: secondsAgo(400) }), now)).toMatchObject({ verdict: 'ok' });
  });
});
