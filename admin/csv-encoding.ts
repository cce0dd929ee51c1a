// Files are UTF-8 (a BOM is fine): anything else is refused with the lines at fault rather than
// stored as U+FFFD, by decodeCsv (a file in memory) and utf8Only (a file as it streams) alike.
import { AdminError } from './errors.js';

const utf16Error = () => new AdminError('invalid', 'the file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: "CSV UTF-8") and import it again');

function notUtf8Error(bad: number[]): AdminError {
  const shown = bad.slice(0, 10).join(', ') + (bad.length > 10 ? ` and ${bad.length - 10} more` : '');
  return new AdminError(
    'invalid',
    `the file is not UTF-8: line${bad.length === 1 ? '' : 's'} ${shown} hold${bad.length === 1 ? 's' : ''} bytes that are not UTF-8 text ` +
      '(Latin-1 or Windows-1252, perhaps); save it as UTF-8 (in Excel: "CSV UTF-8") and import it again; nothing was imported',
  );
}

/** The text of a CSV file: UTF-8 (with or without a BOM), or an error naming the lines that are not. */
export function decodeCsv(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw utf16Error();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad: number[] = [];
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1;
    for (let start = 0; start <= bytes.length; line++) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        bad.push(line);
      }
      start = end + 1;
    }
    throw notUtf8Error(bad);
  }
}

/**
 * Passes bytes on while they are UTF-8; at the first that are not, passes nothing more, reads on to
 * find every line that is not, and throws the error decodeCsv throws for the whole file.
 */
export async function* utf8Only(slices: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const lineDecoder = new TextDecoder('utf-8', { fatal: true });
  // The bytes after the last line break seen, and the number of their line: where a scan starts.
  let tail: Uint8Array = new Uint8Array(0);
  let line = 1;
  let bad: number[] | null = null;
  const scan = (bytes: Uint8Array, final: boolean) => {
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      if (end === -1 && !final) break;
      try {
        lineDecoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
      } catch {
        bad!.push(line);
      }
      if (end === -1) break;
      line += 1;
      start = end + 1;
    }
    tail = bytes.slice(start);
  };
  const join = (a: Uint8Array, b: Uint8Array) => (a.length === 0 ? b : Buffer.concat([a, b]));
  // The first two bytes say whether the file is UTF-16, whatever size the first slices are.
  let head: Uint8Array | null = new Uint8Array(0);
  const isUtf16 = (b: Uint8Array) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
  for await (const arriving of slices) {
    let slice = arriving;
    if (head) {
      slice = join(head, arriving);
      if (slice.length < 2) {
        head = slice;
        continue;
      }
      head = null;
      if (isUtf16(slice)) throw utf16Error();
    }
    if (bad) {
      scan(join(tail, slice), false);
      continue;
    }
    try {
      decoder.decode(slice, { stream: true });
    } catch {
      bad = [];
      scan(join(tail, slice), false);
      continue;
    }
    const lastBreak = slice.lastIndexOf(0x0a);
    if (lastBreak === -1) tail = join(tail, slice);
    else {
      for (let at = slice.indexOf(0x0a); at !== -1; at = slice.indexOf(0x0a, at + 1)) line += 1;
      tail = slice.subarray(lastBreak + 1);
    }
    yield slice;
  }
  if (head && head.length > 0) {
    // A file of one byte.
    try {
      decoder.decode(head, { stream: true });
      tail = head;
      yield head;
    } catch {
      bad = [];
      tail = head;
    }
  }
  if (!bad) {
    try {
      decoder.decode();
      return;
    } catch {
      bad = [];
    }
  }
  scan(tail, true);
  throw notUtf8Error(bad);
}
