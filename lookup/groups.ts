// The lookup answer's groups and winning handling: the person's groups (an admin's memberships and
// the ones the rules derive from CRM facts, vips.crm_groups) joined with the groups' handling, read
// by the lookup's one statement (GROUPS_COLUMN), and the handling that wins among the level's and
// the groups' (vip/groups.ts decides; the order is documented there and in the README).
import { plainQuery, type Db } from '../db/client.js';
import type { HandlingHint } from './config.js';
import type { VipGroupMembership, VipHandling } from './answer.js';
import { chooseHandling } from '../vip/groups.js';

/**
 * One more column for the lookup's statement over `vips v`: whether the person is in any group.
 * Most people are in none; for them the lookup reads nothing more (the groups' own statement, in
 * the lookup's one, made every cold lookup ~0.17 ms slower to plan and run; this flag ~0.05 ms).
 */
export const IN_GROUPS_COLUMN = `(v.crm_groups IS NOT NULL OR EXISTS (SELECT 1 FROM vip_group_members x WHERE x.vip_id = v.id)) AS "inGroups"`;

/**
 * The person's groups as JSON, each group once (an admin's membership before a CRM-derived one),
 * groups nobody defined left out.
 */
export const GROUPS_COLUMN = `(
  SELECT coalesce(jsonb_agg(jsonb_build_object('name', g.name, 'source', m.source, 'reason', m.reason,
    'handling', jsonb_build_object('priority', g.priority, 'escalationTeam', g.escalation_team,
      'responseTimeMinutes', g.response_time_minutes, 'guidance', g.guidance)) ORDER BY g.name_key), '[]'::jsonb)
  FROM vip_groups g
  JOIN LATERAL (
    SELECT x.source, x.reason FROM (
      SELECT 0 AS o, gm.source::text AS source, gm.reason FROM vip_group_members gm WHERE gm.group_id = g.id AND gm.vip_id = v.id
      UNION ALL
      SELECT 1, 'crm', cg->>'reason' FROM jsonb_array_elements(coalesce(v.crm_groups, '[]'::jsonb)) cg WHERE cg->>'key' = g.name_key
    ) x ORDER BY x.o LIMIT 1
  ) m ON true
) AS "groups"`;

/** The groups of a person the lookup's statement found in some (IN_GROUPS_COLUMN). */
export async function loadGroups(db: Db, email: string): Promise<VipGroupMembership[]> {
  const [row] = await plainQuery<{ groups: VipGroupMembership[] }>(db, `SELECT ${GROUPS_COLUMN} FROM vips v WHERE v.email = $1`, [email]);
  return row?.groups ?? [];
}

/** What a group without guidance of its own tells the person answering. */
function defaultGuidance(group: string): string {
  return `Member of the VIP group '${group}': handle as that group asks.`;
}

/** The answer's handling, groups and handlingReason for a person with this level and these groups. */
export function groupHandling(
  level: { level: number; handling: HandlingHint } | null,
  groups: readonly VipGroupMembership[],
): { handling: VipHandling | null; groups: VipGroupMembership[]; handlingReason: string | null } {
  const choice = chooseHandling<HandlingHint | VipGroupMembership['handling']>(level, groups.map((g) => ({ group: g.name, handling: g.handling })));
  if (!choice) return { handling: null, groups: [...groups], handlingReason: null };
  const { winner } = choice;
  const terms = winner.handling;
  const handling: VipHandling = {
    priority: terms.priority,
    escalationTeam: terms.escalationTeam,
    responseTimeMinutes: terms.responseTimeMinutes,
    // A level's handling always has guidance; a group's may not.
    guidance: terms.guidance ?? defaultGuidance(winner.kind === 'group' ? winner.group : ''),
  };
  return { handling, groups: [...groups], handlingReason: choice.reason };
}

