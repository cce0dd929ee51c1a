// Deterministic, realistic demo data for both CRMs. Every company and person is derived from
// (seed, index) alone, so any record can be produced without the ones before it: fixtures of a
// million contacts stream out without being held in memory, and the same seed gives the same bytes.
// The CRM-neutral population is in demo-population.ts; demo-hubspot.ts and demo-salesforce.ts shape it per CRM.
import { hubSpotCompany, hubSpotContact } from './demo-hubspot.js';
import { companyAt, companyCount, companyLookup, personAt } from './demo-population.js';
import { SHARED_ACCOUNT_STAMPS, SHARED_CONTACT_STAMPS, salesforceAccount, salesforceContact, sharedTimestamps } from './demo-salesforce.js';
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

function recordsPerSecond(opts: DemoOptions): number | undefined {
  const perSecond = opts.salesforceRecordsPerSecond;
  if (perSecond !== undefined && (!Number.isInteger(perSecond) || perSecond < 1)) {
    throw new Error(`salesforceRecordsPerSecond must be a whole number of at least 1, got ${perSecond}`);
  }
  return perSecond;
}

function* mapDefined<T, U>(items: Iterable<T>, map: (item: T) => U | undefined): Generator<U> {
  for (const item of items) {
    const mapped = map(item);
    if (mapped !== undefined) yield mapped;
  }
}
