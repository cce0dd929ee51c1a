import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../vip/phone.js';

describe('normalizePhone', () => {
  it.each([
    ['+1 415 555 2671', 'US', '+14155552671'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415.555.2671', 'US', '+14155552671'],
    ['4155552671', 'US', '+14155552671'],
    ['+1-415-555-2671', 'US', '+14155552671'],
    ['  +1 (415) 555 2671  ', 'US', '+14155552671'],
    ['+1 415 555 2671 ext. 12', 'US', '+14155552671'],
    ['+44 20 7946 0958', 'US', '+442079460958'], // a prefix beats the default country
    ['020 7946 0958', 'GB', '+442079460958'],
    ['0044 20 7946 0958', 'DE', '+442079460958'],
    ['030 123456', 'DE', '+4930123456'],
    ['+49 30 123456', 'GB', '+4930123456'],
    ['+1 200 200 0000', 'US', '+12002000000'], // possible though not allocated: kept
  ])('reads %j (default %s) as %s', (raw, country, e164) => {
    expect(normalizePhone(raw, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    [null, 'US', 'empty'], ['', 'US', 'empty'], ['   ', 'US', 'empty'], [42, 'US', 'empty'],
    ['12', 'US', 'not a possible number'], ['call reception', 'US', 'letters'], ['555-CALL-NOW', 'US', 'letters'],
    ['+1 415 555 26711234', 'US', 'not a possible number'], ['4155552671', 'XX', 'default country'],
  ])('rejects %j (default %s): %s', (raw, country, reason) => {
    const result = normalizePhone(raw, country);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('defaults to US', () => {
    expect(normalizePhone('(415) 555-2671')).toEqual({ ok: true, e164: '+14155552671' });
  });
});

describe('normalizePhone remembers answers per default country', () => {
  it('reads the same text differently under another default country, also when asked again', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalizePhone('020 7946 0958', 'US')).toMatchObject({ ok: false });
    expect(normalizePhone('020 7946 0958', 'GB')).toEqual({ ok: true, e164: '+442079460958' });
    expect(normalizePhone('020 7946 0958', 'US')).toMatchObject({ ok: false });
  });
});
