// What the VIP rules and the stale checks read from Salesforce records.
import { isTrue, present } from '../field-values.js';
import type { CrmFacts } from '../provider.js';
import { salesforceTime } from './time.js';

export const salesforceFacts: CrmFacts = {
  explicitLevelField: 'VIP_Level__c',
  companyFields: { annualRevenue: 'AnnualRevenue', employees: 'NumberOfEmployees', type: 'Type' },
  bounceProperties: ['IsEmailBounced', 'EmailBouncedReason', 'EmailBouncedDate'],
  // Standard Contact fields Phone and MobilePhone (Object Reference, Contact; jsforce's
  // standard-schema.ts: both string|null).
  phoneProperties: ['Phone', 'MobilePhone'],
  bounce(properties) {
    const reason = properties.EmailBouncedReason;
    const date = properties.EmailBouncedDate;
    if (!isTrue(properties.IsEmailBounced) && !present(reason) && !present(date)) return null;
    return { detail: `Salesforce email bounced${present(reason) ? ` (${String(reason)})` : ''}`, at: salesforceTime(date)?.toISOString() ?? null };
  },
};
