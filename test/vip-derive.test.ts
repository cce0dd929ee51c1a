// derivePerson: everything decided about one person, from their CRM records and current row.
import { describe, expect, it } from 'vitest';
import { levelDistribution } from '../vip/distribution.js';
import { mergePersonFields, type MergeRecord } from '../vip/merge.js';
import { derivePerson } from '../vip/person.js';
import type { DeriveContext, ExistingVip, PersonInput, PersonRecord } from '../vip/person-types.js';
import { sameJson } from '../vip/same-json.js';
import { loadRules } from '../vip/rules.js';

const NOW = new Date('2026-04-01T00:00:00.000Z');
const ctx: DeriveContext = { rules: loadRules(), defaultCountry: 'US', staleGraceDays: 30, now: NOW };
const EMAIL = 'ada@acme.com';

function hs(overrides: Partial<PersonRecord> = {}): PersonRecord {
  return {
    connectionId: 'hubspot', system: 'hubspot', crmId: '201', firstName: 'Ada', lastName: 'Lovelace', title: 'Engineer',
    phone: '(415) 555-2671', ownerId: null, explicitLevel: null, properties: {}, modifiedAt: new Date('2026-03-01T00:00:00Z'),
    deletedAt: null, deletionKind: null, mergedIntoId: null, companyCrmId: '101',
    company: { name: 'Acme Corp', domain: 'acme.com', properties: {} }, ...overrides,
  };
}

function sf(overrides: Partial<PersonRecord> = {}): PersonRecord {
  return hs({
    connectionId: 'salesforce', system: 'salesforce', crmId: '003A', modifiedAt: new Date('2026-03-02T00:00:00Z'),
    companyCrmId: '001A', company: { name: 'Acme Inc', domain: 'acme.com', properties: {} }, ...overrides,
  });
}

function person(records: PersonRecord[], existing: ExistingVip | null = null, extra: Partial<PersonInput> = {}): PersonInput {
  return { email: EMAIL, records, previousRefs: [], movedAway: [], existing, ...extra };
}

/** The row a first derivation writes, as read back, so a second derivation can start from it. */
function asExisting(input: PersonInput, overrides: Partial<ExistingVip> = {}): ExistingVip {
  const c = derivePerson(input, ctx).columns;
  return { ...c, manualLevel: null, ...overrides };
}

describe('mergePersonFields: most recently modified value wins per field', () => {
  const older: MergeRecord = { connectionId: 'hubspot', crmId: '1', live: true, modifiedAt: new Date('2026-01-01Z'), firstName: 'Ada', lastName: 'Lovelace', title: 'CEO', phone: '415 555 2671', companyName: 'Acme' };
  const newer: MergeRecord = { connectionId: 'salesforce', crmId: '2', live: true, modifiedAt: new Date('2026-02-01Z'), firstName: 'Ada', lastName: 'King', title: null, phone: 'n/a', companyName: null };

  it('takes each field from the newest record that has a usable value and records where it came from', () => {
    expect(mergePersonFields([older, newer], 'US')).toEqual({
      name: 'Ada King', company: 'Acme', phone: '+14155552671', title: 'CEO',
      sources: {
        name: { connectionId: 'salesforce', crmId: '2', modifiedAt: '2026-02-01T00:00:00.000Z' },
        company: { connectionId: 'hubspot', crmId: '1', modifiedAt: '2026-01-01T00:00:00.000Z' },
        phone: { connectionId: 'hubspot', crmId: '1', modifiedAt: '2026-01-01T00:00:00.000Z' },
        title: { connectionId: 'hubspot', crmId: '1', modifiedAt: '2026-01-01T00:00:00.000Z' },
      },
    });
  });

  it.each([
    ['live beats newer deleted', [{ ...older }, { ...newer, live: false, lastName: 'Gone' }], 'Ada Lovelace'],
    ['a dated record beats an undated one', [{ ...older, modifiedAt: null, lastName: 'Undated' }, { ...newer, modifiedAt: new Date('2020-01-01Z') }], 'Ada King'],
    ['ties go to the connection id, whatever the order', [{ ...newer, modifiedAt: older.modifiedAt, connectionId: 'b' }, { ...older, connectionId: 'a' }], 'Ada Lovelace'],
    ['whitespace is tidied', [{ ...older, firstName: '  Ada ', lastName: ' Lovelace  ' }], 'Ada Lovelace'],
  ])('%s', (_why, records, name) => {
    expect(mergePersonFields(records as MergeRecord[], 'US').name).toBe(name);
  });

  it('reads numbers without a prefix in the default country', () => {
    expect(mergePersonFields([{ ...older, phone: '020 7946 0958' }], 'GB').phone).toBe('+442079460958');
  });
});

describe('derivePerson: levels and reasons', () => {
  it('one person in two CRMs: the highest explicit level wins and the reason names both', () => {
    const d = derivePerson(person([hs({ explicitLevel: 5 }), sf({ explicitLevel: 3 })]), ctx);
    expect(d.columns).toMatchObject({ level: 5, levelSource: 'crm', crmLevel: 5, validated: true, validatedBy: ['hubspot', 'salesforce'], validatedAt: NOW });
    expect(d.columns.levelReason).toBe('HubSpot vip_level = 5 on contact 201 (connection hubspot); the highest explicit level wins over Salesforce VIP_Level__c = 3 on contact 003A (connection salesforce)');
    expect(d.refs.map((r) => [r.connectionId, r.crmId, r.status])).toEqual([['hubspot', '201', 'live'], ['salesforce', '003A', 'live']]);
    expect(d.levelChange).toEqual({ oldLevel: null, newLevel: 5, reason: d.columns.levelReason });
  });

  it('an explicit level beats a higher rule', () => {
    const d = derivePerson(person([hs({ explicitLevel: 1, title: 'CEO' })]), ctx);
    expect(d.columns.level).toBe(1);
  });

  it('without an explicit level the best rule over every live record decides, with the rule and facts as the reason', () => {
    const d = derivePerson(person([hs({ title: 'Director of Sales' }), sf({ title: 'CEO', company: { name: 'Acme', domain: 'acme.com', properties: { AnnualRevenue: 2e9 } } })]), ctx);
    expect(d.columns.level).toBe(5);
    expect(d.columns.levelReason).toBe('rule "strategic-executive" (C-suite or founder at an account with at least $1B annual revenue): title "CEO" is c-suite, account annual revenue 2000000000 >= 1000000000 on contact 003A (connection salesforce)');
  });

  it('no explicit level and no rule: not a VIP, and says why', () => {
    const d = derivePerson(person([hs()]), ctx);
    expect(d.columns).toMatchObject({ level: null, levelSource: null, levelReason: 'no explicit VIP level in any CRM and no rule matched' });
    expect(d.levelChange).toBeNull();
  });

  it('deleted records give no level', () => {
    const d = derivePerson(person([hs({ explicitLevel: 5, deletedAt: NOW, deletionKind: 'archived' })]), ctx);
    expect(d.columns).toMatchObject({ level: null, crmLevel: null, validated: false, validatedBy: [], validatedAt: null, stale: true });
  });

  it('a manual level is never overwritten; the CRM level is kept beside it', () => {
    const existing = asExisting(person([hs()]), { level: 2, levelSource: 'manual', levelReason: 'set by alice', manualLevel: 2 });
    const d = derivePerson(person([hs({ explicitLevel: 5 })], existing), ctx);
    expect(d.columns).toMatchObject({ level: 2, levelSource: 'manual', levelReason: 'set by alice', crmLevel: 5 });
    expect(d.columns.crmLevelReason).toContain('vip_level = 5');
    expect(d.levelChange).toBeNull();
  });

  it('re-deriving unchanged data changes nothing', () => {
    const input = person([hs({ explicitLevel: 3 }), sf()]);
    const existing = asExisting(input);
    const d = derivePerson({ ...input, existing, previousRefs: derivePerson(input, ctx).refs.map((r) => ({ ...r, baselineCompanyMergedIntoId: null, firstSeenAt: NOW })) }, { ...ctx, now: new Date('2026-05-01Z') });
    expect(d).toMatchObject({ changed: false, refsChanged: false, levelChange: null });
    expect(d.columns.validatedAt).toEqual(NOW);
  });

  it('a level change is recorded with old and new level', () => {
    const existing = asExisting(person([hs({ explicitLevel: 2 })]));
    expect(derivePerson(person([hs({ explicitLevel: 4 })], existing), ctx).levelChange).toMatchObject({ oldLevel: 2, newLevel: 4 });
    expect(derivePerson(person([hs()], existing), ctx).levelChange).toEqual({ oldLevel: 2, newLevel: null, reason: 'no explicit VIP level in any CRM and no rule matched' });
  });

  it('keeps CRM values the CRMs no longer hold rather than blanking them', () => {
    const existing = asExisting(person([hs()]), { phone: '+14155550000', name: 'Typed By Admin' });
    const d = derivePerson(person([hs({ phone: null, firstName: null, lastName: null })], existing), ctx);
    expect(d.columns).toMatchObject({ phone: '+14155550000', name: 'Typed By Admin', company: 'Acme Corp' });
  });
});

describe('derivePerson: stale, grace period and baseline', () => {
  const baselineRefs = (records: PersonRecord[]) => derivePerson(person(records), ctx).refs.map((r) => ({ ...r, baselineCompanyMergedIntoId: null, firstSeenAt: NOW }));

  it('a moved contact is stale from now, and the old company stays the baseline while the signal lasts', () => {
    const before = [hs({ explicitLevel: 4 })];
    const previousRefs = baselineRefs(before);
    const existing = asExisting(person(before));
    const moved = [hs({ explicitLevel: 4, companyCrmId: '102', company: { name: 'Initech', domain: 'initech.com', properties: {} } })];
    const d = derivePerson(person(moved, existing, { previousRefs }), ctx);
    expect(d.columns).toMatchObject({ stale: true, staleSince: NOW, level: 4 });
    expect(d.columns.staleEvidence!.map((s) => s.kind)).toEqual(['company-changed', 'domain-mismatch']);
    expect(d.refs[0]).toMatchObject({ baselineCompanyCrmId: '101', baselineDomainMatched: true });
    expect(d.levelChange).toBeNull();
  });

  it('after the grace period an unconfirmed stale VIP is demoted, with the reason in the history', () => {
    const records = [hs({ explicitLevel: 4, title: 'Former CEO' })];
    const existing = asExisting(person(records), { stale: true, staleSince: new Date('2026-02-01Z'), level: 4 });
    const d = derivePerson(person(records, existing, { previousRefs: baselineRefs(records) }), ctx);
    expect(d.columns).toMatchObject({ level: null, levelSource: 'crm', crmLevel: 4, stale: true });
    expect(d.columns.levelReason).toMatch(/^demoted: stale since 2026-02-01, more than 30 days without an admin confirming/);
    expect(d.levelChange).toMatchObject({ oldLevel: 4, newLevel: null });
  });

  it.each([
    ['within the grace period', { staleSince: new Date('2026-03-15Z') }],
    ['confirmed by an admin', { staleSince: new Date('2026-01-01Z'), staleConfirmedAt: new Date('2026-01-05Z') }],
    ['with a manual level', { staleSince: new Date('2026-01-01Z'), manualLevel: 4, levelSource: 'manual' as const }],
  ])('is not demoted %s', (_why, overrides) => {
    const records = [hs({ explicitLevel: 4, title: 'Former CEO' })];
    const existing = asExisting(person(records), { stale: true, level: 4, ...overrides });
    expect(derivePerson(person(records, existing), ctx).columns.level).toBe(4);
  });

  it('comes back when the signal goes away', () => {
    const records = [hs({ explicitLevel: 4 })];
    const existing = asExisting(person(records), { stale: true, staleSince: new Date('2026-01-01Z'), level: null, staleConfirmedAt: null });
    const d = derivePerson(person(records, existing), ctx);
    expect(d.columns).toMatchObject({ stale: false, staleSince: null, level: 4 });
    expect(d.levelChange).toMatchObject({ oldLevel: null, newLevel: 4 });
  });

  it('a contact that now has another email leaves its old person stale and unvalidated', () => {
    const records = [hs({ explicitLevel: 3 })];
    const existing = asExisting(person(records));
    const d = derivePerson(person([], existing, {
      previousRefs: baselineRefs(records),
      movedAway: [{ connectionId: 'hubspot', system: 'hubspot', crmId: '201', currentEmail: 'ada@newco.com' }],
    }), ctx);
    expect(d.columns).toMatchObject({ validated: false, stale: true, level: null });
    expect(d.refs).toMatchObject([{ crmId: '201', status: 'email-changed', baselineCompanyCrmId: '101' }]);
  });
});

describe('levelDistribution', () => {
  it('warns when a level holds more than its allowed share of VIPs', () => {
    const d = levelDistribution({ 5: 30, 4: 20, 3: 50 }, 1000, { 5: 0.1, 4: 0.25 });
    expect(d.vips).toBe(100);
    expect(d.levels[0]).toEqual({ level: 5, count: 30, share: 0.3, maxShare: 0.1 });
    expect(d.warnings).toEqual(['level inflation: 30.0% of VIPs (30 of 100) are at level 5, more than the 10.0% the rules file allows; review the rules or the CRMs\' explicit levels']);
  });

  it.each([
    [{ 5: 10, 3: 90 }, 0], // exactly at the limit is fine
    [{ 5: 1, 1: 1 }, 10], // too few VIPs to judge
    [{}, 0],
  ])('%j (min %i VIPs): no warning', (counts, minVips) => {
    expect(levelDistribution(counts, 100, { 5: 0.1 }, minVips).warnings).toEqual([]);
  });
});

/** The meaning sameJson must have: equal key-sorted JSON text. */
function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  const parts = Object.keys(value).sort().flatMap((key) => {
    const v = (value as Record<string, unknown>)[key];
    return v === undefined || typeof v === 'function' ? [] : [`${JSON.stringify(key)}:${canonicalJson(v)}`];
  });
  return `{${parts.join(',')}}`;
}

describe('sameJson: the same JSON whatever the key order', () => {
  const at = '2026-01-02T03:04:05.000Z';
  const values: unknown[] = [
    null, undefined, 0, -0, 3, Number.NaN, Number.POSITIVE_INFINITY, '', '3', 'a"b', true, false,
    [], {}, [null], [undefined], [1, undefined, null, 'x'], [1, null, null, 'x'], [1, 2], [2, 1], ['1'],
    { a: 1 }, { a: 1, b: undefined }, { a: 1, f: () => 1 }, { a: null }, { b: 1 }, { a: '1' }, { a: [1] }, { a: { b: 1 } },
    { b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }, { a: { c: null, d: [2, { y: 2, z: 1 }] }, b: 1 },
    { a: { c: null, d: [2, { y: 2, z: 2 }] }, b: 1 }, { a: { d: [2, { y: 2, z: 1 }] }, b: 1 },
    { at: new Date(at) }, { at }, { at: new Date('2026-01-02T03:04:06.000Z') }, { at: new Date(Number.NaN) }, { at: null },
    [new Date(at)], [at], { 0: 'x' }, ['x'],
    { kind: 'title', detail: { from: 'CTO', to: 'Former CTO' }, crmId: '7' },
    { crmId: '7', detail: { to: 'Former CTO', from: 'CTO' }, kind: 'title' },
    { crmId: '7', detail: { to: 'Former CTO', from: 'CEO' }, kind: 'title' },
  ];

  it('agrees with comparing key-sorted JSON text, for every pair', () => {
    let equalPairs = 0;
    for (const a of values) {
      for (const b of values) {
        const expected = canonicalJson(a) === canonicalJson(b);
        if (expected) equalPairs += 1;
        expect(sameJson(a, b), `${canonicalJson(a)} vs ${canonicalJson(b)}`).toBe(expected);
      }
    }
    // Not only the diagonal: key order, omitted members, Dates as text and NaN as null all meet.
    expect(equalPairs).toBeGreaterThan(values.length + 20);
  });

  it('reads a value back from JSON text as the value it was written from', () => {
    const evidence = [{ kind: 'title', at: new Date(at), detail: { from: 'CTO', to: 'Former CTO' }, skip: undefined }];
    const stored = JSON.parse(JSON.stringify(evidence)) as unknown;
    expect(sameJson(evidence, stored)).toBe(true);
    expect(sameJson(evidence, [{ ...evidence[0], at: new Date('2026-01-02T03:04:06.000Z') }])).toBe(false);
  });
});
