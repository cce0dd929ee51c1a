// derivePerson's phones (vips.phones): what a lookup by phone finds a person by, decided from their
// CRM records alone, and compared like every other derived column so an unchanged person is not
// rewritten.
import { describe, expect, it } from 'vitest';
import { derivePerson } from '../vip/person.js';
import type { DeriveContext, ExistingVip, PersonInput, PersonRecord } from '../vip/person-types.js';
import { loadRules } from '../vip/rules.js';

const ctx: DeriveContext = { rules: loadRules(), defaultCountry: 'US', staleGraceDays: 30, now: new Date('2026-04-01T00:00:00.000Z') };

function record(overrides: Partial<PersonRecord>): PersonRecord {
  return {
    connectionId: 'hubspot', system: 'hubspot', crmId: '201', firstName: 'Ada', lastName: 'Lovelace', title: null,
    phone: null, ownerId: null, explicitLevel: null, properties: {}, modifiedAt: new Date('2026-03-01T00:00:00Z'),
    deletedAt: null, deletionKind: null, mergedIntoId: null, companyCrmId: null, company: null, ...overrides,
  };
}

const person = (records: PersonRecord[], existing: ExistingVip | null = null): PersonInput =>
  ({ email: 'ada@acme.com', records, previousRefs: [], movedAway: [], existing });

describe('derivePerson: phones', () => {
  const hubspot = record({ phone: '(415) 555-2671', properties: { phone: '(415) 555-2671', mobilephone: '+1 650 555 0100' } });
  const salesforce = record({
    connectionId: 'salesforce', system: 'salesforce', crmId: '003A', phone: '+44 20 7946 0958',
    properties: { Phone: '+44 20 7946 0958', MobilePhone: '415.555.2671' },
  });

  it('holds every phone and mobile of every live record, once each, in E.164, sorted', () => {
    expect(derivePerson(person([hubspot, salesforce]), ctx).columns.phones).toEqual(['+14155552671', '+16505550100', '+442079460958']);
  });

  it('leaves out a deleted record\'s numbers, though the shown phone may still come from it', () => {
    const deleted = { ...salesforce, deletedAt: new Date('2026-03-15Z'), deletionKind: 'deleted' };
    const decision = derivePerson(person([deleted]), ctx);
    expect(decision.columns.phones).toEqual([]);
    expect(decision.columns.phone).toBe('+442079460958');
  });

  it('reads a mobile held only by the mobile field (no main phone)', () => {
    const mobileOnly = record({ phone: '(650) 555-0199', properties: { mobilephone: '(650) 555-0199' } });
    expect(derivePerson(person([mobileOnly]), ctx).columns.phones).toEqual(['+16505550199']);
  });

  it('reads numbers without a prefix in the configured country', () => {
    const london = record({ properties: { phone: '020 7946 0958' } });
    expect(derivePerson(person([london]), { ...ctx, defaultCountry: 'GB' }).columns.phones).toEqual(['+442079460958']);
    expect(derivePerson(person([london]), ctx).columns.phones).toEqual([]);
  });

  it('an unchanged person is not rewritten; a changed mobile alone rewrites them', () => {
    const first = derivePerson(person([hubspot]), ctx).columns;
    const existing: ExistingVip = { ...first, manualLevel: null };
    expect(derivePerson(person([hubspot], existing), ctx).changed).toBe(false);
    const newMobile = { ...hubspot, properties: { ...hubspot.properties, mobilephone: '+1 650 555 0142' } };
    const again = derivePerson(person([newMobile], existing), ctx);
    expect(again.changed).toBe(true);
    expect(again.columns.phones).toEqual(['+14155552671', '+16505550142']);
    expect(again.columns.phone).toBe(first.phone);
  });
});
