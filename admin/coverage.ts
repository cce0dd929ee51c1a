// Coverage of key accounts by the VIP list: a list of the accounts that matter (by name or domain)
// against the VIPs, to find accounts nobody important is known at, accounts whose best VIP is
// below a level, VIPs at accounts not on the list, and stale VIPs at key accounts.
import { parse } from 'csv-parse/sync';
import type { Db } from '../db/client.js';
import { emailMatchesCompanyDomain } from '../vip/stale.js';
import { AdminError } from './errors.js';

export interface KeyAccount {
  /** Line in the file (header = 1). */
  row: number;
  name: string | null;
  domain: string | null;
}

export interface CoverageVip {
  email: string;
  name: string | null;
  company: string | null;
  level: number;
  stale: boolean;
  staleReason: string | null;
}

export interface AccountCoverage {
  account: KeyAccount;
  /** The VIPs matched to it, the highest level first. */
  vips: CoverageVip[];
}

export interface CoverageReport {
  accounts: number;
  minLevel: number;
  accountsWithoutVip: KeyAccount[];
  /** Key accounts whose best VIP is below minLevel. */
  accountsBelowLevel: { account: KeyAccount; bestLevel: number }[];
  vipsOutsideList: CoverageVip[];
  staleVipsAtKeyAccounts: { account: KeyAccount; vip: CoverageVip }[];
}

const NAME_COLUMNS = new Set(['name', 'account', 'company', 'account name', 'company name']);
const DOMAIN_COLUMNS = new Set(['domain', 'website', 'web site', 'url']);
const LEGAL_SUFFIXES = new Set(['inc', 'incorporated', 'llc', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'gmbh', 'ag', 'sa', 'plc', 'group']);

/** "Acme, Inc." and "ACME Inc" are one company: lower case, words only, without a legal suffix. */
export function companyKey(name: string): string {
  const words = name.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(' ').filter(Boolean);
  while (words.length > 1 && LEGAL_SUFFIXES.has(words.at(-1)!)) words.pop();
  return words.join(' ');
}

/** "https://www.Acme.com/about" -> "acme.com"; null when there is no host in it. */
export function accountDomain(value: string): string | null {
  const raw = value.trim();
  if (!raw) return null;
  try {
    const host = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `https://${raw}`).hostname.toLowerCase().replace(/^www\./, '');
    return host.includes('.') ? host : null;
  } catch {
    return null;
  }
}

/** Key accounts from CSV text: a header with a name column and/or a domain column; each row needs one. */
export function parseKeyAccounts(text: string): KeyAccount[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    throw new AdminError('invalid', `the key accounts file is not valid CSV: ${(error as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const nameAt = header.findIndex((h) => NAME_COLUMNS.has(h));
  const domainAt = header.findIndex((h) => DOMAIN_COLUMNS.has(h));
  if (nameAt === -1 && domainAt === -1) {
    throw new AdminError('invalid', `the key accounts file needs a "name" or a "domain" column in its header line; it has: ${header.join(', ') || 'nothing'}`);
  }
  const accounts: KeyAccount[] = [];
  for (const [i, record] of records.slice(1).entries()) {
    const name = nameAt === -1 ? '' : (record[nameAt] ?? '').trim();
    const rawDomain = domainAt === -1 ? '' : (record[domainAt] ?? '').trim();
    const domain = rawDomain ? accountDomain(rawDomain) : null;
    if (rawDomain && !domain) throw new AdminError('invalid', `line ${i + 2}: "${rawDomain}" is not a domain or web address`);
    if (!name && !domain) throw new AdminError('invalid', `line ${i + 2}: no account name and no domain`);
    accounts.push({ row: i + 2, name: name || null, domain });
  }
  return accounts;
}

/** Whether a VIP works at an account: their email's domain is the account's, or their company is. */
function worksAt(vip: CoverageVip & { companyKey: string | null }, account: KeyAccount & { nameKey: string | null }): boolean {
  if (account.domain && emailMatchesCompanyDomain(vip.email, account.domain) === true) return true;
  return account.nameKey !== null && vip.companyKey === account.nameKey;
}

/** The report itself: a pure function of the accounts and the VIPs (people with a level). */
export function coverageOf(accounts: KeyAccount[], vips: CoverageVip[], minLevel: number): CoverageReport {
  const matched = new Set<string>();
  // Company names normalised once each, not once for every account and VIP compared.
  const keyed = vips.map((vip) => ({ ...vip, companyKey: vip.company === null ? null : companyKey(vip.company) }));
  const coverage: AccountCoverage[] = accounts.map((account) => {
    const named = { ...account, nameKey: account.name === null ? null : companyKey(account.name) };
    const at = vips.filter((_vip, i) => worksAt(keyed[i]!, named)).sort((a, b) => b.level - a.level || a.email.localeCompare(b.email));
    for (const vip of at) matched.add(vip.email);
    return { account, vips: at };
  });
  return {
    accounts: accounts.length,
    minLevel,
    accountsWithoutVip: coverage.filter((c) => c.vips.length === 0).map((c) => c.account),
    accountsBelowLevel: coverage.filter((c) => c.vips.length > 0 && c.vips[0]!.level < minLevel).map((c) => ({ account: c.account, bestLevel: c.vips[0]!.level })),
    vipsOutsideList: vips.filter((vip) => !matched.has(vip.email)),
    staleVipsAtKeyAccounts: coverage.flatMap((c) => c.vips.filter((vip) => vip.stale).map((vip) => ({ account: c.account, vip }))),
  };
}

/** The report against the VIP list in the database. */
export async function coverageReport(db: Db, csvText: string, minLevel: number): Promise<CoverageReport> {
  if (!Number.isInteger(minLevel) || minLevel < 1 || minLevel > 5) throw new AdminError('invalid', `minimum level must be 1-5, got ${minLevel}`);
  const accounts = parseKeyAccounts(csvText);
  const vips = await db.vip.findMany({
    where: { level: { not: null } },
    select: { email: true, name: true, company: true, level: true, stale: true, staleReason: true },
    orderBy: { email: 'asc' },
  });
  return coverageOf(accounts, vips.map((v) => ({ ...v, level: v.level! })), minLevel);
}
