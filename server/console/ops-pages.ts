// Operations: sync status per connection with sync now, full re-sync, pause and resume
// (admin/sync.ts, as `vipsync sync`), the audit log with filters (admin/audit.ts), and the level
// distribution with the rules file's inflation warnings (as `vipsync report levels`).
import type { FastifyInstance } from 'fastify';
import { listAudit } from '../../admin/audit.js';
import { AdminError } from '../../admin/errors.js';
import { pauseSyncs, startSyncs, syncStatus } from '../../admin/sync.js';
import { writeAudit } from '../../db/audit-log.js';
import { logger } from '../../runtime/logger.js';
import { isSyncPaused } from '../../sync/schedules.js';
import { currentLevelDistribution } from '../../vip/derive-sql.js';
import { loadRules } from '../../vip/rules.js';
import type { ApiDeps } from '../routes/common.js';
import { formText } from './forms.js';
import { redirectWith, render } from './render.js';
import { consoleActor } from './session.js';

const SURFACES = ['activity', 'cli', 'http', 'mcp', 'console'];
const SYNC_ACTIONS = ['now', 'full', 'pause', 'resume'] as const;

export async function opsPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  const temporalOrNull = async () => {
    try {
      return await deps.temporal();
    } catch (error) {
      logger.error({ err: error }, 'cannot reach Temporal');
      return null;
    }
  };

  app.get('/sync', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const [connections, temporal] = await Promise.all([syncStatus(deps.db, consoleActor(request.consoleSession!)), temporalOrNull()]);
    const paused = await Promise.all(connections.map((c) => (temporal ? isSyncPaused(temporal.client, c.connection).catch(() => null) : null)));
    return render(request, reply, 'sync', 'Sync', { connections: connections.map((c, i) => ({ ...c, paused: paused[i] })), temporal: temporal !== null });
  });

  app.post<{ Body: unknown }>('/sync', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const actor = consoleActor(request.consoleSession!);
    const action = formText(request.body, 'action') as (typeof SYNC_ACTIONS)[number];
    if (!SYNC_ACTIONS.includes(action)) throw new AdminError('invalid', `unknown sync action "${action}"; the page offers ${SYNC_ACTIONS.join(', ')}`);
    const connection = formText(request.body, 'connection') || undefined;
    const temporal = await temporalOrNull();
    if (!temporal) return redirectWith(reply, '/console/sync', 'Cannot reach Temporal right now, so nothing was started; the VIP list and lookups keep working. Try again shortly.');
    const which = connection ?? 'every connection';
    if (action === 'pause' || action === 'resume') {
      await pauseSyncs(deps.db, temporal.client, actor, action === 'pause', connection);
      return redirectWith(reply, '/console/sync', `Scheduled syncs of ${which} ${action === 'pause' ? 'paused (a running one finishes)' : 'resumed'}.`);
    }
    const started = await startSyncs(deps.db, temporal.client, actor, connection, { full: action === 'full' });
    return redirectWith(reply, '/console/sync', `${action === 'full' ? 'Full re-sync' : 'Sync'} started for ${started.map((s) => s.connectionId).join(', ')}; reload to see its counts.`);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/audit', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const q = request.query;
    const filters = {
      actor: (q.actor ?? '').trim().slice(0, 200), action: (q.action ?? '').trim().slice(0, 100), subject: (q.subject ?? '').trim().slice(0, 320),
      surface: SURFACES.includes(q.surface ?? '') ? q.surface! : '', since: /^\d{4}-\d{2}-\d{2}$/.test(q.since ?? '') ? q.since! : '',
    };
    const since = filters.since ? new Date(`${filters.since}T00:00:00Z`) : undefined;
    await writeAudit(deps.db, { actor: consoleActor(request.consoleSession!), action: 'audit.read' });
    const rows = await listAudit(deps.db, {
      actor: filters.actor || undefined, action: filters.action || undefined, subject: filters.subject || undefined,
      surface: filters.surface || undefined, since: since && !Number.isNaN(since.getTime()) ? since : undefined, limit: 200,
    });
    return render(request, reply, 'audit', 'Audit log', { rows, filters, surfaces: SURFACES });
  });

  app.get('/levels', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const rules = loadRules(process.env.VIPSYNC_RULES_FILE || undefined);
    const [distribution, stale, validated] = await Promise.all([
      currentLevelDistribution(deps.db, rules),
      deps.db.vip.count({ where: { stale: true, level: { not: null } } }),
      deps.db.vip.count({ where: { validated: true, level: { not: null } } }),
    ]);
    return render(request, reply, 'levels', 'Levels', { distribution, stale, validated, rulesSource: rules.source });
  });
}
