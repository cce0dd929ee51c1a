// Email identity: one person is one normalised email. A malformed email is rejected with a reason,
// never guessed at.
//
// One address has one form, whichever way it was typed: trimmed, lower-cased, Unicode NFC (an
// "é" typed as e + U+0301 is the precomposed "é"), and its domain in Unicode (IDNA: punycode
// "xn--bcher-kva.ch" and "BÜCHER.ch" are both "bücher.ch"). The domain is checked in its ASCII
// (DNS) form, where the length and letter-digit-hyphen rules are defined. The Unicode form is the
// one kept because CRMs and people mostly write domains that way: stored addresses keep their key.
import { domainToASCII, domainToUnicode } from 'node:url';

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
// RFC 5322 dot-atom characters, plus any letter or digit for internationalised addresses.
// Combining marks (\p{M}) belong to letters in scripts such as Devanagari.
const LOCAL_ATOM = /^[\p{L}\p{M}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
const MAX_DOMAIN_LENGTH = 253;
// In the ASCII form: letters, digits, hyphens inside, at most 63 per label.
const ASCII_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL_DOMAIN = /^(?:[\p{L}\p{M}]{2,63}|xn--[a-z0-9-]{1,59})$/u;
const ASCII_TOP_LEVEL_DOMAIN = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The one form of an email (see the top of this file), or why it is not a deliverable-looking address. */
export function normalizeEmail(raw: unknown): EmailCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'email is missing' };
  const email = raw.trim().normalize('NFC').toLowerCase().normalize('NFC');
  if (email === '') return { ok: false, reason: 'email is empty' };
  if (email.length > MAX_EMAIL_LENGTH) return { ok: false, reason: `email is longer than ${MAX_EMAIL_LENGTH} characters` };
  if (/\s/u.test(email)) return { ok: false, reason: `email "${raw}" contains whitespace` };
  const at = email.lastIndexOf('@');
  if (at === -1) return { ok: false, reason: `email "${raw}" has no @` };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.includes('@')) return { ok: false, reason: `email "${raw}" has more than one @` };
  if (local === '') return { ok: false, reason: `email "${raw}" has nothing before the @` };
  if (local.length > MAX_LOCAL_LENGTH) return { ok: false, reason: `email "${raw}" has a local part longer than ${MAX_LOCAL_LENGTH} characters` };
  if (!local.split('.').every((atom) => LOCAL_ATOM.test(atom))) {
    return { ok: false, reason: `email "${raw}" has an invalid local part (bad character or misplaced dot)` };
  }
  const labels = domain.split('.');
  if (labels.length < 2) return { ok: false, reason: `email "${raw}" has no dot in its domain` };
  const invalidDomain: EmailCheck = { ok: false, reason: `email "${raw}" has an invalid domain "${domain}"` };
  if (labels.includes('')) return invalidDomain;
  if (!TOP_LEVEL_DOMAIN.test(labels[labels.length - 1]!)) {
    return { ok: false, reason: `email "${raw}" has an invalid top-level domain` };
  }
  // IDNA (UTS #46, as URLs do): '' when the domain cannot be a host name (bad punycode, a
  // character no domain may hold).
  const ascii = domainToASCII(domain);
  if (ascii === '' || ascii.length > MAX_DOMAIN_LENGTH) return invalidDomain;
  const asciiLabels = ascii.split('.');
  if (!asciiLabels.every((label) => ASCII_LABEL.test(label))) return invalidDomain;
  if (!ASCII_TOP_LEVEL_DOMAIN.test(asciiLabels[asciiLabels.length - 1]!)) {
    return { ok: false, reason: `email "${raw}" has an invalid top-level domain` };
  }
  return { ok: true, email: `${local}@${domainToUnicode(ascii)}` };
}

/** The domain part of an already normalised email. */
export function emailDomain(normalizedEmail: string): string {
  return normalizedEmail.slice(normalizedEmail.lastIndexOf('@') + 1);
}
