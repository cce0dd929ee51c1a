// Key-account coverage: which key accounts have no VIP, or none high enough; which VIPs work at
// accounts not on the list; which key-account VIPs are stale. Pure functions, every edge.
import { describe, expect, it } from 'vitest';
import { accountDomain, companyKey, coverageOf, parseKeyAccounts, type CoverageVip } from '../admin/coverage.js';

const vip = (email: string, level: number, company: string | null = null, stale = false): CoverageVip =>
  ({ email, name: null, company, level, stale, staleReason: stale ? 'left' : null });

describe('companyKey: one company however it is written', () => {
  it.each([
    ['Acme, Inc.', 'acme'], ['ACME Inc', 'acme'], ['Acme Corporation', 'acme'], ['acme', 'acme'],
    ['Globex Group Ltd', 'globex'], ['Initech  GmbH', 'initech'], ['Müller AG', 'mu ller'], ['Co', 'co'], ['Company', 'company'], ['Acme Co Ltd', 'acme'],
  ])('%j -> %j', (name, key) => {
    expect(companyKey(name)).toBe(key);
  });
});

describe('accountDomain', () => {
  it.each([
    ['acme.com', 'acme.com'], ['https://www.Acme.com/about', 'acme.com'], ['www.acme.co.uk', 'acme.co.uk'], [' acme.io ', 'acme.io'],
    ['not a domain', null], ['localhost', null], ['', null],
  ])('%j -> %j', (value, domain) => {
    expect(accountDomain(value)).toBe(domain);
  });
});

describe('parseKeyAccounts', () => {
  it('reads a name and a domain column by their header, lines numbered as in the file', () => {
    expect(parseKeyAccounts('Account,Website\nAcme Inc,https://acme.com\nGlobex,\n,initech.com\n')).toEqual([
      { row: 2, name: 'Acme Inc', domain: 'acme.com' }, { row: 3, name: 'Globex', domain: null }, { row: 4, name: null, domain: 'initech.com' },
    ]);
  });
  it('takes a file with only names or only domains', () => {
    expect(parseKeyAccounts('domain\nacme.com\n')).toEqual([{ row: 2, name: null, domain: 'acme.com' }]);
    expect(parseKeyAccounts('\uFEFFname\nAcme\n')).toEqual([{ row: 2, name: 'Acme', domain: null }]);
  });
  it.each([
    ['region,owner\nEU,ada\n', 'needs a "name" or a "domain" column'],
    ['name,domain\nAcme,not a domain\n', 'line 2: "not a domain" is not a domain'],
    ['name,domain\nAcme,acme.com\n,\n', 'line 3: no account name and no domain'],
    ['name\n"unclosed\n', 'not valid CSV'],
  ])('refuses %j saying %j', (text, message) => {
    expect(() => parseKeyAccounts(text)).toThrow(message);
  });
});

describe('coverageOf', () => {
  const accounts = parseKeyAccounts('name,domain\nAcme Inc,acme.com\nGlobex,\nInitech,initech.com\nHooli,hooli.com\n');
  const vips = [
    vip('ceo@acme.com', 5), vip('eng@eu.acme.com', 2), vip('erin@gmail.com', 3, 'Globex Ltd'), vip('peter@initech.com', 1, null, true),
    vip('gavin@piedpiper.com', 4, 'Pied Piper'), vip('someone@gmail.com', 2, null),
  ];
  const report = coverageOf(accounts, vips, 3);

  it('finds key accounts with no VIP', () => {
    expect(report.accountsWithoutVip.map((a) => a.name)).toEqual(['Hooli']);
  });
  it('finds key accounts whose best VIP is below the level (by domain, subdomains included, or by company name)', () => {
    expect(report.accountsBelowLevel).toEqual([{ account: accounts[2], bestLevel: 1 }]);
    expect(coverageOf(accounts, vips, 4).accountsBelowLevel.map((a) => [a.account.name, a.bestLevel])).toEqual([['Globex', 3], ['Initech', 1]]);
  });
  it('finds VIPs at accounts not on the list; free-mail addresses count by company only', () => {
    expect(report.vipsOutsideList.map((v) => v.email)).toEqual(['gavin@piedpiper.com', 'someone@gmail.com']);
  });
  it('finds stale VIPs at key accounts', () => {
    expect(report.staleVipsAtKeyAccounts.map((s) => [s.account.name, s.vip.email])).toEqual([['Initech', 'peter@initech.com']]);
  });
  it('counts and echoes the threshold', () => {
    expect(report).toMatchObject({ accounts: 4, minLevel: 3 });
    expect(coverageOf([], [], 1)).toEqual({ accounts: 0, minLevel: 1, accountsWithoutVip: [], accountsBelowLevel: [], vipsOutsideList: [], staleVipsAtKeyAccounts: [] });
  });
});
