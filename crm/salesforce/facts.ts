// What the VIP rules and the stale checks read from Salesforce records.
import { isTrue, present } from '../field-values.js';
import type { CrmFacts } from '../provider.js';

/** Salesforce writes "2024-05-20T20:49:32.000+0000": JavaScript wants a colon in the offset. */
function salesforceTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const time = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

export const salesforceFacts: CrmFacts = {
  explicitLevelField: 'VIP_Level__c',
  companyFields: { annualRevenue: 'AnnualRevenue', employees: 'NumberOfEmployees', type: 'Type' },
  bounceProperties: ['IsEmailBounced', 'EmailBouncedReason', 'EmailBouncedDate'],
  bounce(properties) {
    const reason = properties.EmailBouncedReason;
    const date = properties.EmailBouncedDate;
    if (!isTrue(properties.IsEmailBounced) && !present(reason) && !present(date)) return null;
    return { detail: `Salesforce email bounced${present(reason) ? ` (${String(reason)})` : ''}`, at: salesforceTime(date) };
  },
};
