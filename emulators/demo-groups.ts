// VIP groups in the demo data: a few contacts carry groups in HubSpot's `vip_groups` (a "multiple
// checkboxes" property) and Salesforce's `VIP_Group__c` (a multi-select picklist), both written as
// the APIs return them: values separated by ";". Drawn from a stream of their own, so every other
// field of the demo data is what it was before groups existed.
import { pick, randomFor } from './demo-random.js';

/** The groups the demo data uses; `vipsync demo` defines their handling. */
export const DEMO_GROUPS = ['Board', 'Press', 'Investors', 'Key Partners'] as const;
const GROUP_RATE = 0.04;
const GROUP_STREAM = 9;

/** The person's groups as a CRM's multi-select value ("Board;Press"), or null for none. */
export function demoGroupValue(seed: number, personIndex: number): string | null {
  const random = randomFor(seed, GROUP_STREAM, personIndex);
  if (random() >= GROUP_RATE) return null;
  const first = pick(random, DEMO_GROUPS);
  const second = random() < 0.25 ? pick(random, DEMO_GROUPS) : first;
  return first === second ? first : `${first};${second}`;
}
