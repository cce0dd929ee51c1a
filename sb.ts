import { runSearch } from './emulators/hubspot/search.js';
import { HubSpotStore } from './emulators/hubspot/store.js';
for (const n of [37_500, 500_000]) {
  const store = new HubSpotStore();
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const companies = Array.from({ length: n }, (_, i) => ({ id: String(1000 + i), properties: { name: `C${i}`, hs_lastmodifieddate: new Date(t0 + ((i * 7919) % n) * 1000).toISOString() }, createdAt: '2026-01-01T00:00:00Z', updatedAt: new Date(t0 + ((i * 7919) % n) * 1000).toISOString(), archived: false }));
  store.load({ companies, contacts: [] } as any);
  for (let k = 0; k < 4; k++) {
    const t = performance.now();
    const r = runSearch(store, 'companies', { filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(t0 + k * 1000 * 200) }] }], sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], limit: 200 });
    console.log(n, (performance.now() - t).toFixed(0), 'ms', r.objects.length, r.total);
  }
}
