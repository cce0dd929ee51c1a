// The demo companies and people as Salesforce Accounts and Contacts: 18-character ids, whole-second
// audit stamps (shared by several records when asked), and emails retyped by people in both CRMs.
import { companyFor, demoMobile, phoneNumber, vipRoll, type Company, type CompanyLookup, type Person } from './demo-population.js';
import { demoGroupValue } from './demo-groups.js';
import { pick, randomFor, timestamps, type Timestamps } from './demo-random.js';
import type { SObject } from './fixture.js';

export function salesforceAccount(company: Company, shared: Timestamps | undefined): SObject {
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

export function salesforceContact(person: Person, crmIndex: number, seed: number, company: CompanyLookup, shared: Timestamps | undefined): SObject {
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
    MobilePhone: demoMobile(seed, person, 'salesforce'),
    OwnerId: salesforceId('005', person.index % 7),
    VIP_Level__c: vip.kind === 'level' ? vip.level : vip.kind === 'empty' ? pick(random, [0, null]) : null,
    VIP_Group__c: demoGroupValue(seed, person.index),
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

function retypedEmail(email: string, random: () => number): string {
  const roll = random();
  if (roll < 0.3) return email.toUpperCase();
  if (roll < 0.5) return email[0]!.toUpperCase() + email.slice(1);
  if (roll < 0.7) return ` ${email} `;
  return email;
}

// Streams of their own for shared stamps, so turning sharing on changes no other value.
export const SHARED_ACCOUNT_STAMPS = 5;
export const SHARED_CONTACT_STAMPS = 6;

/** The stamps the index-th record shares with the others of its group of `perSecond`. */
export function sharedTimestamps(seed: number, stream: number, index: number, perSecond: number | undefined): Timestamps | undefined {
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
