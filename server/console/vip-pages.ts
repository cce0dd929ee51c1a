// The VIP list (search, also by phone; level and group filters, sort, paging, select many and delete, export) and the add and
// edit forms, on the admin services the CLI and the HTTP API use (admin/vip-reads.ts,
// admin/vip-changes.ts, admin/csv-export.ts): the same checks, the same audit.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { exportVipsCsv } from '../../admin/csv-export.js';
import { AdminError } from '../../admin/errors.js';
import { addVip, editVip, removalRefusal, removeVips } from '../../admin/vip-changes.js';
import { MAX_NOTES_LENGTH } from '../../admin/vip-fields.js';
import { listVips, showVip, type VipSort, type VipView } from '../../admin/vip-reads.js';
import type { ApiDeps } from '../routes/common.js';
import { addedFields, checkVipForm, editedFields, formList, readVipForm, withoutNotes, type FieldErrors, type VipFormValues } from './forms.js';
import { redirectWith, render } from './render.js';
import { can, consoleActor } from './session.js';

export const PAGE_SIZE = 50;
/** The most people one bulk delete takes (a page's worth, many times over). */
const MAX_BULK = 1000;

interface ListQuery { q?: string; level?: string; group?: string; sort?: string; desc?: string; page?: string }

/** The list's query as the page's links and form keep it. */
export function listState(query: ListQuery) {
  const level = /^[1-5]$/.test(query.level ?? '') ? Number(query.level) : undefined;
  const sort: VipSort = query.sort === 'level' || query.sort === 'added' ? query.sort : 'name';
  // Level and date added read best highest/newest first; names A-Z.
  const desc = query.desc === undefined ? sort !== 'name' : query.desc === '1';
  const page = Math.max(1, Math.min(1_000_000, Number.parseInt(query.page ?? '1', 10) || 1));
  return { q: (query.q ?? '').slice(0, 200), level, group: (query.group ?? '').trim().slice(0, 100), sort, desc, page };
}

export function listHref(state: ReturnType<typeof listState>, change: Partial<ReturnType<typeof listState>> = {}): string {
  const s = { ...state, ...change };
  const params = new URLSearchParams();
  if (s.q) params.set('q', s.q);
  if (s.level) params.set('level', String(s.level));
  if (s.group) params.set('group', s.group);
  if (s.sort !== 'name') params.set('sort', s.sort);
  if (s.desc !== (s.sort !== 'name')) params.set('desc', s.desc ? '1' : '0');
  if (s.page > 1) params.set('page', String(s.page));
  const text = params.toString();
  return `/console/vips${text ? `?${text}` : ''}`;
}

const personHref = (email: string) => `/console/vips/${encodeURIComponent(email)}`;

function formPage(request: FastifyRequest, reply: FastifyReply, opts: { values: VipFormValues; errors: FieldErrors; vip: VipView | null; status?: number; formError?: string }) {
  const session = request.consoleSession!;
  return render(request, reply.code(opts.status ?? 200), 'vip-form', opts.vip ? `Edit ${opts.vip.email}` : 'Add a VIP', {
    values: opts.values, errors: opts.errors, vip: opts.vip ? (can(session, 'notes:read') ? opts.vip : withoutNotes(opts.vip)) : null,
    maxNotes: MAX_NOTES_LENGTH, formError: opts.formError ?? null, personHref,
  });
}

export async function vipPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Querystring: ListQuery }>('/vips', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const state = listState(request.query);
    const [{ total, items }, groups] = await Promise.all([listVips(deps.db, {
      search: state.q || undefined, level: state.level, group: state.group || undefined, sort: state.sort, desc: state.desc, limit: PAGE_SIZE, offset: (state.page - 1) * PAGE_SIZE,
    }, consoleActor(session)), deps.db.vipGroup.findMany({ select: { name: true }, orderBy: { nameKey: 'asc' } })]);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    // The list shows no notes column; a session without notes:read gets none in the page at all.
    const rows = items.map((v) => ({ ...withoutNotes(v), removalRefusal: removalRefusal(v), href: personHref(v.email) }));
    return render(request, reply, 'vips', 'VIPs', { state, total, rows, pages, listHref, pageSize: PAGE_SIZE, groups: groups.map((g) => g.name) });
  });

  app.get<{ Querystring: { level?: string } }>('/vips.csv', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const level = /^[1-5]$/.test(request.query.level ?? '') ? Number(request.query.level) : undefined;
    const { csv } = await exportVipsCsv(deps.db, { level }, consoleActor(request.consoleSession!));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="vips${level ? `-level-${level}` : ''}.csv"`).send(csv);
  });

  app.get('/vips/new', { config: { consoleScope: 'vips:write' } }, async (request, reply) =>
    formPage(request, reply, { values: { email: '', level: '', name: '', company: '', phone: '', notes: '' }, errors: {}, vip: null }));

  app.post<{ Body: unknown }>('/vips', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const withNotes = can(session, 'notes:read');
    const values = readVipForm(request.body);
    if (!withNotes) values.notes = '';
    const errors = checkVipForm(values, { email: true, level: true, notes: withNotes });
    if (Object.keys(errors).length > 0) return formPage(request, reply, { values, errors, vip: null, status: 400 });
    try {
      const vip = await addVip(deps.db, { email: values.email, level: values.level, ...addedFields(values, withNotes) }, consoleActor(session));
      return redirectWith(reply, personHref(vip.email), `Added ${vip.email} at level ${vip.level}.`);
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      const field = error.kind === 'conflict' ? { email: error.message } : {};
      return formPage(request, reply, { values, errors: field, vip: null, status: error.kind === 'conflict' ? 409 : 400, formError: error.kind === 'conflict' ? undefined : error.message });
    }
  });

  app.get<{ Params: { email: string } }>('/vips/:email/edit', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const vip = await showVip(deps.db, request.params.email, consoleActor(session));
    const values = { email: vip.email, level: String(vip.level ?? ''), name: vip.name ?? '', company: vip.company ?? '', phone: vip.phone ?? '', notes: can(session, 'notes:read') ? vip.notes ?? '' : '' };
    return formPage(request, reply, { values, errors: {}, vip });
  });

  app.post<{ Params: { email: string }; Body: unknown }>('/vips/:email', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const actor = consoleActor(session);
    const withNotes = can(session, 'notes:read');
    const vip = await showVip(deps.db, request.params.email, actor);
    const body = request.body as Record<string, unknown> | undefined;
    if (body?.action === 'clear-override') {
      const updated = await editVip(deps.db, vip.email, { clearOverride: true }, actor);
      return redirectWith(reply, personHref(vip.email), `Back to the CRM's level: ${updated.level ?? 'not a VIP'}.`);
    }
    const values = { ...readVipForm(body), email: vip.email };
    const errors = checkVipForm(values, { email: false, level: values.level !== '', notes: withNotes });
    if (Object.keys(errors).length > 0) return formPage(request, reply, { values, errors, vip, status: 400 });
    const change = editedFields(values, vip, withNotes);
    if (Object.keys(change).length === 0) return redirectWith(reply, personHref(vip.email), 'Nothing changed.');
    try {
      await editVip(deps.db, vip.email, change, actor);
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      return formPage(request, reply, { values, errors: {}, vip, status: 400, formError: error.message });
    }
    return redirectWith(reply, personHref(vip.email), `Saved ${vip.email}.`);
  });

  // Deleting asks first, on a page of its own that names how many and who cannot be deleted and
  // why (people from a CRM); `confirm=yes` on that page deletes.
  app.post<{ Body: unknown }>('/vips/delete', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const emails = [...new Set(formList(request.body, 'emails'))].slice(0, MAX_BULK);
    const back = formList(request.body, 'back')[0];
    const backTo = back && back.startsWith('/console/') ? back : '/console/vips';
    if (emails.length === 0) return redirectWith(reply, backTo, 'Select at least one person to delete.');
    if (formList(request.body, 'confirm')[0] === 'yes') {
      const result = await removeVips(deps.db, emails, consoleActor(session));
      const parts = [`Deleted ${result.removed.length} ${result.removed.length === 1 ? 'person' : 'people'}.`];
      if (result.refused.length) parts.push(`${result.refused.length} not deleted: they come from a CRM (change them there, or override their level).`);
      if (result.notFound.length) parts.push(`${result.notFound.length} were no longer on the list.`);
      return redirectWith(reply, backTo, parts.join(' '));
    }
    const rows = await deps.db.vip.findMany({ where: { email: { in: emails } }, orderBy: { email: 'asc' } });
    const people = rows.map((r) => ({ email: r.email, name: r.name, level: r.level, refusal: removalRefusal(r) }));
    return render(request, reply, 'confirm-delete', 'Delete VIPs', {
      deletable: people.filter((p) => !p.refusal), refused: people.filter((p) => p.refusal), backTo,
    });
  });
}
