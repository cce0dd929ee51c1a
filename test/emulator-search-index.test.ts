// The HubSpot emulator answers the search queries of sync walks from a last-modified index and an
// id index. Their answers must be exactly those of evaluating every record: checked here on random
// portals and random queries of the walks' shapes (and others), with records changed in between.
import { describe, expect, it } from 'vitest';
import { runSearch } from '../emulators/hubspot/search.js';
import { HubSpotStore } from '../emulators/hubspot/store.js';

/** A small deterministic random generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const T0 = Date.parse('2026-02-01T00:00:00.000Z');

describe('HubSpot emulator search index', () => {
  it('answers every query exactly as a full evaluation does', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const pick = <T>(values: T[]) => values[Math.floor(rnd() * values.length)]!;
      const store = new HubSpotStore();
      // Few distinct instants, so many records share one; both ISO spellings of an instant.
      const instants = Array.from({ length: 12 }, (_, i) => T0 + i * 1000);
      const iso = (t: number) => (rnd() < 0.5 ? new Date(t).toISOString() : new Date(t).toISOString().replace('.000Z', 'Z'));
      const contacts = Array.from({ length: 150 }, (_, i) => {
        const t = pick(instants);
        return {
          id: String(1000 + Math.floor(rnd() * 5000) * 7 + i),
          properties: { email: `p${i}@example.com`, firstname: pick(['Ann', 'Bob', null]), lastmodifieddate: iso(t) },
          createdAt: new Date(T0).toISOString(),
          updatedAt: new Date(t).toISOString(),
          archived: rnd() < 0.1,
        };
      });
      store.load({ companies: [], contacts });
      const ids = contacts.map((c) => c.id);

      for (let q = 0; q < 30; q++) {
        if (rnd() < 0.2) store.update('contacts', pick(ids), { firstname: `Changed${q}` });
        if (rnd() < 0.1) store.archive('contacts', pick(ids));
        const t = String(pick(instants));
        const u = String(pick(instants));
        // An id of the portal, or one between or beyond them.
        const someId = () => (rnd() < 0.7 ? pick(ids) : String(900 + Math.floor(rnd() * 40_000)));
        const shapes = [
          [[{ propertyName: 'lastmodifieddate', operator: 'GTE', value: t }]],
          [
            [{ propertyName: 'lastmodifieddate', operator: 'GT', value: t }],
            [
              { propertyName: 'lastmodifieddate', operator: 'EQ', value: t },
              { propertyName: 'hs_object_id', operator: 'NOT_IN', values: ids.filter(() => rnd() < 0.3) },
            ],
          ],
          [[{ propertyName: 'lastmodifieddate', operator: 'GTE', value: t }, { propertyName: 'lastmodifieddate', operator: 'LT', value: u }]],
          [[{ propertyName: 'lastmodifieddate', operator: 'EQ', value: t }, { propertyName: 'firstname', operator: 'EQ', value: 'ann' }]],
          // Overlapping ranges and an unbounded group: answered by full evaluation either way.
          [[{ propertyName: 'lastmodifieddate', operator: 'GTE', value: t }], [{ propertyName: 'lastmodifieddate', operator: 'LTE', value: u }]],
          [[{ propertyName: 'firstname', operator: 'HAS_PROPERTY' }]],
          // Walks by id: below one id and above another, either bound alone, or none.
          [[{ propertyName: 'hs_object_id', operator: 'LT', value: someId() }, { propertyName: 'hs_object_id', operator: 'GT', value: someId() }]],
          [[{ propertyName: 'hs_object_id', operator: pick(['LT', 'LTE', 'GT', 'GTE', 'EQ']), value: someId() }]],
          [[
            { propertyName: 'hs_object_id', operator: 'GTE', value: someId() },
            { propertyName: 'lastmodifieddate', operator: 'GTE', value: t },
            { propertyName: 'hs_object_id', operator: 'NOT_IN', values: ids.filter(() => rnd() < 0.3) },
          ]],
          [],
        ];
        const body = {
          filterGroups: pick(shapes).map((filters) => ({ filters })),
          sorts: [pick([
            { propertyName: 'lastmodifieddate', direction: 'ASCENDING' },
            { propertyName: 'hs_object_id', direction: 'ASCENDING' },
            { propertyName: 'hs_object_id', direction: 'DESCENDING' },
          ])],
          limit: pick([1, 7, 50, 200]),
          after: String(pick([0, 0, 3, 40])),
        };
        const indexed = runSearch(store, 'contacts', body);
        const full = runSearch(store, 'contacts', body, { useIndex: false });
        const shape = (r: typeof full) => ({ ids: r.objects.map((o) => o.id), total: r.total, nextAfter: r.nextAfter });
        expect(shape(indexed), `seed ${seed}, query ${q}: ${JSON.stringify(body)}`).toEqual(shape(full));
      }
    }
  });
});
