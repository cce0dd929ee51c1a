// The demo companies and people as HubSpot records: ids, properties (vip_level among them) and each
// contact's association to its company.
import { companyFor, demoMobile, vipRoll, type Company, type CompanyLookup, type Person } from './demo-population.js';
import { demoGroupValue } from './demo-groups.js';
import { pick, randomFor, timestamps } from './demo-random.js';
import type { HubSpotObject } from './fixture.js';

function hubSpotCompanyId(index: number): string {
  return String(20_000_000_000 + index);
}

export function hubSpotCompany(company: Company): HubSpotObject {
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

export function hubSpotContact(person: Person, crmIndex: number, seed: number, company: CompanyLookup): HubSpotObject {
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
    mobilephone: demoMobile(seed, person, 'hubspot'),
    company: companyIndex === undefined ? null : company.at(companyIndex).name,
    lifecyclestage: pick(random, ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer']),
    createdate: createdAt,
    lastmodifieddate: updatedAt,
    hs_object_id: id,
  };
  const vip = vipRoll(random);
  if (vip.kind === 'level') properties.vip_level = String(vip.level);
  if (vip.kind === 'empty') properties.vip_level = pick(random, ['', '0']);
  const groups = demoGroupValue(seed, person.index);
  if (groups !== null) properties.vip_groups = groups;
  const contact: HubSpotObject = { id, properties, createdAt, updatedAt, archived: false };
  if (companyIndex !== undefined) contact.associations = { companies: { results: [{ id: hubSpotCompanyId(companyIndex), type: 'contact_to_company' }] } };
  return contact;
}
