// HubSpot's search reference (2026) answers 400 to a request with more than 6 filters in a group,
// 18 in all, more than one sort, or a body over 3,000 characters. The biggest search the client
// makes leaves out the ids already read at one instant with NOT_IN: it must keep a safe margin.
import { describe, expect, it } from 'vitest';
import { keysetGroups, LAST_MODIFIED, searchRequest } from '../crm/hubspot/mappers.js';
import { MAX_EXCLUDED_IDS } from '../crm/hubspot/walks.js';

const BODY_LIMIT = 3_000;
/** What the client's biggest body may use of the limit: HubSpot ids grow, and so may our properties. */
const SAFE_SHARE = 0.8;

describe('HubSpot search requests stay within the search limits', () => {
  // Portals created lately number their records with 11 digits; a millisecond time has 13.
  const elevenDigitIds = Array.from({ length: MAX_EXCLUDED_IDS }, (_, i) => String(99_999_999_000 + i));
  const from = Date.parse('2026-12-05T05:00:00.123Z');

  for (const type of ['contacts', 'companies'] as const) {
    it(`the keyset query of ${type} leaving out ${MAX_EXCLUDED_IDS} eleven-digit ids is under ${SAFE_SHARE * 100}% of the 3,000-character body limit`, () => {
      const body = JSON.stringify(searchRequest(type, keysetGroups(LAST_MODIFIED[type], from, elevenDigitIds), LAST_MODIFIED[type], 0));
      // contacts: 1,987 characters, companies: 1,913 (with the properties of today).
      expect(body.length).toBeLessThanOrEqual(BODY_LIMIT * SAFE_SHARE);
      const request = JSON.parse(body) as { filterGroups: { filters: unknown[] }[]; sorts: unknown[] };
      expect(request.sorts).toHaveLength(1);
      expect(Math.max(...request.filterGroups.map((g) => g.filters.length))).toBeLessThanOrEqual(6);
      expect(request.filterGroups.reduce((n, g) => n + g.filters.length, 0)).toBeLessThanOrEqual(18);
    });
  }

  it('one id more than MAX_EXCLUDED_IDS would still fit, so the margin is not all in the constant', () => {
    const more = [...elevenDigitIds, '99999999999'];
    expect(JSON.stringify(searchRequest('contacts', keysetGroups(LAST_MODIFIED.contacts, from, more), LAST_MODIFIED.contacts, 0)).length)
      .toBeLessThan(BODY_LIMIT);
  });
});
