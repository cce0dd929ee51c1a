// Deterministic, realistic demo data for both CRMs. Every company and person is derived from
// (seed, index) alone, so any record can be produced without the ones before it: fixtures of a
// million contacts stream out without being held in memory, and the same seed gives the same bytes.
import {
  CITIES,
  COMPANY_CORES,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  DEPARTMENTS,
  FIRST_NAMES,
  FREE_MAIL_DOMAINS,
  INDUSTRIES,
  LAST_NAMES,
  TLDS,
} from './demo-vocabulary.js';
import type { Fixture, HubSpotObject, SObject } from './fixture.js';

export interface DemoOptions {
  /** Contact records in total, across both CRMs. */
  contacts: number;
  seed?: number;
  /**
   * Salesforce Accounts, and Contacts, share their audit stamps this many at a time (consecutive
   * ones in one second), as a real org's do: one recorded org had up to 13 records a second, so
   * ties on a (SystemModstamp, Id) cursor are the common case (salesforce.md, "Behaviours a sync
   * must survive"). Unset: each record has a second of its own, give or take chance.
   */
  salesforceRecordsPerSecond?: number;
}

export type DemoContact = { crm: 'hubspot'; record: HubSpotObject } | { crm: 'salesforce'; record: SObject };
export interface DemoCompany {
  hubspot?: HubSpotObject;
  salesforce?: SObject;
}

const DEFAULT_SEED = 42;
/** Share of people who are in both CRMs, under the same (sometimes differently typed) email. */
const SHARED_PERSON_RATE = 0.1;
const HUBSPOT_ONLY_RATE = 0.45;
const EXPLICIT_VIP_RATE = 0.15;
const EMPTY_VIP_RATE = 0.02;
const NO_COMPANY_RATE = 0.08;
const CONTACTS_PER_COMPANY = 20;

export function generateDemoFixture(opts: DemoOptions): Fixture {
  const fixture: Fixture = { hubspot: { companies: [], contacts: [] }, salesforce: { Account: [], Contact: [] } };
  for (const company of demoCompanies(opts)) {
    if (company.hubspot) fixture.hubspot.companies.push(company.hubspot);
    if (company.salesforce) fixture.salesforce.Account.push(company.salesforce);
  }
  for (const contact of demoContacts(opts)) {
    if (contact.crm === 'hubspot') fixture.hubspot.contacts.push(contact.record);
    else fixture.salesforce.Contact.push(contact.record);
  }
  return fixture;
}

/** The fixture as JSON text in chunks, byte-identical to JSON.stringify(generateDemoFixture(opts)). */
export function* demoFixtureJson(opts: DemoOptions): Generator<string> {
  const section = function* <T>(records: Iterable<T>): Generator<string> {
    let first = true;
    for (const record of records) {
      yield (first ? '' : ',') + JSON.stringify(record);
      first = false;
    }
  };
  const companies = () => demoCompanies(opts);
  yield '{"hubspot":{"companies":[';
  yield* section(mapDefined(companies(), (company) => company.hubspot));
  yield '],"contacts":[';
  yield* section(mapDefined(demoContacts(opts), (contact) => (contact.crm === 'hubspot' ? contact.record : undefined)));
  yield ']},"salesforce":{"Account":[';
  yield* section(mapDefined(companies(), (company) => company.salesforce));
  yield '],"Contact":[';
  yield* section(mapDefined(demoContacts(opts), (contact) => (contact.crm === 'salesforce' ? contact.record : undefined)));
  yield ']}}';
}

export function* demoCompanies(opts: DemoOptions): Generator<DemoCompany> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const perSecond = recordsPerSecond(opts);
  const count = companyCount(opts.contacts);
  let salesforceIndex = 0;
  for (let index = 0; index < count; index++) {
    const company = companyAt(seed, index, count);
    const shared = company.inSalesforce ? sharedTimestamps(seed, SHARED_ACCOUNT_STAMPS, salesforceIndex++, perSecond) : undefined;
    yield {
      hubspot: company.inHubSpot ? hubSpotCompany(company) : undefined,
      salesforce: company.inSalesforce ? salesforceAccount(company, shared) : undefined,
    };
  }
}

export function* demoContacts(opts: DemoOptions): Generator<DemoContact> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const perSecond = recordsPerSecond(opts);
  const companies = companyCount(opts.contacts);
  const company = companyLookup(seed, companies);
  let produced = 0;
  let hubspotIndex = 0;
  let salesforceIndex = 0;
  for (let personIndex = 0; produced < opts.contacts; personIndex++) {
    const person = personAt(seed, personIndex, company);
    const remaining = opts.contacts - produced;
    const inBoth = person.placement === 'both' && remaining >= 2;
    if (person.placement === 'hubspot' || inBoth || (person.placement === 'both' && remaining < 2)) {
      yield { crm: 'hubspot', record: hubSpotContact(person, hubspotIndex++, seed, company) };
      produced++;
    }
    if (person.placement === 'salesforce' || inBoth) {
      const shared = sharedTimestamps(seed, SHARED_CONTACT_STAMPS, salesforceIndex, perSecond);
      yield { crm: 'salesforce', record: salesforceContact(person, salesforceIndex++, seed, company, shared) };
      produced++;
    }
  }
}

// ---- companies ---------------------------------------------------------------------------------

interface Company {
  index: number;
  name: string;
  domain: string;
  industry: (typeof INDUSTRIES)[number];
  employees: number;
  revenue: number;
  city: string;
  country: string;
  type: string;
  createdMs: number;
  updatedMs: number;
  inHubSpot: boolean;
  inSalesforce: boolean;
}

function companyCount(contacts: number): number {
  return Math.max(1, Math.ceil(contacts / CONTACTS_PER_COMPANY));
}

/** Half the companies are in both CRMs, a quarter only in each. */
function companyInHubSpot(index: number): boolean {
  return index % 4 !== 3;
}

function companyInSalesforce(index: number, count: number): boolean {
  return index % 4 !== 0 || count === 1;
}

const NAME_COMBINATIONS = COMPANY_PREFIXES.length * COMPANY_CORES.length * COMPANY_SUFFIXES.length;

function companyAt(seed: number, index: number, count: number): Company {
  const random = randomFor(seed, 1, index);
  // A bijection over the name space (7919 is coprime with it) so neighbours get unrelated names.
  const combination = (index * 7919) % NAME_COMBINATIONS;
  const prefix = COMPANY_PREFIXES[combination % COMPANY_PREFIXES.length]!;
  const core = COMPANY_CORES[Math.floor(combination / COMPANY_PREFIXES.length) % COMPANY_CORES.length]!;
  const suffix = COMPANY_SUFFIXES[Math.floor(combination / (COMPANY_PREFIXES.length * COMPANY_CORES.length))]!;
  const generation = Math.floor(index / NAME_COMBINATIONS);
  const baseName = `${prefix} ${core}`;
  const name = `${baseName} ${suffix}${generation > 0 ? ` ${generation + 1}` : ''}`;
  const domain = `${slug(baseName)}${generation > 0 ? generation + 1 : ''}.${pick(random, TLDS)}`;
  const employees = Math.round(Math.exp(random() * Math.log(50_000)));
  const [city, country] = pick(random, CITIES);
  const { createdMs, updatedMs } = timestamps(random);
  return {
    index,
    name,
    domain,
    industry: pick(random, INDUSTRIES),
    employees,
    revenue: Math.round(employees * (80_000 + random() * 220_000)),
    city,
    country,
    type: pick(random, ['Customer', 'Prospect', 'Partner']),
    createdMs,
    updatedMs,
    inHubSpot: companyInHubSpot(index),
    inSalesforce: companyInSalesforce(index, count),
  };
}

function hubSpotCompanyId(index: number): string {
  return String(20_000_000_000 + index);
}

function hubSpotCompany(company: Company): HubSpotObject {
  const id = hubSpotCompanyId(company.index);
  const createdAt = new Date(company.createdMs).toISOString();
  const updatedAt = new Date(company.updatedMs).toISOString();
  return {
    id,
    properties: {
      name: company.name,
      domain: company.domain,
      industry: company.industry.hubspot,
      numberofemployees: String(company.employees),
      annualrevenue: String(company.revenue),
      city: company.city,
      country: company.country,
      createdate: createdAt,
      hs_lastmodifieddate: updatedAt,
      hs_object_id: id,
    },
    createdAt,
    updatedAt,
    archived: false,
  };
}

function salesforceAccount(company: Company, shared: Timestamps | undefined): SObject {
  const { createdMs, updatedMs } = shared ?? company;
  return {
    Id: salesforceId('001', company.index),
    Name: company.name,
    Website: `https://www.${company.domain}`,
    Industry: company.industry.salesforce,
    NumberOfEmployees: company.employees,
    AnnualRevenue: company.revenue,
    Type: company.type,
    BillingCity: company.city,
    BillingCountry: company.country,
    OwnerId: salesforceId('005', company.index % 7),
    IsDeleted: false,
    CreatedDate: salesforceDateTime(createdMs),
    LastModifiedDate: salesforceDateTime(updatedMs),
    SystemModstamp: salesforceDateTime(updatedMs),
  };
}

// ---- people ------------------------------------------------------------------------------------

interface Person {
  index: number;
  placement: 'hubspot' | 'salesforce' | 'both';
  firstName: string;
  lastName: string;
  email: string;
  title: string;
  phone: string;
  companyIndex: number | undefined;
  random: () => number;
}

/** Companies are looked up once per contact; memoised because people share them. */
interface CompanyLookup {
  count: number;
  at(index: number): Company;
}

function companyLookup(seed: number, count: number): CompanyLookup {
  const cache: (Company | undefined)[] = new Array(count);
  return { count, at: (index) => (cache[index] ??= companyAt(seed, index, count)) };
}

function personAt(seed: number, index: number, company: CompanyLookup): Person {
  const random = randomFor(seed, 2, index);
  const roll = random();
  const placement = roll < SHARED_PERSON_RATE ? 'both' : roll < SHARED_PERSON_RATE + HUBSPOT_ONLY_RATE ? 'hubspot' : 'salesforce';
  const firstName = pick(random, FIRST_NAMES);
  const lastName = pick(random, LAST_NAMES);
  const companyIndex = random() < NO_COMPANY_RATE ? undefined : Math.floor(random() * company.count);
  const domain = companyIndex === undefined ? pick(random, FREE_MAIL_DOMAINS) : company.at(companyIndex).domain;
  const local = pick(random, [`${firstName}.${lastName}`, `${firstName[0]}${lastName}`, `${firstName}`, `${firstName}_${lastName}`]);
  return {
    index,
    placement,
    firstName,
    lastName,
    // The index keeps emails unique across the whole data set.
    email: `${local.toLowerCase()}${index}@${domain}`,
    title: jobTitle(random),
    phone: phoneNumber(random),
    companyIndex,
    random,
  };
}

/** The person's company as this CRM knows it: HubSpot and Salesforce each lack some companies. */
function companyFor(person: Person, crm: 'hubspot' | 'salesforce', companies: number): number | undefined {
  const index = person.companyIndex;
  if (index === undefined) return undefined;
  if (crm === 'hubspot') return companyInHubSpot(index) ? index : index - 1;
  if (companyInSalesforce(index, companies)) return index;
  return index + 1 < companies ? index + 1 : index - 1;
}

function hubSpotContact(person: Person, crmIndex: number, seed: number, company: CompanyLookup): HubSpotObject {
  const random = randomFor(seed, 3, person.index);
  const id = String(1_000_001 + crmIndex);
  const { createdMs, updatedMs } = timestamps(random);
  const createdAt = new Date(createdMs).toISOString();
  const updatedAt = new Date(updatedMs).toISOString();
  const companyIndex = companyFor(person, 'hubspot', company.count);
  const properties: Record<string, string | null> = {
    email: person.email,
    firstname: person.firstName,
    lastname: person.lastName,
    jobtitle: person.title,
    phone: person.phone,
    company: companyIndex === undefined ? null : company.at(companyIndex).name,
    lifecyclestage: pick(random, ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer']),
    createdate: createdAt,
    lastmodifieddate: updatedAt,
    hs_object_id: id,
  };
  const vip = vipRoll(random);
  if (vip.kind === 'level') properties.vip_level = String(vip.level);
  if (vip.kind === 'empty') properties.vip_level = pick(random, ['', '0']);
  const contact: HubSpotObject = { id, properties, createdAt, updatedAt, archived: false };
  if (companyIndex !== undefined) contact.associations = { companies: { results: [{ id: hubSpotCompanyId(companyIndex), type: 'contact_to_company' }] } };
  return contact;
}

function salesforceContact(person: Person, crmIndex: number, seed: number, company: CompanyLookup, shared: Timestamps | undefined): SObject {
  const random = randomFor(seed, 4, person.index);
  // Drawn either way, so the fields drawn after them are the same with shared stamps or without.
  const own = timestamps(random);
  const { createdMs, updatedMs } = shared ?? own;
  const companyIndex = companyFor(person, 'salesforce', company.count);
  const bounced = random() < 0.01;
  const vip = vipRoll(random);
  return {
    Id: salesforceId('003', crmIndex),
    AccountId: companyIndex === undefined ? null : salesforceId('001', companyIndex),
    FirstName: person.firstName,
    LastName: person.lastName,
    // People typed into both CRMs rarely match exactly: case and stray whitespace differ.
    Email: person.placement === 'both' ? retypedEmail(person.email, random) : person.email,
    Title: person.title,
    Phone: person.placement === 'both' ? phoneNumber(random) : person.phone,
    OwnerId: salesforceId('005', person.index % 7),
    VIP_Level__c: vip.kind === 'level' ? vip.level : vip.kind === 'empty' ? pick(random, [0, null]) : null,
    HasOptedOutOfEmail: random() < 0.05,
    IsEmailBounced: bounced,
    EmailBouncedReason: bounced ? '550 5.1.1 The email account that you tried to reach does not exist' : null,
    EmailBouncedDate: bounced ? salesforceDateTime(updatedMs) : null,
    IsDeleted: false,
    MasterRecordId: null,
    CreatedDate: salesforceDateTime(createdMs),
    LastModifiedDate: salesforceDateTime(updatedMs),
    SystemModstamp: salesforceDateTime(updatedMs),
  };
}

type VipRoll = { kind: 'level'; level: number } | { kind: 'empty' } | { kind: 'none' };

function vipRoll(random: () => number): VipRoll {
  const roll = random();
  if (roll < EXPLICIT_VIP_RATE) return { kind: 'level', level: 1 + Math.floor((roll / EXPLICIT_VIP_RATE) * 5) };
  if (roll < EXPLICIT_VIP_RATE + EMPTY_VIP_RATE) return { kind: 'empty' };
  return { kind: 'none' };
}

function retypedEmail(email: string, random: () => number): string {
  const roll = random();
  if (roll < 0.3) return email.toUpperCase();
  if (roll < 0.5) return email[0]!.toUpperCase() + email.slice(1);
  if (roll < 0.7) return ` ${email} `;
  return email;
}

function jobTitle(random: () => number): string {
  const roll = random();
  if (roll < 0.04) return pick(random, ['CEO', 'CTO', 'CFO', 'COO', 'Founder', 'Co-Founder', 'President']);
  if (roll < 0.14) return `VP ${pick(random, DEPARTMENTS)}`;
  if (roll < 0.3) return `Director of ${pick(random, DEPARTMENTS)}`;
  if (roll < 0.55) return `${pick(random, DEPARTMENTS)} Manager`;
  return pick(random, ['Software Engineer', 'Senior Engineer', 'Account Executive', 'Analyst', 'Consultant', 'Designer', 'Specialist', 'Coordinator', 'Engineer']);
}

function phoneNumber(random: () => number): string {
  const area = 200 + Math.floor(random() * 800);
  const exchange = 200 + Math.floor(random() * 800);
  const line = String(Math.floor(random() * 10_000)).padStart(4, '0');
  switch (Math.floor(random() * 6)) {
    case 0:
      return `+1 ${area} ${exchange} ${line}`;
    case 1:
      return `(${area}) ${exchange}-${line}`;
    case 2:
      return `${area}.${exchange}.${line}`;
    case 3:
      return `${area}${exchange}${line}`;
    case 4:
      return `+44 20 ${exchange}${line[0]} ${line.slice(1)}0`;
    default:
      return `+1-${area}-${exchange}-${line}`;
  }
}

// ---- shared helpers ----------------------------------------------------------------------------

const START_MS = Date.UTC(2025, 0, 1);
// Fixed (the data is deterministic) and in the past, so an incremental sync right after a full one
// has nothing newer than its watermark to read.
const END_MS = Date.UTC(2026, 5, 30, 23, 59, 59);

interface Timestamps {
  createdMs: number;
  updatedMs: number;
}

/** Created between 2025 and mid-2026, modified after that but still before END_MS. */
function timestamps(random: () => number): Timestamps {
  const createdMs = START_MS + Math.floor(random() * (END_MS - START_MS) * 0.8);
  const updatedMs = createdMs + Math.floor(random() * (END_MS - createdMs));
  return { createdMs, updatedMs };
}

// Streams of their own for shared stamps, so turning sharing on changes no other value.
const SHARED_ACCOUNT_STAMPS = 5;
const SHARED_CONTACT_STAMPS = 6;

function recordsPerSecond(opts: DemoOptions): number | undefined {
  const perSecond = opts.salesforceRecordsPerSecond;
  if (perSecond !== undefined && (!Number.isInteger(perSecond) || perSecond < 1)) {
    throw new Error(`salesforceRecordsPerSecond must be a whole number of at least 1, got ${perSecond}`);
  }
  return perSecond;
}

/** The stamps the index-th record shares with the others of its group of `perSecond`. */
function sharedTimestamps(seed: number, stream: number, index: number, perSecond: number | undefined): Timestamps | undefined {
  return perSecond === undefined ? undefined : timestamps(randomFor(seed, stream, Math.floor(index / perSecond)));
}

/** Salesforce's wire format at a whole second: real orgs keep audit stamps without milliseconds. */
function salesforceDateTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('Z', '+0000');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** An 18-character Salesforce id: key prefix, instance/pod part, a number, then the case checksum. */
export function salesforceId(prefix: string, number: number): string {
  let digits = '';
  for (let rest = number; digits.length < 6; rest = Math.floor(rest / 62)) digits = BASE62[rest % 62] + digits;
  const id15 = `${prefix}5g0000${digits}`;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += CHECKSUM_CHARS[bits];
  }
  return id15 + suffix;
}

/** mulberry32: tiny, fast and good enough for test data. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per (seed, kind of record, index), so records can be made in any order. */
function randomFor(seed: number, stream: number, index: number): () => number {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return mulberry32(hash ^ (hash >>> 16));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function* mapDefined<T, U>(items: Iterable<T>, map: (item: T) => U | undefined): Generator<U> {
  for (const item of items) {
    const mapped = map(item);
    if (mapped !== undefined) yield mapped;
  }
}
