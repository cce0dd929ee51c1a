// Phone numbers as one format (E.164) so the same number typed differently in two CRMs is one
// value. Numbers without a country prefix are read in the configured default country.
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; reason: string };

export const DEFAULT_PHONE_COUNTRY = 'US';

export function isPhoneCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

/**
 * "+1 (415) 555-2671", "415.555.2671" (default country US) -> "+14155552671". A number is taken
 * when its length is possible for its country: CRMs hold many numbers that are real but not in
 * the library's current allocation tables, and dropping those would lose more than it protects.
 */
export function normalizePhone(raw: unknown, defaultCountry: string = DEFAULT_PHONE_COUNTRY): PhoneCheck {
  if (typeof raw !== 'string') return readPhone(raw, defaultCountry);
  // Each sync re-derives the people it touched: remember recent answers (parsing is the costly part).
  const key = `${defaultCountry}\u0000${raw}`;
  const known = recent.get(key);
  if (known) return known;
  const check = readPhone(raw, defaultCountry);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(key, check);
  return check;
}

// ~200 bytes an answer in the heap (its key and result): 20,000 are ~4 MB, enough for the people an
// incremental sync keeps touching. (200,000 held ~40 MB in a worker whose heap is capped.)
const RECENT_MAX = 20_000;
const recent = new Map<string, PhoneCheck>();

function readPhone(raw: unknown, defaultCountry: string): PhoneCheck {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, reason: 'phone is empty' };
  if (!isPhoneCountry(defaultCountry)) return { ok: false, reason: `default country "${defaultCountry}" is not an ISO 3166 code libphonenumber knows` };
  // Letters other than an extension marker mean this is not a phone number (e.g. "call reception").
  if (/[a-z]/i.test(raw.replace(/\b(?:ext|extension|x)\.?\s*\d+\s*$/i, ''))) {
    return { ok: false, reason: `phone "${raw}" contains letters` };
  }
  const parsed = parsePhoneNumberFromString(raw, defaultCountry);
  if (!parsed || !parsed.isPossible()) return { ok: false, reason: `phone "${raw}" is not a possible number (default country ${defaultCountry})` };
  return { ok: true, e164: parsed.number };
}
