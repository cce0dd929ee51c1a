// Putting user input into SOQL. A value inside a quoted string literal can only leave its quotes
// through an unescaped quote or backslash, so both are escaped (the backslash first, in effect,
// because one pass rewrites each character once), plus the control characters SOQL has escapes for.
// jsforce's own escapeSOQLString escapes only the quote: "x\' OR ..." would break out.

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** The text to put between single quotes in SOQL so that it stands for exactly `value`. */
export function escapeSoqlString(value: string): string {
  return value.replace(/[\\'"\n\r\t\b\f]/g, (char) => SOQL_ESCAPES[char]!);
}

/** A complete quoted SOQL string literal for `value`. */
export function soqlString(value: string): string {
  return `'${escapeSoqlString(value)}'`;
}
