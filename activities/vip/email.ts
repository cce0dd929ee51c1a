// Email identity: one person is one normalised email. A malformed email is rejected with a reason,
// never guessed at.

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
// RFC 5322 dot-atom characters, plus any letter or digit for internationalised addresses.
const LOCAL_ATOM = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL_DOMAIN = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/** Trims and lower-cases an email and checks it is a deliverable-looking address. */
export function normalizeEmail(raw: unknown): EmailCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'email is missing' };
  const email = raw.trim().toLowerCase();
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
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) {
    return { ok: false, reason: `email "${raw}" has an invalid domain "${domain}"` };
  }
  if (!TOP_LEVEL_DOMAIN.test(labels[labels.length - 1]!)) {
    return { ok: false, reason: `email "${raw}" has an invalid top-level domain` };
  }
  return { ok: true, email };
}

/** The domain part of an already normalised email. */
export function emailDomain(normalizedEmail: string): string {
  return normalizedEmail.slice(normalizedEmail.lastIndexOf('@') + 1);
}
