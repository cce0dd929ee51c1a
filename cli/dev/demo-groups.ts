// The VIP groups the demo data's contacts carry (emulators/demo-groups.ts), defined with their
// handling the way an admin would (`vipsync groups add`), so the demo's lookups show groups.
import { AdminError } from '../../admin/errors.js';
import { addGroup } from '../../admin/vip-groups.js';
import { createDb, type Db } from '../../db/client.js';
import { osActor } from '../../db/audit-log.js';
import type { DEMO_GROUPS } from '../../emulators/demo-groups.js';

const HANDLING: Record<(typeof DEMO_GROUPS)[number], { priority: string; responseTimeMinutes: number; escalationTeam: string | null; guidance: string }> = {
  Board: { priority: 'immediate', responseTimeMinutes: 15, escalationTeam: 'board-relations', guidance: 'A board member: answer at once and tell the chief of staff.' },
  Press: { priority: 'high', responseTimeMinutes: 30, escalationTeam: 'communications', guidance: 'Journalist: do not comment on the record; communications answers.' },
  Investors: { priority: 'high', responseTimeMinutes: 60, escalationTeam: 'investor-relations', guidance: 'Investor: investor relations answers; share nothing not yet public.' },
  'Key Partners': { priority: 'elevated', responseTimeMinutes: 120, escalationTeam: 'partner-success', guidance: 'A key partner: the partner team answers.' },
};

/** Defines the demo's groups; a group already defined (a dev stack started again on its data) is left as it is. */
export async function defineDemoGroups(db: Db): Promise<void> {
  for (const [name, handling] of Object.entries(HANDLING)) {
    await addGroup(db, { name, ...handling }, osActor()).catch((error: unknown) => {
      if (!(error instanceof AdminError && error.kind === 'conflict')) throw error;
    });
  }
}

/** The same for `vipsync dev up --demo`, on the stack's database. */
export async function defineDemoGroupsAt(databaseUrl: string): Promise<void> {
  const db = createDb(databaseUrl, { maxConnections: 1 });
  try {
    await defineDemoGroups(db);
  } finally {
    await db.$disconnect();
  }
}
