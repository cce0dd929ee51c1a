// What the VIP rules and the stale checks read from HubSpot records.
import { isTrue, present } from '../field-values.js';
import type { CrmFacts } from '../provider.js';

export const hubspotFacts: CrmFacts = {
  explicitLevelField: 'vip_level',
  companyFields: { annualRevenue: 'annualrevenue', employees: 'numberofemployees', type: 'type' },
  bounceProperties: ['hs_email_hard_bounce_reason_enum', 'hs_email_bad_address'],
  // Default contact properties "phone" (Phone Number) and "mobilephone" (Mobile Phone Number),
  // HubSpot knowledge base "HubSpot's default contact properties".
  phoneProperties: ['phone', 'mobilephone'],
  bounce(properties) {
    const reasonEnum = properties.hs_email_hard_bounce_reason_enum;
    if (present(reasonEnum) && String(reasonEnum).trim().toUpperCase() !== 'NONE') {
      return { detail: `HubSpot hard bounce (${String(reasonEnum)})`, at: null };
    }
    if (isTrue(properties.hs_email_bad_address)) return { detail: 'HubSpot marks the address as bad (hs_email_bad_address)', at: null };
    return null;
  },
};
