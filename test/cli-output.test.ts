// What the CLI prints for people: text from a CRM (names, companies, titles: anyone who can edit a
// contact writes them) is shown, never obeyed by the terminal. --json stays exact.
import { describe, expect, it } from 'vitest';
import { terminalLines, terminalText } from '../cli/output.js';

const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

describe('terminalText', () => {
  it.each([
    ['ESC', '\u001b[2J', '\\x1B[2J'],
    ['BEL and OSC', '\u001b]0;title\u0007', '\\x1B]0;title\\x07'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['DEL', 'a\u007fb', 'a\\x7Fb'],
    ['the one-byte CSI', '\u009b31m', '\\x9B31m'],
    ['a carriage return (overwrites the line)', 'ok\rFAKE', 'ok\\x0DFAKE'],
    ['a newline in a one-line value', 'a\nb', 'a\\x0Ab'],
    ['a tab', 'a\tb', 'a\\x09b'],
    ['a right-to-left override', 'abc\u202Edef', 'abc\\u202Edef'],
    ['a left-to-right isolate', 'a\u2066b\u2069', 'a\\u2066b\\u2069'],
  ])('shows %s as an escape', (_what, raw, shown) => {
    expect(terminalText(raw)).toBe(shown);
  });

  it.each([
    'Ada Lovelace', 'José Müller', 'Zoë 😀', '日本語', 'O\'Brien & Co. <ceo@acme.com>', 'שלום', 'back\\slash',
  ])('leaves ordinary text alone: %j', (text) => {
    expect(terminalText(text)).toBe(text);
  });

  it('keeps the line breaks of notes when asked, and lines them up under their label', () => {
    expect(terminalText('one\ntwo\u001b[2J', { lines: true })).toBe('one\ntwo\\x1B[2J');
    expect(terminalLines('one\ntwo\rthree', '    ')).toBe('one\n    two\\x0Dthree');
  });

  it('never lets a control character through, whatever the input', () => {
    for (let code = 0; code <= 0x2070; code++) {
      const c = String.fromCodePoint(code);
      expect(CONTROL.test(terminalText(`a${c}b`)), `U+${code.toString(16)}`).toBe(false);
    }
  });
});

