// readVipCsv (the file as it streams) gives the answers parseVipCsv (the file at once) gives,
// however the bytes are cut: errors, line numbers, UTF-8 refusals and all.
import { describe, expect, it } from 'vitest';
import { parseVipCsv, readVipCsv } from '../admin/csv-reading.js';

const latin1 = (text: string) => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const utf8 = (text: string) => new TextEncoder().encode(text);

async function* cut(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** What parseVipCsv answers (a result or an error's message), and what readVipCsv answers for pieces of every size. */
async function bothWays(bytes: Uint8Array) {
  let atOnce: unknown;
  try {
    atOnce = parseVipCsv(bytes);
  } catch (error) {
    atOnce = { error: (error as Error).message };
  }
  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    let streamed: unknown;
    try {
      streamed = await readVipCsv(cut(bytes, size));
    } catch (error) {
      streamed = { error: (error as Error).message };
    }
    expect(streamed, `pieces of ${size} bytes`).toEqual(atOnce);
  }
  return atOnce;
}

describe('readVipCsv reads as parseVipCsv does', () => {
  it('rows, errors and line numbers, with quoted line breaks, a BOM and emoji cut mid-character', async () => {
    const text = '\uFEFFemail,level,name,notes\nAda@Acme.com ,5,Ad\u00e0 \u{1F600},"two\nlines"\n\nbad,3,,\nzoe@example.com,9,,\nada@acme.com,4,,\nlast@example.com,1,\u00c9,\n';
    const result = await bothWays(utf8(text));
    expect(result).toMatchObject({ total: 5, rows: [{ row: 3, email: 'ada@acme.com' }, { row: 8, email: 'last@example.com' }] });
  });

  it('refuses a Latin-1 file naming every line that is not UTF-8, however it is cut', async () => {
    const result = await bothWays(latin1('email,level,name\nada@example.com,5,Ada\njose@example.com,4,Jos\u00e9\nzoe@example.com,3,Zo\u00eb\nok@example.com,1,Ok\nlast@example.com,1,\u00e9'));
    expect(result).toEqual({ error: expect.stringContaining('not UTF-8: lines 3, 4, 6 hold') });
  });

  it('refuses a file that ends in the middle of a character, UTF-16, an empty file and an unterminated quote alike', async () => {
    expect(await bothWays(utf8('email,level\na@example.com,1,\u00e9').subarray(0, -1))).toEqual({ error: expect.stringContaining('not UTF-8: line 2 holds') });
    expect(await bothWays(Uint8Array.from([0xff, 0xfe, 0x65, 0x00]))).toEqual({ error: expect.stringContaining('UTF-16') });
    expect(await bothWays(new Uint8Array(0))).toEqual({ error: expect.stringContaining('the file is empty') });
    expect(await bothWays(utf8('e'))).toEqual({ error: expect.stringContaining('no column maps to email') });
    expect(await bothWays(Uint8Array.from([0xe9]))).toEqual({ error: expect.stringContaining('not UTF-8: line 1 holds') });
    expect(await bothWays(utf8('email,level\n"unterminated,1\n'))).toEqual({ error: expect.stringContaining('not a readable CSV file') });
    expect(await bothWays(utf8('name,company\nAda,Acme\n'))).toEqual({ error: expect.stringContaining('no column maps to email') });
  });
});
