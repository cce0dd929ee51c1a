// How the CLI talks to people and scripts: tables for eyes, --json for scripts, errors that say
// what to do, and exit codes (1 failure, 2 usage or configuration).
import { createInterface } from 'node:readline/promises';

/** A mistake the user can fix: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

// What must not reach a terminal as it is: C0 controls (ESC starts the sequences that clear the
// screen, retitle the window or rewrite what an operator sees), DEL, C1 controls (0x9B is a
// one-byte ESC [) and the bidirectional overrides and isolates (which reorder the text shown).
// Names, companies and titles come from CRMs: anyone who can edit a contact can write them.
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/gu;

const visible = (c: string) => {
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
};

/**
 * Text for human output: every control character shown as an escape (ESC as \x1B), so it is seen,
 * not obeyed. With `lines`, line breaks stay (notes). JSON output (--json) is never passed through this.
 */
export function terminalText(text: string, opts: { lines?: boolean } = {}): string {
  return text.replace(opts.lines ? UNSAFE_BUT_NEWLINE : UNSAFE, visible);
}

/** Several lines of text under a label, each line after the first indented to line up with the first. */
export function terminalLines(text: string, indent: string): string {
  return terminalText(text, { lines: true }).split('\n').join(`\n${indent}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

export function printTable(rows: Record<string, unknown>[], columns?: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const keys = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : terminalText(String(v)));
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(keys)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(keys.map((k) => cell(row[k])))}\n`);
}

/** Progress for long work goes to stderr, so stdout stays clean for --json. */
export function progress(message: string): void {
  process.stderr.write(`${terminalText(message, { lines: true })}\n`);
}

/**
 * Asks a yes/no question on the terminal before a destructive command (`verb`: what it would do);
 * without a terminal it refuses, naming the --yes that skips the question.
 */
export async function confirm(verb: string, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError(`refusing to ${verb} without confirmation: add --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
