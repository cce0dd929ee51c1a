// What Postgres cannot store: NUL (U+0000), in text or in jsonb. Hostile or broken input (a CRM
// property, a lookup string) must still be storable or quarantinable, so NUL becomes U+FFFD.

/** Replaces NUL characters in plain text. */
export function textWithoutNul(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}

// The JSON escape \u0000, but not an escaped backslash followed by "u0000".
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** Replaces NULs inside JSON text (where JSON.stringify writes them as the escape \u0000). */
export function jsonWithoutNul(json: string): string {
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPE, '$1\\uFFFD') : json;
}

/** True when JSON text holds a NUL somewhere in its strings. */
export function jsonHasNul(json: string): boolean {
  return jsonWithoutNul(json) !== json;
}

/** A JSON-able value as Postgres can store it: itself when it holds no NUL, else a copy with U+FFFD. */
export function valueWithoutNul<T>(value: T): T {
  const json = JSON.stringify(value);
  const clean = jsonWithoutNul(json);
  return clean === json ? value : (JSON.parse(clean) as T);
}
