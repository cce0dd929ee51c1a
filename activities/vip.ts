// Activities that maintain the VIP list (one row per person) from what the syncs brought in, and
// validate one email against every connected CRM live.
import { ApplicationFailure } from '@temporalio/activity';
import { logger } from '../runtime/logger.js';
import type { CrmCheck, EmailValidationResult } from '../workflows/contract.js';
import { writeAudit } from '../db/audit-log.js';
import { CrmConnections } from '../crm/connections.js';
import type { Db } from '../db/client.js';
import { deriveVips } from '../vip/derive.js';
import { normalizeEmail } from '../vip/email.js';
import { resolveVipSettings, type VipSettings } from '../vip/settings.js';

export interface VipActivityDeps {
  db: Db;
  /** The CRM connections on-demand validation asks, shared with the sync's activities (default: none). */
  crm?: CrmConnections;
  /** Rules, default phone country, grace period (default: the shipped rules and defaults). */
  settings?: VipSettings;
}

export function createVipActivities(deps: VipActivityDeps) {
  const settings = deps.settings ?? resolveVipSettings();
  const crm = deps.crm ?? new CrmConnections([]);

  return {
    /** Re-derives the people a sync of `connectionId` touched; returns how many people changed. */
    async deriveVips(input: { syncRunId: string; connectionId: string }): Promise<number> {
      const result = await deriveVips(deps.db, settings, { syncRunId: input.syncRunId, connectionId: input.connectionId });
      logger.info(
        { syncRunId: input.syncRunId, connectionId: input.connectionId, full: result.full, people: result.people, changed: result.changed, levelChanges: result.levelChanges, durationMs: result.durationMs },
        'VIP list derived',
      );
      for (const warning of result.distribution?.warnings ?? []) logger.warn({ connectionId: input.connectionId }, warning);
      return result.changed;
    },

    /** Normalises the email (InvalidEmail otherwise) and names the connections to ask. */
    async prepareValidation(input: { email: string }): Promise<{ email: string; connections: { connectionId: string; system: CrmCheck['system'] }[] }> {
      const check = normalizeEmail(input.email);
      if (!check.ok) throw ApplicationFailure.nonRetryable(`cannot validate: ${check.reason}`, 'InvalidEmail');
      const connections = crm.list().map((c) => ({ connectionId: c.id, system: c.system }));
      return { email: check.email, connections };
    },

    /** Asks one CRM now for live contacts with exactly this email. */
    async findEmailInCrm(input: { connectionId: string; email: string }): Promise<CrmCheck> {
      const client = await crm.client(input.connectionId);
      const found = await client.findContactsByEmail(input.email);
      // The CRMs match case-insensitively (and HubSpot may match secondary emails): keep exact ones.
      const exact = found.filter((r) => {
        const email = normalizeEmail(r.email);
        return email.ok && email.email === input.email;
      });
      return { connectionId: input.connectionId, system: client.system, crmIds: exact.map((r) => r.crmId).sort(), error: null };
    },

    /** Stores what the CRMs said: validated, validatedAt, validatedBy. A CRM that could not be asked keeps its previous say. */
    async recordValidation(input: { email: string; checks: CrmCheck[] }): Promise<EmailValidationResult> {
      const now = new Date();
      const result = await deps.db.$transaction(async (tx) => {
        const vip = await tx.vip.findUnique({ where: { email: input.email } });
        const unanswered = new Set(input.checks.filter((c) => c.error !== null).map((c) => c.connectionId));
        const validatedBy = [...new Set([
          ...input.checks.filter((c) => c.error === null && c.crmIds.length > 0).map((c) => c.connectionId),
          ...(vip?.validatedBy ?? []).filter((id) => unanswered.has(id)),
        ])].sort();
        const validated = validatedBy.length > 0;
        const validatedAt = validated ? (vip?.validated ? vip.validatedAt : now) : null;
        const fields = { validated, validatedBy, validatedAt };
        let row = vip;
        if (vip) {
          const same = vip.validated === validated && vip.validatedBy.join(',') === validatedBy.join(',');
          if (!same) row = await tx.vip.update({ where: { id: vip.id }, data: { ...fields, updatedAt: now } });
        } else if (validated) {
          // Known to a CRM but not synced yet: the person exists from now on; the next sync fills in the rest.
          row = await tx.vip.create({ data: { email: input.email, source: 'crm', ...fields } });
        }
        // The records a CRM just confirmed (live, with this email) are as fresh as this check: the
        // lookup's asOf and sources' confirmedAt read last_seen_at (lookup/freshness.ts).
        for (const check of input.checks) {
          if (check.error !== null || check.crmIds.length === 0) continue;
          await tx.$executeRaw`UPDATE crm_contacts SET last_seen_at = ${now}
            WHERE connection_id = ${check.connectionId} AND crm_id = ANY(${check.crmIds}) AND email_normalized = ${input.email} AND deleted_at IS NULL`;
        }
        await writeAudit(tx, {
          actor: { name: 'vipsync', surface: 'activity' },
          action: 'validate',
          subject: input.email,
          details: { validated, validatedBy, checks: input.checks },
        });
        return {
          email: input.email,
          known: row !== null,
          validated,
          validatedBy,
          validatedAt: validatedAt?.toISOString() ?? null,
          wasValidated: vip?.validated ?? false,
          level: row?.level ?? null,
          stale: row?.stale ?? false,
          staleReason: row?.staleReason ?? null,
          checkedAt: now.toISOString(),
          checks: input.checks,
        } satisfies EmailValidationResult;
      });
      return result;
    },
  };
}

export type VipActivities = ReturnType<typeof createVipActivities>;
