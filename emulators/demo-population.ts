// The companies and people the demo data is made of, before either CRM shapes them: names, where
// each one lives (HubSpot, Salesforce or both), and the attributes both CRMs' records draw on.
import { pick, randomFor, timestamps } from './demo-random.js';
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

/** Share of people who are in both CRMs, under the same (sometimes differently typed) email. */
const SHARED_PERSON_RATE = 0.1;
const HUBSPOT_ONLY_RATE = 0.45;
const EXPLICIT_VIP_RATE = 0.15;
const EMPTY_VIP_RATE = 0.02;
const NO_COMPANY_RATE = 0.08;
const CONTACTS_PER_COMPANY = 20;

export interface Company {
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

export function companyCount(contacts: number): number {
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

export function companyAt(seed: number, index: number, count: number): Company {
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

export interface Person {
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
export interface CompanyLookup {
  count: number;
  at(index: number): Company;
}

export function companyLookup(seed: number, count: number): CompanyLookup {
  const cache: (Company | undefined)[] = new Array(count);
  return { count, at: (index) => (cache[index] ??= companyAt(seed, index, count)) };
}

export function personAt(seed: number, index: number, company: CompanyLookup): Person {
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
export function companyFor(person: Person, crm: 'hubspot' | 'salesforce', companies: number): number | undefined {
  const index = person.companyIndex;
  if (index === undefined) return undefined;
  if (crm === 'hubspot') return companyInHubSpot(index) ? index : index - 1;
  if (companyInSalesforce(index, companies)) return index;
  return index + 1 < companies ? index + 1 : index - 1;
}

type VipRoll = { kind: 'level'; level: number } | { kind: 'empty' } | { kind: 'none' };

export function vipRoll(random: () => number): VipRoll {
  const roll = random();
  if (roll < EXPLICIT_VIP_RATE) return { kind: 'level', level: 1 + Math.floor((roll / EXPLICIT_VIP_RATE) * 5) };
  if (roll < EXPLICIT_VIP_RATE + EMPTY_VIP_RATE) return { kind: 'empty' };
  return { kind: 'none' };
}

function jobTitle(random: () => number): string {
  const roll = random();
  if (roll < 0.04) return pick(random, ['CEO', 'CTO', 'CFO', 'COO', 'Founder', 'Co-Founder', 'President']);
  if (roll < 0.14) return `VP ${pick(random, DEPARTMENTS)}`;
  if (roll < 0.3) return `Director of ${pick(random, DEPARTMENTS)}`;
  if (roll < 0.55) return `${pick(random, DEPARTMENTS)} Manager`;
  return pick(random, ['Software Engineer', 'Senior Engineer', 'Account Executive', 'Analyst', 'Consultant', 'Designer', 'Specialist', 'Coordinator', 'Engineer']);
}

/** Share of people with a mobile number besides their phone, in one of their CRMs (demoMobile). */
export const MOBILE_RATE = 0.3;

/**
 * The person's mobile in the CRM that holds it, or null: about 30% have one, a person in both CRMs
 * in one of them only (so a lookup by that mobile finds them through one CRM's record). Its own
 * random stream, so the other fields stay what they were before mobiles existed.
 */
export function demoMobile(seed: number, person: Person, crm: 'hubspot' | 'salesforce'): string | null {
  const random = randomFor(seed, 7, person.index);
  if (random() >= MOBILE_RATE) return null;
  const holder = person.placement === 'both' ? (random() < 0.5 ? 'hubspot' : 'salesforce') : person.placement;
  const mobile = phoneNumber(random);
  return holder === crm ? mobile : null;
}

export function phoneNumber(random: () => number): string {
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

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}
