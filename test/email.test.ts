import { describe, expect, it } from 'vitest';
import { emailDomain, normalizeEmail } from '../vip/email.js';

describe('normalizeEmail', () => {
  it.each([
    ['ceo@acme.com', 'ceo@acme.com'],
    ['  CEO@Acme.COM  ', 'ceo@acme.com'],
    ['\tJane.Doe+vip@sub.acme.co.uk\n', 'jane.doe+vip@sub.acme.co.uk'],
    ["o'brien@acme.io", "o'brien@acme.io"],
    ['a@b.co', 'a@b.co'],
    ['user_name-x@my-domain.org', 'user_name-x@my-domain.org'],
    ['josé@exämple.de', 'josé@exämple.de'],
    ['x@xn--bcher-kva.ch', 'x@bücher.ch'],
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

  it.each([
    ['a punycode domain is a character too many', `a@${'ü'.repeat(60)}.de`, 'invalid domain'],
    ['an invalid punycode label', 'x@xn--zz.com', 'invalid domain'],
    ['a punycode label that decodes to nothing', 'x@xn--a.com', 'invalid domain'],
    ['a zero-width joiner in the domain', 'x@a\u200db.com', 'invalid domain'],
    ['an underscore in the domain', 'x@a_b.com', 'invalid domain'],
    // 6 labels of 18 different CJK characters: ~120 characters as typed, ~260 in punycode.
    ['a domain over 253 characters in its ASCII form', `x@${[0, 1, 2, 3, 4, 5].map((n) => Array.from({ length: 18 }, (_, i) => String.fromCodePoint(0x4e00 + n * 1000 + i * 37)).join('')).join('.')}.com`, 'invalid domain'],
    ['a numeric top-level domain', 'x@example.123', 'top-level domain'],
    ['a zero-width joiner in the local part', 'a\u200db@example.com', 'local part'],
  ])('rejects %s', (_what, raw, reason) => {
    const result = normalizeEmail(raw);
    expect(result.ok, JSON.stringify(result)).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('finds the domain of a normalised email', () => {
    expect(emailDomain('jane@sub.acme.com')).toBe('sub.acme.com');
  });
});

describe('normalizeEmail: one address, one form', () => {
  // Each group is one person typed different ways; the first entry is the form every one becomes.
  const SAME_PERSON: string[][] = [
    ['x@bücher.ch', 'x@xn--bcher-kva.ch', 'X@XN--BCHER-KVA.CH', 'x@BÜCHER.ch', 'x@bu\u0308cher.ch', 'x@BU\u0308CHER.CH', ' x@xn--bcher-kva.ch\t'],
    ['josé@exämple.de', 'jose\u0301@exa\u0308mple.de', 'JOSÉ@EXÄMPLE.DE', 'JOSE\u0301@xn--exmple-cua.de', 'josé@XN--EXMPLE-CUA.de'],
    ['ceo@мойдомен.рф', 'ceo@xn--d1acklchcc.xn--p1ai', 'CEO@МОЙДОМЕН.РФ', 'ceo@мойдомен.xn--p1ai', 'ceo@xn--d1acklchcc.рф'],
    ['anna@münchen.de', 'anna@xn--mnchen-3ya.de', 'anna@mu\u0308nchen.de', 'ANNA@MÜNCHEN.DE'],
    ['straße@straße.de', 'straße@xn--strae-oqa.de', 'STRAßE@STRAßE.DE'],
    ['ceo@example.com', 'CEO@example.com', 'ceo@ｅｘａｍｐｌｅ.com', 'ceo@EXAMPLE.COM'],
    ['zoë@acme.com', 'zoe\u0308@acme.com', 'ZOË@acme.com', 'ZOE\u0308@ACME.COM'],
    ['ångström@acme.com', 'a\u030angstro\u0308m@acme.com', '\u212Bngström@acme.com'],
    ['user@日本.jp', 'user@xn--wgv71a.jp', 'USER@日本.JP'],
  ];

  it.each(SAME_PERSON.flatMap((group) => group.map((raw) => [raw, group[0]!])))('%j is %j', (raw, expected) => {
    expect(normalizeEmail(raw)).toEqual({ ok: true, email: expected });
  });

  it('answers its own answer unchanged (the form is a fixed point)', () => {
    const accepted = [
      ...SAME_PERSON.flat(), 'ceo@acme.com', "o'brien@acme.io", 'İstanbul@acme.com', 'ǅemal@acme.com', 'ΣΊΣΥΦΟΣ@acme.gr', 'x@xn--p1ai.xn--p1ai',
    ];
    for (const raw of accepted) {
      const once = normalizeEmail(raw);
      expect(once.ok, raw).toBe(true);
      if (once.ok) expect(normalizeEmail(once.email), raw).toEqual(once);
    }
  });

  it('keeps the result in Unicode NFC, lower case, with no punycode label', () => {
    for (const raw of SAME_PERSON.flat()) {
      const check = normalizeEmail(raw);
      if (!check.ok) throw new Error(check.reason);
      expect(check.email).toBe(check.email.normalize('NFC'));
      expect(check.email).toBe(check.email.toLowerCase());
      expect(emailDomain(check.email).split('.').some((label) => label.startsWith('xn--'))).toBe(false);
    }
  });
});
