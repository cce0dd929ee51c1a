// One person (level with its reason and history, validation, stale evidence, the CRM records behind
// them, their audit trail; contact notes, groups, handling and phones from person-extras.ts),
// "validate now" (the validateEmailWorkflow, as `vipsync validate`),
// "confirm still a VIP" (admin/stale.ts, as `vipsync stale confirm`), and the stale review queue.
import type { FastifyInstance } from 'fastify';
import { listAudit } from '../../admin/audit.js';
import { confirmStale, listStale, staleGraceDays } from '../../admin/stale.js';
import { removalRefusal } from '../../admin/vip-changes.js';
import { showVip } from '../../admin/vip-reads.js';
import { logger } from '../../runtime/logger.js';
import type { StaleSignal } from '../../vip/stale.js';
import type { ApiDeps } from '../routes/common.js';
import { VALIDATE_WAIT_MS, validateNow } from '../validation.js';
import { formText, withoutNotes } from './forms.js';
import { personExtras } from './person-extras.js';
import { MAX_CONTACT_NOTE_LENGTH } from '../../admin/contact-note-fields.js';
import { redirectWith, render } from './render.js';
import { can, consoleActor } from './session.js';

const personHref = (email: string) => `/console/vips/${encodeURIComponent(email)}`;

export async function personPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Params: { email: string } }>('/vips/:email', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const vip = await showVip(deps.db, request.params.email, consoleActor(session));
    const [row, trail] = await Promise.all([
      deps.db.vip.findUnique({
        where: { email: vip.email },
        select: { phone: true, phones: true, title: true, ownerName: true, validatedAt: true, staleSince: true, staleEvidence: true, staleConfirmedAt: true, crmLevelReason: true, crmRefs: { orderBy: { firstSeenAt: 'asc' } } },
      }),
      listAudit(deps.db, { subject: vip.email, limit: 50 }),
    ]);
    // What each CRM record behind the person says (name, title, explicit level, when it changed).
    const refs = row?.crmRefs ?? [];
    const contacts = refs.length === 0 ? [] : await deps.db.crmContact.findMany({
      where: { OR: refs.map((r) => ({ connectionId: r.connectionId, crmId: r.crmId })) },
      select: { connectionId: true, crmId: true, firstName: true, lastName: true, title: true, crmVipLevel: true, crmModifiedAt: true },
    });
    const extras = await personExtras(deps, session, { email: vip.email, phone: vip.phone, phones: row?.phones ?? [], groups: vip.groups }, consoleActor(session));
    const records = refs.map((r) => ({ ...r, contact: contacts.find((c) => c.connectionId === r.connectionId && c.crmId === r.crmId) ?? null }));
    return render(request, reply, 'person', vip.name ?? vip.email, {
      records, extras, maxContactNote: MAX_CONTACT_NOTE_LENGTH,
      vip: can(session, 'notes:read') ? vip : withoutNotes(vip),
      // An audit entry's details may quote notes (a contact note's old text): only with notes:read.
      extra: row, evidence: ((row?.staleEvidence ?? []) as unknown as StaleSignal[]),
      trail: can(session, 'notes:read') ? trail : trail.map((entry) => ({ ...entry, details: null })),
      removalRefusal: removalRefusal(vip), href: personHref(vip.email),
    });
  });

  app.post<{ Params: { email: string } }>('/vips/:email/validate', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const vip = await showVip(deps.db, request.params.email, consoleActor(session));
    let temporal;
    try {
      temporal = await deps.temporal();
    } catch (error) {
      logger.error({ err: error }, 'cannot reach Temporal');
      return redirectWith(reply, personHref(vip.email), 'Cannot reach Temporal right now, so no CRM was asked; try again shortly.');
    }
    const outcome = await validateNow(deps.db, temporal, vip.email, consoleActor(session));
    if ('timeout' in outcome) {
      return redirectWith(reply, personHref(vip.email), `The validation (workflow ${outcome.timeout}) did not finish within ${VALIDATE_WAIT_MS / 1000} s; is a vipsync worker running?`);
    }
    const r = outcome.result;
    const asked = r.checks.map((c) => `${c.connectionId}: ${c.error ? `could not ask (${c.error})` : c.crmIds.length ? `contact ${c.crmIds.join(', ')}` : 'no live contact'}`).join('; ');
    deps.lookup.invalidate();
    return redirectWith(reply, personHref(vip.email), r.validated ? `Validated by ${r.validatedBy.join(', ')} (${asked}).` : `Not validated: no connected CRM holds a live contact with this email (${asked}).`);
  });

  app.post<{ Params: { email: string }; Body: unknown }>('/vips/:email/confirm-stale', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const vip = await confirmStale(deps.db, request.params.email, consoleActor(request.consoleSession!));
    const back = formText(request.body, 'back');
    return redirectWith(reply, back === '/console/stale' ? back : personHref(vip.email), `${vip.email} confirmed as still a VIP (level ${vip.level ?? '-'}); not demoted while these signals last.`);
  });

  app.get<{ Querystring: { all?: string } }>('/stale', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const grace = staleGraceDays();
    const items = await listStale(deps.db, { all: request.query.all === '1', graceDays: grace });
    return render(request, reply, 'stale', 'Stale review', { items: items.map((i) => ({ ...i, href: personHref(i.email) })), grace, all: request.query.all === '1' });
  });
}
