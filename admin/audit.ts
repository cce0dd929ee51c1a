// Reading the audit log: the log itself, filtered, and VIP activity (lookups per VIP, when last seen).
import type { Db } from '../db/client.js';

export interface AuditQuery {
  actor?: string;
  action?: string;
  subject?: string;
  surface?: string;
  since?: Date;
  limit?: number;
}

export async function listAudit(db: Db, q: AuditQuery) {
  const rows = await db.auditLog.findMany({
    where: {
      actor: q.actor,
      action: q.action,
      subject: q.subject,
      surface: q.surface,
      at: q.since ? { gte: q.since } : undefined,
    },
    orderBy: { id: 'desc' },
    take: q.limit ?? 50,
  });
  return rows.map((r) => ({
    id: r.id.toString(), at: r.at, actor: r.actor, surface: r.surface, action: r.action, subject: r.subject,
    workflowId: r.workflowId, runId: r.runId, details: r.details,
  }));
}

export interface VipActivityRow {
  email: string;
  level: number | null;
  name: string | null;
  lookups: number;
  lastSeen: Date;
  lastActor: string;
}

/** Lookups per VIP (the people on the list someone asked about), most looked-up first. */
export async function vipActivityReport(db: Db, q: { since?: Date; limit?: number } = {}): Promise<VipActivityRow[]> {
  const rows = await db.$queryRawUnsafe<{ email: string; level: number | null; name: string | null; lookups: bigint; last_seen: Date; last_actor: string }[]>(
    `SELECT a.subject AS email, v.level, v.name, count(*) AS lookups, max(a.at) AS last_seen,
            (array_agg(a.actor ORDER BY a.at DESC))[1] AS last_actor
       FROM audit_log a JOIN vips v ON v.email = a.subject
      WHERE a.action = 'lookup' AND a.at >= $1
      GROUP BY a.subject, v.level, v.name
      ORDER BY count(*) DESC, max(a.at) DESC
      LIMIT $2`,
    q.since ?? new Date(0),
    q.limit ?? 50,
  );
  return rows.map((r) => ({ email: r.email, level: r.level, name: r.name, lookups: Number(r.lookups), lastSeen: r.last_seen, lastActor: r.last_actor }));
}
