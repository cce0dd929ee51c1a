// The phone numbers a person is found by (vips.phones): every phone field of every live CRM record
// of the person, in E.164, so a caller who rings from a mobile that only one CRM holds is found.
// A deleted or merged record's numbers are left out (they are no longer this person's for sure);
// a number that cannot be read is left out, never guessed at.
import { crmProviders } from '../crm/registry.js';
import { normalizePhone } from './phone.js';

export interface PhoneSourceRecord {
  live: boolean;
  /** crm_contacts.phone: the CRM's main phone, else its mobile (as the CRM client read it). */
  phone: string | null;
  /** The record's properties, of which the phone properties are read. */
  properties: Record<string, unknown>;
}

/** Every CRM's contact properties that hold phone numbers (HubSpot phone, mobilephone; Salesforce Phone, MobilePhone). */
export function phoneProperties(): string[] {
  return crmProviders().flatMap((p) => p.facts.phoneProperties ?? []);
}

/** The person's phones from their live records: E.164, distinct, sorted (so equal sets compare equal). */
export function personPhones(records: PhoneSourceRecord[], defaultCountry: string, properties: readonly string[] = phoneProperties()): string[] {
  // Each text read once: the phone column repeats one of the properties, and parsing is the costly part.
  const texts = new Set<string>();
  for (const record of records) {
    if (!record.live) continue;
    if (record.phone) texts.add(record.phone);
    for (const name of properties) {
      const value = record.properties[name];
      if (typeof value === 'string' && value.trim() !== '') texts.add(value);
    }
  }
  const phones = new Set<string>();
  for (const text of texts) {
    const check = normalizePhone(text, defaultCountry);
    if (check.ok) phones.add(check.e164);
  }
  return [...phones].sort();
}
