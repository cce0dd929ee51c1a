// Lookup by phone, the pure parts: the caller's number read as E.164 (every way a number arrives
// at a support inbox), which of email or phone a query names, the phones a person is found by,
// and how fresh an answer is.
import { describe, expect, it } from 'vitest';
import { asOfFor, newestAsOf } from '../lookup/freshness.js';
import { MAX_LOOKUP_PHONE_LENGTH, normalizeLookupPhone } from '../lookup/phone.js';
import { InvalidLookupQueryError, lookupQueryFrom, lookupQueryFromText } from '../lookup/query.js';
import { personPhones, phoneProperties } from '../vip/phone-index.js';
import type { LookupSource } from '../lookup/answer.js';

const ADA = '+14155552671';

describe('normalizeLookupPhone: the caller\'s number as E.164', () => {
  it.each([
    // with a prefix
    ['+14155552671', 'US', ADA],
    ['+1 415 555 2671', 'US', ADA],
    ['+1 (415) 555-2671', 'US', ADA],
    ['+1-415-555-2671', 'US', ADA],
    ['+1/415/555/2671', 'US', ADA],
    ['+1.415.555.2671', 'US', ADA],
    ['+44 20 7946 0958', 'US', '+442079460958'], // a prefix beats the default country
    ['+33 6 12 34 56 78', 'GB', '+33612345678'],
    ['+49 30 12345678', 'US', '+493012345678'],
    // the international call prefix of the default country instead of "+"
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', 'DE', '+442079460958'],
    // no prefix: read in the default country
    ['4155552671', 'US', ADA],
    ['(415) 555-2671', 'US', ADA],
    ['415.555.2671', 'US', ADA],
    ['1 415 555 2671', 'US', ADA], // the national trunk prefix
    ['020 7946 0958', 'GB', '+442079460958'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    // extensions reach the same line: dropped
    ['+1 415 555 2671 ext. 12', 'US', ADA],
    ['+1 415 555 2671 x12', 'US', ADA],
    ['(415) 555-2671 extension 5', 'US', ADA],
    // whitespace and punctuation around and inside
    ['  +1 415 555 2671  ', 'US', ADA],
    ['\t+1 415 555 2671\n', 'US', ADA],
    ['+1\u00a0415\u00a0555\u00a02671', 'US', ADA], // no-break spaces, as pasted from a web page
    // unicode digits
    ['＋１ ４１５ ５５５ ２６７１', 'US', ADA], // full-width
    ['٤١٥٥٥٥٢٦٧١', 'US', ADA], // Arabic-Indic
    ['۴۱۵۵۵۵۲۶۷۱', 'US', ADA], // Eastern Arabic-Indic (Persian)
    // a tel: URI (RFC 3966)
    ['tel:+14155552671', 'US', ADA],
    ['TEL:+1-415-555-2671', 'US', ADA],
    ['+1 200 200 0000', 'US', '+12002000000'], // possible though not allocated: kept, as the sync keeps it
  ])('reads %j (default %s) as %s', (raw, country, e164) => {
    expect(normalizeLookupPhone(raw, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    // not text, nothing
    [undefined, 'missing'], [null, 'missing'], [4155552671, 'missing'], [['+14155552671'], 'missing'],
    ['', 'empty'], ['   ', 'empty'], ['\t\n', 'empty'],
    // letters
    ['1-800-FLOWERS', 'contains letters'], ['call reception', 'contains letters'], ['ada@acme.com', 'contains letters'],
    ['+1 415 555 2671 ext', 'contains letters'], ['+14155552671;ext=12', 'contains letters'],
    // too short, too long, no number at all
    ['123', 'not a possible number'], ['+1', 'not a possible number'], ['+1 (415)', 'not a possible number'],
    ['+1 415 555 26710000000', 'not a possible number'], ['+999 123', 'not a possible number'],
    ['---', 'not a possible number'], ['()+', 'not a possible number'], ['+', 'not a possible number'],
    // a national number of another country without its prefix
    ['020 7946 0958', 'not a possible number (default country US)'],
    // control characters (a NUL, a line break inside, a bidi override)
    ['+1\u0000415 555 2671', 'control character'], ['+1 415\n555 2671', 'control character'], ['+1 415\u202e555 2671', 'control character'],
    // hostile lengths are refused before anything reads them
    ['1'.repeat(MAX_LOOKUP_PHONE_LENGTH + 1), `longer than ${MAX_LOOKUP_PHONE_LENGTH} characters`],
    [`+1 415 555 2671${' '.repeat(60)}x`, `longer than ${MAX_LOOKUP_PHONE_LENGTH} characters`],
  ])('refuses %j: %s', (raw, reason) => {
    const result = normalizeLookupPhone(raw, 'US');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('says which default country is wrong when VIPSYNC_DEFAULT_COUNTRY is not one', () => {
    expect(normalizeLookupPhone('4155552671', 'XX')).toEqual({ ok: false, reason: expect.stringContaining('default country "XX"') });
  });

  it('the same text is a different number under another default country', () => {
    expect(normalizeLookupPhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalizeLookupPhone('020 7946 0958', 'US').ok).toBe(false);
  });

  it('does not echo a refused long input back in its reason', () => {
    const result = normalizeLookupPhone('9'.repeat(5000), 'US');
    expect(result.ok || result.reason.length).toBeLessThan(100);
  });
});

describe('lookupQueryFrom: exactly one of email and phone', () => {
  it('takes an email or a phone', () => {
    expect(lookupQueryFrom({ email: 'ada@acme.com' })).toEqual({ email: 'ada@acme.com' });
    expect(lookupQueryFrom({ phone: '+14155552671' })).toEqual({ phone: '+14155552671' });
  });

  it.each([
    [{}, 'query', "give the sender's email or phone"],
    [{ email: 'a@b.co', phone: '+14155552671' }, 'query', 'not both'],
    [{ email: 42 }, 'email', 'email must be a string'],
    [{ phone: ['+1', '+2'] }, 'phone', 'phone must be a string'],
    [{ phone: null }, 'phone', 'phone must be a string'],
    [{ mobile: '+14155552671' }, 'query', 'unknown field "mobile"'],
    [null, 'query', '{"email": "..."} or {"phone": "..."}'],
    ['ada@acme.com', 'query', '{"email": "..."} or {"phone": "..."}'],
  ])('refuses %j naming %s', (input, field, message) => {
    let error: unknown;
    try {
      lookupQueryFrom(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidLookupQueryError);
    expect((error as InvalidLookupQueryError).field).toBe(field);
    expect((error as Error).message).toContain(message);
  });
});

describe('lookupQueryFromText: what the command line was given', () => {
  it.each([
    ['ada@acme.com', { email: 'ada@acme.com' }],
    ['ADA1@acme.com', { email: 'ADA1@acme.com' }], // digits in an email: still an email
    ['+1 (415) 555-2671', { phone: '+1 (415) 555-2671' }],
    ['4155552671', { phone: '4155552671' }],
    ['٤١٥٥٥٥٢٦٧١', { phone: '٤١٥٥٥٥٢٦٧١' }],
    ['1-800-FLOWERS', { phone: '1-800-FLOWERS' }], // refused as a phone, saying why
    ['not-an-address', { email: 'not-an-address' }], // refused as an email, as before
  ])('%j is %j', (text, query) => {
    expect(lookupQueryFromText(text)).toEqual(query);
  });
});

describe('personPhones: the numbers a person is found by', () => {
  const record = (live: boolean, phone: string | null, properties: Record<string, unknown> = {}) => ({ live, phone, properties });

  it('reads every CRM\'s phone and mobile properties', () => {
    expect(phoneProperties()).toEqual(expect.arrayContaining(['phone', 'mobilephone', 'Phone', 'MobilePhone']));
  });

  it('takes phone and mobile of every live record, in E.164, distinct and sorted', () => {
    expect(personPhones([
      record(true, '(415) 555-2671', { phone: '(415) 555-2671', mobilephone: '+1 650 555 0100' }),
      record(true, '+44 20 7946 0958', { Phone: '+44 20 7946 0958', MobilePhone: '415.555.2671' }),
    ], 'US')).toEqual(['+14155552671', '+16505550100', '+442079460958']);
  });

  it('leaves out deleted records and numbers that cannot be read', () => {
    expect(personPhones([
      record(false, '+1 650 555 0100', { phone: '+1 650 555 0100' }),
      record(true, 'call reception', { phone: 'call reception', mobilephone: '12', MobilePhone: 42 }),
    ], 'US')).toEqual([]);
  });

  it('reads numbers without a prefix in the default country', () => {
    expect(personPhones([record(true, null, { Phone: '020 7946 0958' })], 'GB')).toEqual(['+442079460958']);
    expect(personPhones([record(true, null, { Phone: '020 7946 0958' })], 'US')).toEqual([]);
  });

  it('has no phones without records', () => {
    expect(personPhones([], 'US')).toEqual([]);
  });
});

describe('asOf: when the answer\'s data was last confirmed', () => {
  const source = (confirmedAt: string): LookupSource => ({
    system: 'hubspot', connectionId: 'hubspot', crmId: '1', objectType: 'contact', modifiedAt: null, confirmedAt,
  });

  it('is the newest confirmation of the live CRM records behind the person', () => {
    expect(asOfFor({
      sources: [source('2026-12-05T08:00:00.000Z'), source('2026-12-05T09:30:00.000Z'), source('2026-12-04T23:59:59.999Z')],
      rowWrittenAt: '2026-12-05T10:00:00.000Z',
    })).toBe('2026-12-05T09:30:00.000Z');
  });

  it('is the last write of the row for a person with no live CRM record (added by an admin)', () => {
    expect(asOfFor({ sources: [], rowWrittenAt: '2026-12-05T10:00:00.000Z' })).toBe('2026-12-05T10:00:00.000Z');
  });

  it('of several answers is the newest, null when none has one', () => {
    expect(newestAsOf([null, '2026-12-05T08:00:00.000Z', '2026-12-05T09:00:00.000Z'])).toBe('2026-12-05T09:00:00.000Z');
    expect(newestAsOf([null, null])).toBeNull();
    expect(newestAsOf([])).toBeNull();
  });
});
