// The VIP groups the demo data's contacts carry (emulators/demo-groups.ts), defined with their
// handling the way an admin would (`vipsync groups add`), so the demo's lookups show groups.
import { addGroup } from '../../admin/vip-groups.js';
import type { Db } from '../../db/client.js';
import { osActor } from '../../db/audit-log.js';
import type { DEMO_GROUPS } from '../../emulators/demo-groups.js';

const HANDLING: Record<(typeof DEMO_GROUPS)[number], { priority: string; responseTimeMinutes: number; escalationTeam: string | null; guidance: string }> = {
  Board: { priority: 'immediate', responseTimeMinutes: 15, escalationTeam: 'board-relations', guidance: 'A board member: answer at once and tell the chief of staff.' },
  Press: { priority: 'high', responseTimeMinutes: 30, escalationTeam: 'communications', guidance: 'Journalist: do not comment on the record; communications answers.' },
  Investors: { priority: 'high', responseTimeMinutes: 60, escalationTeam: 'investor-relations', guidance: 'Investor: investor relations answers; share nothing not yet public.' },
  'Key Partners': { priority: 'elevated', responseTimeMinutes: 120, escalationTeam: 'partner-success', guidance: 'A key partner: the partner team answers.' },
};

export async function defineDemoGroups(db: Db): Promise<void> {
  for (const [name, handling] of Object.entries(HANDLING)) await addGroup(db, { name, ...handling }, osActor());
}
