// How the CRMs write flags and empty values in records: the same reading for every provider's facts.

/** A value that says something: not null, empty text or false. */
export function present(value: unknown): boolean {
  return value !== null && value !== undefined && !(typeof value === 'string' && value.trim() === '') && value !== false;
}

/** A checkbox that is set: `true`, or the text "true" (HubSpot sends every property as text). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}
