import { describe, expect, it } from 'vitest';
import {
  emailMatchesCompanyDomain, hardBounce, isFreeMailDomain, nextStaleState, staleGraceExpired, staleSignalsFor,
  titleSaysDeparted, type StaleRecordInput,
} from '../vip/stale.js';

const T = new Date('2026-03-01T10:00:00.000Z');

function record(overrides: Partial<StaleRecordInput> = {}): StaleRecordInput {
  return {
    connectionId: 'hubspot', crmId: '201', title: 'CEO', properties: {}, modifiedAt: T, deletedAt: null, deletionKind: null,
    mergedIntoId: null, companyCrmId: '101', companyName: 'Acme Corp', companyDomain: 'acme.com',
    baseline: { companyCrmId: '101', domainMatched: true, companyMergedIntoId: null },
    ...overrides,
  };
}

const kinds = (email: string, records: StaleRecordInput[], moved = [] as Parameters<typeof staleSignalsFor>[2]) =>
  staleSignalsFor(email, records, moved).map((s) => s.kind);

describe('titleSaysDeparted', () => {
  it.each([
    'Former CEO', 'former VP Sales', 'Formerly Head of IT at Acme', 'ex-CTO', 'Ex CEO', 'EX-Founder', '(ex-Google) Advisor',
    'Retired', 'Retired CFO', 'CEO (retired)', 'No longer with the company', 'Resigned', 'Left', 'left the company',
    'Has left', 'Sales Director - left', 'Left in 2024', 'VP Sales (left)', 'left 2025', 'Departed',
  ])('%j says they left', (title) => {
    expect(titleSaysDeparted(title)).toBe(true);
  });

  it.each([
    'CEO', 'Executive Assistant', 'Flexible Workforce Lead', 'Expert Advisor', 'Export Manager', 'Exec Chair',
    'Left-handed Pitcher Coach', 'Left Bank Gallery Manager', 'Head of Left-Wing Policy', 'Retirement Plan Advisor',
    'Reformer', 'Performer', 'Platform Engineer', 'Latex Chemist', 'Tex-Mex Chef', 'Ex officio Board Member',
    'Exercise Physiologist', 'Cleft Palate Surgeon', 'Leftover Stock Analyst', '', null, undefined,
  ])('%j does not', (title) => {
    expect(titleSaysDeparted(title)).toBe(false);
  });
});

describe('hardBounce', () => {
  it.each([
    [{ hs_email_hard_bounce_reason_enum: 'BAD_EMAIL' }, 'HubSpot hard bounce (BAD_EMAIL)'],
    [{ hs_email_hard_bounce_reason_enum: 'UNKNOWN_USER' }, 'HubSpot hard bounce'],
    [{ hs_email_bad_address: 'true' }, 'hs_email_bad_address'],
    [{ hs_email_bad_address: true }, 'hs_email_bad_address'],
    [{ IsEmailBounced: true }, 'Salesforce email bounced'],
    [{ IsEmailBounced: 'true' }, 'Salesforce email bounced'],
    [{ EmailBouncedReason: '550 5.1.1 user unknown' }, 'Salesforce email bounced (550 5.1.1 user unknown)'],
    [{ EmailBouncedDate: '2026-02-01T00:00:00.000+0000' }, 'Salesforce email bounced'],
  ])('%j bounced', (properties, detail) => {
    expect(hardBounce(properties)?.detail).toContain(detail);
  });

  it('takes the bounce time from EmailBouncedDate', () => {
    expect(hardBounce({ IsEmailBounced: true, EmailBouncedDate: '2026-02-01T08:00:00.000+0000' })?.at).toBe('2026-02-01T08:00:00.000Z');
  });

  it.each([
    [{}], [{ hs_email_hard_bounce_reason_enum: '' }], [{ hs_email_hard_bounce_reason_enum: null }],
    [{ hs_email_hard_bounce_reason_enum: 'NONE' }], [{ hs_email_bad_address: 'false' }], [{ hs_email_bad_address: '' }],
    [{ IsEmailBounced: false, EmailBouncedReason: null, EmailBouncedDate: null }], [{ IsEmailBounced: 'false' }],
    [{ EmailBouncedReason: '' }], [{ HasOptedOutOfEmail: true }], [{ hs_email_optout: 'true' }],
  ])('%j did not', (properties) => {
    expect(hardBounce(properties)).toBeNull();
  });
});

describe('domains', () => {
  it.each([
    ['ada@acme.com', 'acme.com', true], ['ada@eu.acme.com', 'acme.com', true], ['ada@acme.com', 'www.acme.com', true],
    ['ada@acme.com', 'https://www.Acme.com/about', true], ['ada@acme.com', 'shop.acme.com', true],
    ['ada@acme.com', 'initech.com', false], ['ada@acme.com', 'acme.co.uk', false], ['ada@notacme.com', 'acme.com', false],
    ['ada@gmail.com', 'acme.com', null], ['ada@acme.com', 'gmail.com', null], ['ada@yahoo.co.uk', 'acme.com', null],
    ['ada@acme.com', null, null], ['ada@acme.com', '', null], ['ada@acme.com', 'not a domain', null],
  ])('%s vs company domain %j: %j', (email, domain, matches) => {
    expect(emailMatchesCompanyDomain(email, domain)).toBe(matches);
  });

  it.each(['gmail.com', 'GMAIL.COM', 'outlook.com', 'hotmail.de', 'yahoo.co.uk', 'proton.me', 'gmx.net', 'icloud.com'])('%s is free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(true);
  });
  it.each(['acme.com', 'gmail.acme.com', 'mygmail.com', 'outlook-partners.com'])('%s is not free mail', (d) => {
    expect(isFreeMailDomain(d)).toBe(false);
  });
});

describe('staleSignalsFor', () => {
  const email = 'ada@acme.com';

  it('fires nothing for a live contact at the same company with a matching domain', () => {
    expect(kinds(email, [record()])).toEqual([]);
  });

  it('fires nothing for a brand-new record (no baseline yet), whatever its company', () => {
    expect(kinds(email, [record({ baseline: null, companyCrmId: '999', companyDomain: 'other.com' })])).toEqual([]);
  });

  it.each([
    ['archived', 'archived', 'was archived'], ['deleted', 'deleted', 'was deleted'], ['vanished', 'vanished', 'without a deletion record'],
    ['merged', 'merged', 'merged into contact 299'], [null, 'deleted', 'was deleted'],
  ])('fires for a contact marked %s', (deletionKind, kind, detail) => {
    const signals = staleSignalsFor(email, [record({ deletedAt: T, deletionKind, mergedIntoId: deletionKind === 'merged' ? '299' : null })]);
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ kind, strength: 'strong', connectionId: 'hubspot', crmId: '201', at: T.toISOString() });
    expect(signals[0]!.detail).toContain(detail);
  });

  it('does not fire for a deleted or merged duplicate while another live contact in the same CRM has the email', () => {
    expect(kinds(email, [record({ crmId: '201', deletedAt: T, deletionKind: 'merged', mergedIntoId: '202' }), record({ crmId: '202' })])).toEqual([]);
    expect(kinds(email, [record({ crmId: '201', deletedAt: T, deletionKind: 'deleted' }), record({ crmId: '202' })])).toEqual([]);
  });

  it('fires for a deletion in one CRM even while another CRM still has the person', () => {
    expect(kinds(email, [record({ deletedAt: T, deletionKind: 'deleted' }), record({ connectionId: 'salesforce', crmId: '003' })])).toEqual(['deleted']);
  });

  it('does not look at titles, bounces or companies of deleted records (the deletion says it all)', () => {
    expect(kinds(email, [record({ deletedAt: T, deletionKind: 'archived', title: 'Former CEO', companyCrmId: null, properties: { IsEmailBounced: true } })])).toEqual(['archived']);
  });

  it.each([
    [{ companyCrmId: null, companyName: null, companyDomain: null }, ['company-removed']],
    [{ companyCrmId: '102', companyName: 'Initech', companyDomain: 'initech.com' }, ['company-changed', 'domain-mismatch']],
    [{ companyCrmId: '102', companyName: 'Acme (new record)', companyDomain: 'acme.com' }, ['company-changed']],
    [{ properties: { hs_email_hard_bounce_reason_enum: 'BAD_EMAIL' } }, ['bounced']],
    [{ title: 'Former CEO' }, ['title-departed']],
    [{ companyDomain: 'acme-group.com' }, ['domain-mismatch']],
  ])('fires for %j: %j', (overrides, expected) => {
    expect(kinds(email, [record(overrides)])).toEqual(expected);
  });

  it.each([
    ['the company was merged into the new one', { companyCrmId: '105', baseline: { companyCrmId: '101', domainMatched: true, companyMergedIntoId: '105' } }],
    ['the link was added where there was none', { baseline: { companyCrmId: null, domainMatched: null, companyMergedIntoId: null } }],
    ['the domain never matched (free mail)', { companyDomain: 'acme-group.com', baseline: { companyCrmId: '101', domainMatched: null, companyMergedIntoId: null } }],
    ['the domain never matched', { companyDomain: 'acme-group.com', baseline: { companyCrmId: '101', domainMatched: false, companyMergedIntoId: null } }],
    ['the company domain became unknown', { companyDomain: null }],
    ['the company moved its website to a subdomain', { companyDomain: 'www.eu.acme.com' }],
    ['the title is a near miss', { title: 'Executive Vice President' }],
    ['the bounce fields are empty', { properties: { IsEmailBounced: false, EmailBouncedReason: null, hs_email_bad_address: 'false' } }],
  ])('does not fire when %s', (_why, overrides) => {
    expect(kinds(email, [record(overrides as Partial<StaleRecordInput>)])).toEqual([]);
  });

  it('ranks the weak domain signal after strong ones and marks it weak', () => {
    const signals = staleSignalsFor(email, [record({ companyDomain: 'other.com', title: 'Retired' })]);
    expect(signals.map((s) => [s.kind, s.strength])).toEqual([['title-departed', 'strong'], ['domain-mismatch', 'weak']]);
  });

  it('fires for contacts that left this email behind, unless the CRM still has a live one', () => {
    expect(kinds(email, [], [{ connectionId: 'hubspot', crmId: '201', currentEmail: 'ada@newco.com' }])).toEqual(['email-changed']);
    expect(kinds(email, [], [{ connectionId: 'hubspot', crmId: '201', currentEmail: null }])).toEqual(['vanished']);
    expect(kinds(email, [record({ crmId: '202' })], [{ connectionId: 'hubspot', crmId: '201', currentEmail: 'x@y.com' }])).toEqual([]);
  });
});

describe('nextStaleState and the grace period', () => {
  const signal = staleSignalsFor('ada@acme.com', [record({ title: 'Former CEO' })]);
  const later = new Date('2026-03-20T00:00:00.000Z');

  it('starts the clock when first stale, with a reason naming the signal', () => {
    expect(nextStaleState(null, signal, T)).toMatchObject({
      stale: true, staleSince: T, staleConfirmedAt: null, staleEvidence: signal,
      staleReason: 'title "Former CEO" says they left [title-departed, connection hubspot]',
    });
  });

  it('keeps the clock and an admin confirmation while still stale', () => {
    const confirmed = new Date('2026-03-05T00:00:00.000Z');
    expect(nextStaleState({ stale: true, staleSince: T, staleConfirmedAt: confirmed }, signal, later)).toMatchObject({ staleSince: T, staleConfirmedAt: confirmed });
  });

  it('clears everything, the confirmation too, when no signal fires any more', () => {
    expect(nextStaleState({ stale: true, staleSince: T, staleConfirmedAt: T }, [], later)).toEqual({
      stale: false, staleSince: null, staleReason: null, staleEvidence: null, staleConfirmedAt: null,
    });
  });

  it('counts further signals in the reason', () => {
    const two = staleSignalsFor('ada@acme.com', [record({ title: 'Former CEO', companyCrmId: null, companyDomain: null })]);
    expect(nextStaleState(null, two, T).staleReason).toContain('(+1 more signal)');
  });

  it.each([
    [{ stale: true, staleSince: new Date('2026-01-30T10:00:00.000Z'), staleConfirmedAt: null }, 30, true],
    [{ stale: true, staleSince: new Date('2026-01-30T10:00:01.000Z'), staleConfirmedAt: null }, 30, false],
    [{ stale: true, staleSince: new Date('2025-01-01T00:00:00.000Z'), staleConfirmedAt: new Date('2025-02-01T00:00:00.000Z') }, 30, false],
    [{ stale: false, staleSince: null, staleConfirmedAt: null }, 30, false],
    [{ stale: true, staleSince: T, staleConfirmedAt: null }, 0, true],
  ])('grace expired for %j after %i days at 2026-03-01T10:00Z: %j', (state, days, expired) => {
    expect(staleGraceExpired(state, T, days)).toBe(expired);
  });
});
