// A person's VIP groups as admins see them (`vipsync vip show`, GET /v1/vips/{email}): every
// membership, an admin's and the rules', including groups no one defined yet (which give no
// handling; the lookup answer leaves them out).
import type { Db } from '../db/client.js';

export interface PersonGroup {
  name: string;
  source: 'manual' | 'csv' | 'crm';
  reason: string;
  /** False for a group the rules name that `vipsync groups add` has not defined. */
  defined: boolean;
}

export async function groupsOfPerson(db: Pick<Db, '$queryRawUnsafe'>, vipId: bigint): Promise<PersonGroup[]> {
  return db.$queryRawUnsafe<PersonGroup[]>(`
    SELECT g.name, m.source::text AS source, m.reason, true AS defined, g.name_key AS key
    FROM vip_group_members m JOIN vip_groups g ON g.id = m.group_id WHERE m.vip_id = $1
    UNION ALL
    SELECT coalesce(g.name, cg->>'group'), 'crm', cg->>'reason', g.id IS NOT NULL, cg->>'key'
    FROM vips v CROSS JOIN jsonb_array_elements(coalesce(v.crm_groups, '[]'::jsonb)) cg
    LEFT JOIN vip_groups g ON g.name_key = cg->>'key'
    WHERE v.id = $1
    ORDER BY key, source DESC`, vipId).then((rows) => rows.map(({ name, source, reason, defined }) => ({ name, source, reason, defined })));
}
