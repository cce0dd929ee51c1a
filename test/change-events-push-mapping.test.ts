// How the worker hands Salesforce change events to the push workflow: each kind in the workflow's
// terms, gap events left to the reconciliation, and an event id that a batch handed over again
// repeats (so it is recognised as a duplicate).
import { describe, expect, it } from 'vitest';
import type { PushedChange } from '../crm/salesforce/change-events/types.js';
import { toPushChange } from '../sync/push.js';
import { toPushEvents } from '../worker/change-events.js';

const at = new Date('2026-12-05T09:00:00.123Z');
const change = (kind: PushedChange['kind'], crmId = '003000000000001AAA', objectType: PushedChange['objectType'] = 'contact'): PushedChange =>
  ({ objectType, crmId, changedAt: at, kind });

describe('toPushEvents (Salesforce change events for the push workflow)', () => {
  it.each([
    ['change', 'change'],
    ['undelete', 'restore'],
    ['delete', 'delete'],
  ] as const)('hands a %s on as %s, with the commit time', (kind, pushed) => {
    expect(toPushEvents([change(kind)])).toEqual([
      { eventId: `contact:003000000000001AAA:${at.getTime()}:${pushed}`, objectType: 'contact', crmId: '003000000000001AAA', kind: pushed, changedAt: at.toISOString() },
    ]);
  });

  it('leaves gap events out (the subscriber asked for a full reconciliation for them) and keeps the others of the batch', () => {
    const events = toPushEvents([change('gap'), change('change', '001000000000001AAA', 'company'), change('gap', '003000000000002AAA')]);
    expect(events.map((e) => [e.objectType, e.crmId, e.kind])).toEqual([['company', '001000000000001AAA', 'change']]);
  });

  it('gives the same event the same id when its batch comes again, and different commits different ids', () => {
    const first = toPushEvents([change('change')]);
    expect(toPushEvents([change('change')])).toEqual(first);
    const later = toPushEvents([{ ...change('change'), changedAt: new Date(at.getTime() + 1) }]);
    expect(later[0]!.eventId).not.toBe(first[0]!.eventId);
  });

  it('makes changes the push path accepts as they are', () => {
    for (const event of toPushEvents([change('change'), change('undelete', '003000000000002AAA'), change('delete', '003000000000003AAA')])) {
      expect(() => toPushChange(event)).not.toThrow();
    }
  });
});
