// The Salesforce emulator's SOQL parser and query engine, tested directly: parsing, escapes,
// datetime literals, filters, keyset queries, Salesforce's error wording, and firstInOrder.
import { describe, expect, it } from 'vitest';
import { executeSoql, firstInOrder } from '../emulators/salesforce/query-engine.js';
import { parseSoql } from '../emulators/salesforce/soql-parser.js';
import { SalesforceStore } from '../emulators/salesforce/store.js';

describe('SOQL parser and engine', () => {
  const store = new SalesforceStore();
  store.load({
    Account: [{ Id: '001000000000001AAA', Name: 'Acme' }],
    Contact: [
      { Id: '003000000000001AAA', LastName: "O'Brien", Email: 'Ann@Example.com', AccountId: '001000000000001AAA', LastModifiedDate: '2024-01-02T00:00:00.000+0000' },
      { Id: '003000000000002AAA', LastName: 'Back\\slash', Email: null, LastModifiedDate: '2024-01-01T00:00:00Z', VIP_Level__c: 3 },
      { Id: '003000000000003AAA', LastName: 'Line\nBreak', Email: 'c@example.com', LastModifiedDate: '2023-12-31T23:30:00-01:00' },
    ],
  });
  const ids = (soql: string, includeDeleted = false) => executeSoql(store, soql, { includeDeleted }).rows.map((row) => String(row.fields.Id).slice(-4));
  const errorOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error as { errorCode: string; message: string };
    }
    throw new Error('expected an error');
  };

  it('parses fields, relationship paths, nested conditions, ordering and limits', () => {
    const query = parseSoql("select Id, Account.Name from Contact where (Email = 'a' or Email != null) and not LastName in ('x','y') order by LastName desc nulls last, Id limit 5 offset 1");
    expect(query.fields.map((field) => field.parts)).toEqual([['Id'], ['Account', 'Name']]);
    expect(query.sobject.name).toBe('Contact');
    expect(query.where).toMatchObject({ kind: 'and', operands: [{ kind: 'or' }, { kind: 'not', operand: { kind: 'in' } }] });
    expect(query.orderBy.map((item) => [item.descending, item.nullsFirst])).toEqual([[true, false], [false, true]]);
    expect([query.limit, query.offset]).toEqual([5, 1]);
  });

  it('refuses AND and OR mixed without parentheses, as Salesforce does', () => {
    const error = errorOf(() => parseSoql("SELECT Id FROM Contact WHERE Email = 'a' AND LastName = 'b' OR Id = 'c'"));
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain('ERROR at Row:1:Column:');
  });

  it('decodes SOQL escapes and rejects unknown escapes and unterminated strings', () => {
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'O\\'Brien'")).toEqual(['1AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'Back\\\\slash'")).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = 'Line\\nBreak'")).toEqual(['3AAA']);
    expect(ids("SELECT Id FROM Contact WHERE LastName = '\\u004Fvbrien' OR LastName = '\\u004F\\'Brien'")).toEqual(['1AAA']);
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'a\\qb'")).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'open")).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql("SELECT Id FROM Contact WHERE LastName = 'a\\%'")).errorCode).toBe('MALFORMED_QUERY');
  });

  it('compares datetime literals in each documented form as instants', () => {
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate >= 2024-01-01T00:00:00Z ORDER BY LastModifiedDate')).toEqual(['2AAA', '3AAA', '1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate > 2024-01-01T01:00:00+01:00')).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate > 2023-12-31T23:00:00-01:00')).toEqual(['1AAA', '3AAA']);
    const quoted = errorOf(() => executeSoql(store, "SELECT Id FROM Contact WHERE LastModifiedDate > '2024-01-01'", { includeDeleted: false }));
    expect(quoted.errorCode).toBe('INVALID_FIELD');
    expect(quoted.message).toContain("must be of type dateTime");
  });

  it('matches text case-insensitively, handles null, IN, LIKE, numbers and relationship filters', () => {
    expect(ids("SELECT Id FROM Contact WHERE Email = 'ann@example.COM'")).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE Email = null')).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email != 'c@example.com'")).toEqual(['1AAA', '2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email IN ('c@example.com', 'x')")).toEqual(['3AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Email LIKE '%example%'")).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE VIP_Level__c >= 3')).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Account.Name = 'acme'")).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact ORDER BY Email ASC')).toEqual(['2AAA', '1AAA', '3AAA']);
  });

  it('answers Id IN (...) and Id = by looking the ids up: by 15 or 18 characters, deleted rows only with queryAll, other conditions still applied', () => {
    expect(ids("SELECT Id FROM Contact WHERE Id IN ('003000000000003AAA', '003000000000001', '003000000000009AAA')")).toEqual(['1AAA', '3AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Id = '003000000000002AAA'")).toEqual(['2AAA']);
    expect(ids("SELECT Id FROM Contact WHERE Id IN ('003000000000001AAA', '003000000000003AAA') AND Email LIKE 'c%'")).toEqual(['3AAA']);
    expect(ids("SELECT Id FROM Account WHERE Id IN ('003000000000001AAA')")).toEqual([]);
    expect(ids("SELECT Id FROM Contact WHERE Id NOT IN ('003000000000001AAA')")).toEqual(['2AAA', '3AAA']);
    const withDeleted = new SalesforceStore();
    withDeleted.load({ Account: [], Contact: [{ Id: '003000000000001AAA', LastName: 'Gone', IsDeleted: true }, { Id: '003000000000002AAA', LastName: 'Here' }] });
    const soql = "SELECT Id, IsDeleted FROM Contact WHERE Id IN ('003000000000001AAA', '003000000000002AAA')";
    expect(executeSoql(withDeleted, soql, { includeDeleted: false }).rows.map((r) => r.fields.Id)).toEqual(['003000000000002AAA']);
    expect(executeSoql(withDeleted, soql, { includeDeleted: true }).rows.map((r) => r.fields.Id)).toEqual(['003000000000001AAA', '003000000000002AAA']);
    const badId = errorOf(() => executeSoql(store, "SELECT Id FROM Contact WHERE Id IN ('003000000000001AAA', 5)", { includeDeleted: false }));
    expect(badId.errorCode).toBe('INVALID_FIELD');
  });

  it('refuses a SOQL statement longer than 100,000 characters with MALFORMED_QUERY, as Salesforce does', () => {
    const longList = Array.from({ length: 4_600 }, (_, i) => `'003${String(i).padStart(15, '0')}'`).join(', ');
    const error = errorOf(() => executeSoql(store, `SELECT Id FROM Contact WHERE Id IN (${longList})`, { includeDeleted: false }));
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toMatch(/longer than 100000 characters/);
  });

  it('answers keyset queries from its SystemModstamp ordering exactly as a full scan would, across updates and deletions', () => {
    // 300 contacts on 20 distinct stamps (many ties), some with no email, some deleted.
    const keyed = new SalesforceStore();
    // SOQL takes whole-second literals ending in Z; the fixture takes the same text.
    const soqlDateTime = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const stamp = (i: number) => soqlDateTime(Date.UTC(2024, 0, 1) + (i % 20) * 60_000);
    keyed.load({
      Account: [],
      Contact: Array.from({ length: 300 }, (_, i) => ({
        Id: `003${String(1000 + ((i * 7919) % 300)).padStart(12, '0')}AAA`, LastName: `n${i}`, Email: i % 9 === 0 ? null : `p${i}@example.com`,
        LastModifiedDate: stamp(i), SystemModstamp: stamp(i), IsDeleted: i % 13 === 0,
      })),
    });
    // The reference: every row, filtered and sorted, no ordering reused.
    const reference = (where: (f: Record<string, unknown>) => boolean, includeDeleted: boolean, limit: number) =>
      keyed.all('Contact')
        .filter((r) => (includeDeleted || r.fields.IsDeleted !== true) && where(r.fields))
        .sort((a, b) => Number(a.fields.SystemModstamp) - Number(b.fields.SystemModstamp) || (String(a.fields.Id) < String(b.fields.Id) ? -1 : 1))
        .slice(0, limit)
        .map((r) => String(r.fields.Id));
    const walk = (includeDeleted: boolean, limit: number) => {
      let after: { stamp: number; id: string } | null = null;
      for (;;) {
        const where: string = after
          ? ` WHERE (SystemModstamp > ${soqlDateTime(after.stamp)}) OR (SystemModstamp = ${soqlDateTime(after.stamp)} AND Id > '${after.id}')`
          : ` WHERE SystemModstamp >= ${stamp(0)}`;
        const rows = executeSoql(keyed, `SELECT Id FROM Contact${where} ORDER BY SystemModstamp ASC, Id ASC LIMIT ${limit}`, { includeDeleted }).rows;
        const at = after;
        expect(rows.map((r) => String(r.fields.Id))).toEqual(reference(
          (f) => !at || Number(f.SystemModstamp) > at.stamp || (Number(f.SystemModstamp) === at.stamp && String(f.Id) > at.id), includeDeleted, limit,
        ));
        if (rows.length < limit) return;
        const last = rows.at(-1)!;
        after = { stamp: Number(last.fields.SystemModstamp), id: String(last.fields.Id) };
      }
    };
    walk(true, 7);
    walk(false, 50);
    // An update moves a row to the end of the order; a deletion stamps it too: the next queries see both.
    const [first, second] = executeSoql(keyed, `SELECT Id FROM Contact WHERE SystemModstamp >= ${stamp(0)} ORDER BY SystemModstamp ASC, Id ASC LIMIT 2`, { includeDeleted: false }).rows;
    keyed.update('Contact', String(first!.fields.Id), { LastName: 'moved' });
    keyed.delete('Contact', String(second!.fields.Id));
    const tail = executeSoql(keyed, `SELECT Id FROM Contact WHERE SystemModstamp > ${stamp(19)} ORDER BY SystemModstamp ASC, Id ASC LIMIT 10`, { includeDeleted: true }).rows.map((r) => String(r.fields.Id));
    expect(tail.sort()).toEqual([String(first!.fields.Id), String(second!.fields.Id)].sort());
    walk(true, 11);
    // Bounds in other shapes: AND takes the tightest, a null value never matches, a DESC key scans.
    expect(ids(`SELECT Id FROM Contact WHERE LastModifiedDate >= 2023-12-01T00:00:00Z AND LastModifiedDate > 2024-01-01T12:00:00Z ORDER BY LastModifiedDate ASC LIMIT 5`)).toEqual(['1AAA']);
    expect(ids('SELECT Id FROM Contact WHERE Email > null ORDER BY Email LIMIT 5')).toEqual([]);
    expect(ids('SELECT Id FROM Contact WHERE Email >= \'a\' ORDER BY Email NULLS LAST LIMIT 5')).toEqual(['1AAA', '3AAA']);
    expect(ids('SELECT Id FROM Contact WHERE LastModifiedDate >= 2023-01-01T00:00:00Z ORDER BY LastModifiedDate DESC LIMIT 2')).toEqual(['1AAA', '3AAA']);
  });

  it('names the unknown column, relationship or object in Salesforce wording', () => {
    const column = errorOf(() => executeSoql(store, 'SELECT Id, Foo FROM Contact', { includeDeleted: false }));
    expect(column.errorCode).toBe('INVALID_FIELD');
    expect(column.message).toBe(
      "\nSELECT Id, Foo FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Foo' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    expect(errorOf(() => executeSoql(store, 'SELECT Owner.Name FROM Contact', { includeDeleted: false })).errorCode).toBe('INVALID_FIELD');
    expect(errorOf(() => executeSoql(store, 'SELECT Id FROM Lead', { includeDeleted: false })).errorCode).toBe('INVALID_TYPE');
    expect(errorOf(() => parseSoql('SELECT Id FROM Contact LIMIT')).errorCode).toBe('MALFORMED_QUERY');
    expect(errorOf(() => parseSoql('SELECT FROM Contact')).errorCode).toBe('MALFORMED_QUERY');
  });
});

describe('firstInOrder (ORDER BY ... LIMIT without sorting every match)', () => {
  // A small deterministic generator: the same cases on every run.
  function numbers(seed: number, count: number, spread: number): number[] {
    let x = seed;
    return Array.from({ length: count }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return x % spread;
    });
  }
  const byValue = (a: number, b: number) => a - b;

  it.each([
    ['many duplicates', numbers(1, 5000, 20), 2000],
    ['all distinct', numbers(2, 3000, 1_000_000), 100],
    ['fewer matches than the limit', numbers(3, 50, 1000), 2000],
    ['limit of one', numbers(4, 1000, 1000), 1],
    ['already sorted', Array.from({ length: 1000 }, (_, i) => i), 10],
    ['reverse sorted', Array.from({ length: 1000 }, (_, i) => 1000 - i), 10],
  ])('equals a full sort then slice: %s', (_what, values, limit) => {
    const keep = (v: number) => v % 3 !== 0;
    expect(firstInOrder(values, keep, byValue, limit)).toEqual(values.filter(keep).sort(byValue).slice(0, limit));
  });

  it('returns nothing for a limit of zero or an empty input', () => {
    expect(firstInOrder([3, 1, 2], () => true, byValue, 0)).toEqual([]);
    expect(firstInOrder([], () => true, byValue, 5)).toEqual([]);
  });
});
