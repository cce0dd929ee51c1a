// Lookup by phone (issue 21, item 1): the caller's number read the way the CRMs' numbers are
// stored (E.164, vip/phone.ts, VIPSYNC_DEFAULT_COUNTRY for numbers without a +prefix), and the
// people who hold it. A phone belongs to whoever has it on a live CRM record (vips.phones, phone
// and mobile fields, written by the derivation) or as their shown phone (vips.phone, which an admin
// may set). Several people may share one (a switchboard, an assistant): then the answer names them
// all and picks none.
import { plainQuery, type Db } from '../db/client.js';
import { DEFAULT_PHONE_COUNTRY, normalizePhone, type PhoneCheck } from '../vip/phone.js';
import type { VipLookupResult } from './answer.js';
import { newestAsOf } from './freshness.js';

/** Longer input is not a phone number; its text is not echoed back either. */
export const MAX_LOOKUP_PHONE_LENGTH = 64;
/** An ambiguous answer names at most this many people (a number shared by more is a switchboard). */
export const MAX_PHONE_CANDIDATES = 20;

/** How a number without a +prefix is read: VIPSYNC_DEFAULT_COUNTRY, as the sync and admins read theirs. */
export function lookupPhoneCountry(env: NodeJS.ProcessEnv = process.env): string {
  return env.VIPSYNC_DEFAULT_COUNTRY?.trim().toUpperCase() || DEFAULT_PHONE_COUNTRY;
}

/**
 * The caller's number in E.164, or why it is not one: "+1 (415) 555-2671", "415.555.2671",
 * "tel:+14155552671", full-width or Arabic-Indic digits are all +14155552671; an extension ("x12",
 * "ext. 12") is dropped (it reaches the same line); letters, control characters, too few or too
 * many digits are refused.
 */
export function normalizeLookupPhone(raw: unknown, defaultCountry: string): PhoneCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'phone is missing' };
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'phone is empty' };
  if (text.length > MAX_LOOKUP_PHONE_LENGTH) return { ok: false, reason: `phone is longer than ${MAX_LOOKUP_PHONE_LENGTH} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\p{Cc}\p{Cf}]/u.test(text)) return { ok: false, reason: 'phone contains a control character' };
  // A tel: URI (RFC 3966), as softphones and chat tools hand numbers over.
  return normalizePhone(text.replace(/^tel:/i, ''), defaultCountry);
}

/** The people (emails) who hold this E.164 number, alphabetically, one more than the candidates shown. */
export async function emailsWithPhone(db: Db, e164: string): Promise<string[]> {
  // Two indexes, one each side of the OR (GIN on phones, btree on phone): a bitmap OR of both.
  const rows = await plainQuery<{ email: string }>(
    db,
    'SELECT email FROM vips WHERE phones @> ARRAY[$1]::text[] OR phone = $1 ORDER BY email LIMIT $2',
    [e164, MAX_PHONE_CANDIDATES + 1],
  );
  return rows.map((r) => r.email);
}

/** Nobody holds the number. */
function unknownPhone(e164: string): VipLookupResult {
  return {
    email: null, isVip: false, level: null, levelReason: null, name: null, company: null, notes: null, validated: false, stale: false,
    staleReason: null, owner: null, handling: null, groups: [], handlingReason: null, phone: e164, ambiguous: false, candidates: [], asOf: null, sources: [],
    contactNotes: [],
  };
}

/** Several people hold the number: each of them, and none of their fields as the answer's own. */
function ambiguousPhone(e164: string, people: VipLookupResult[], more: boolean): VipLookupResult {
  const named = people.map((p) => p.email).join(', ');
  return {
    ...unknownPhone(e164),
    levelReason: `${e164} belongs to ${more ? `more than ${people.length}` : people.length} people (${named}${more ? ', ...' : ''}); ask who is calling, or look up by email`,
    ambiguous: true,
    candidates: people.map((p) => ({ email: p.email!, name: p.name, company: p.company, level: p.level })),
    asOf: newestAsOf(people.map((p) => p.asOf)),
    sources: people.flatMap((p) => p.sources),
  };
}

/**
 * The answer for an E.164 number: nobody's, one person's (their answer by email, with the phone),
 * or ambiguous. `loadByEmail` reads a person's answer (no cache, no audit: the caller does both).
 */
export async function lookupVipByPhoneNumber(
  db: Db, e164: string, loadByEmail: (email: string) => Promise<VipLookupResult>,
): Promise<VipLookupResult> {
  const emails = await emailsWithPhone(db, e164);
  if (emails.length === 0) return unknownPhone(e164);
  if (emails.length === 1) return { ...(await loadByEmail(emails[0]!)), phone: e164 };
  const shown = emails.slice(0, MAX_PHONE_CANDIDATES);
  const people = await Promise.all(shown.map(loadByEmail));
  return ambiguousPhone(e164, people, emails.length > shown.length);
}
