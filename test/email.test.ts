import { describe, expect, it } from 'vitest';
import { emailDomain, normalizeEmail } from '../activities/vip/email.js';

describe('normalizeEmail', () => {
  it.each([
    ['ceo@acme.com', 'ceo@acme.com'],
    ['  CEO@Acme.COM  ', 'ceo@acme.com'],
    ['\tJane.Doe+vip@sub.acme.co.uk\n', 'jane.doe+vip@sub.acme.co.uk'],
    ["o'brien@acme.io", "o'brien@acme.io"],
    ['a@b.co', 'a@b.co'],
    ['user_name-x@my-domain.org', 'user_name-x@my-domain.org'],
    ['josé@exämple.de', 'josé@exämple.de'],
    ['x@xn--bcher-kva.ch', 'x@xn--bcher-kva.ch'],
    ['1234@example.museum', '1234@example.museum'],
  ])('accepts %j as %j', (raw, normalized) => {
    expect(normalizeEmail(raw)).toEqual({ ok: true, email: normalized });
  });

  it.each([
    [undefined, 'missing'],
    [null, 'missing'],
    [42, 'missing'],
    ['', 'empty'],
    ['   ', 'empty'],
    ['plainaddress', 'no @'],
    ['@acme.com', 'nothing before the @'],
    ['a@b@acme.com', 'more than one @'],
    ['jane doe@acme.com', 'whitespace'],
    ['jane@acme', 'no dot in its domain'],
    ['jane@acme.', 'invalid domain'],
    ['jane@.acme.com', 'invalid domain'],
    ['jane@-acme.com', 'invalid domain'],
    ['jane@acme-.com', 'invalid domain'],
    ['jane@acme..com', 'invalid domain'],
    ['jane@acme.c', 'top-level domain'],
    ['jane@acme.123', 'top-level domain'],
    ['.jane@acme.com', 'local part'],
    ['jane.@acme.com', 'local part'],
    ['ja..ne@acme.com', 'local part'],
    ['ja(ne)@acme.com', 'local part'],
    ['"jane"@acme.com', 'local part'],
    ["x' OR 1=1 --@acme.com", 'whitespace'],
    [`${'a'.repeat(65)}@acme.com`, 'local part longer than 64'],
    [`a@${'b'.repeat(250)}.com`, 'longer than 254'],
  ])('rejects %j with a reason mentioning %j', (raw, reason) => {
    const result = normalizeEmail(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('finds the domain of a normalised email', () => {
    expect(emailDomain('jane@sub.acme.com')).toBe('sub.acme.com');
  });
});
