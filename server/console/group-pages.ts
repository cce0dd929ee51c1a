// The VIP groups page (list with handling and member counts; define, edit, delete for admin, the
// scopes of /v1/groups) on admin/vip-groups.ts, and the lookup box: the answer an agent gets for an
// email or a phone, from the lookup service itself (lookup/service.ts), notes only with notes:read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../../admin/errors.js';
import { addGroup, deleteGroup, editGroup, listGroups } from '../../admin/vip-groups.js';
import type { VipLookupResult } from '../../lookup/answer.js';
import { InvalidPhoneError, lookupQueryFromText } from '../../lookup/query.js';
import { InvalidEmailError } from '../../lookup/service.js';
import { checkGroupName, MAX_GROUP_GUIDANCE_LENGTH, MAX_GROUP_NAME_LENGTH, PRIORITIES } from '../../vip/groups.js';
import type { ApiDeps } from '../routes/common.js';
import { formText } from './forms.js';
import { redirectWith, render } from './render.js';
import { can, consoleActor } from './session.js';

export interface GroupFormValues { name: string; priority: string; responseTimeMinutes: string; escalationTeam: string; guidance: string }

const groupsHref = '/console/groups';
const groupHref = (name: string) => `${groupsHref}/${encodeURIComponent(name)}`;

function readGroupForm(body: unknown): GroupFormValues {
  return {
    name: formText(body, 'name'), priority: formText(body, 'priority'), responseTimeMinutes: formText(body, 'responseTimeMinutes'),
    escalationTeam: formText(body, 'escalationTeam'), guidance: formText(body, 'guidance').replace(/\r\n/g, '\n'),
  };
}

function groupForm(request: FastifyRequest, reply: FastifyReply, opts: { values: GroupFormValues; editing: string | null; error: string | null; status?: number }) {
  return render(request, reply.code(opts.status ?? 200), 'group-form', opts.editing ? `Edit group ${opts.editing}` : 'Define a VIP group', {
    ...opts, priorities: PRIORITIES, maxGuidance: MAX_GROUP_GUIDANCE_LENGTH, maxName: MAX_GROUP_NAME_LENGTH,
    action: opts.editing ? groupHref(opts.editing) : groupsHref,
  });
}

/** A lookup answer as this session may see it: without the handling notes and contact notes unless notes:read. */
export function shownAnswer(answer: VipLookupResult, withNotes: boolean): Omit<VipLookupResult, 'notes' | 'contactNotes'> & Partial<VipLookupResult> {
  if (withNotes) return answer;
  const { notes: _notes, contactNotes: _contactNotes, ...rest } = answer;
  return rest;
}

export async function groupPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get('/groups', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const list = await listGroups(deps.db, consoleActor(request.consoleSession!));
    return render(request, reply, 'groups', 'VIP groups', { ...list, groupHref });
  });

  app.get('/groups/new', { config: { consoleScope: 'admin' } }, async (request, reply) =>
    groupForm(request, reply, { values: { name: '', priority: 'high', responseTimeMinutes: '60', escalationTeam: '', guidance: '' }, editing: null, error: null }));

  app.post<{ Body: unknown }>('/groups', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const values = readGroupForm(request.body);
    try {
      const group = await addGroup(deps.db, values, consoleActor(request.consoleSession!));
      return redirectWith(reply, groupsHref, `Group "${group.name}" defined (${group.priority}, ${group.responseTimeMinutes} min).`);
    } catch (error) {
      if (!(error instanceof AdminError) || error.kind === 'not_found') throw error;
      return groupForm(request, reply, { values, editing: null, error: error.message, status: error.kind === 'conflict' ? 409 : 400 });
    }
  });

  app.get<{ Params: { name: string } }>('/groups/:name/edit', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const check = checkGroupName(request.params.name);
    const group = check.ok ? await deps.db.vipGroup.findUnique({ where: { nameKey: check.key } }) : null;
    if (!group) throw new AdminError('not_found', `no VIP group "${request.params.name}"`);
    const values = {
      name: group.name, priority: group.priority, responseTimeMinutes: String(group.responseTimeMinutes),
      escalationTeam: group.escalationTeam ?? '', guidance: group.guidance ?? '',
    };
    return groupForm(request, reply, { values, editing: group.name, error: null });
  });

  app.post<{ Params: { name: string }; Body: unknown }>('/groups/:name', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const values = { ...readGroupForm(request.body), name: request.params.name };
    try {
      // Every field is sent: an emptied team or guidance clears it (editGroup reads '' as none).
      const { name: _name, ...handling } = values;
      const group = await editGroup(deps.db, request.params.name, handling, consoleActor(request.consoleSession!));
      return redirectWith(reply, groupsHref, `Group "${group.name}" saved (${group.priority}, ${group.responseTimeMinutes} min).`);
    } catch (error) {
      if (!(error instanceof AdminError) || error.kind !== 'invalid') throw error;
      return groupForm(request, reply, { values, editing: request.params.name, error: error.message, status: 400 });
    }
  });

  app.post<{ Params: { name: string } }>('/groups/:name/delete', { config: { consoleScope: 'admin' } }, async (request, reply) => {
    const result = await deleteGroup(deps.db, request.params.name, consoleActor(request.consoleSession!));
    const crm = result.crmMembers ? ` ${result.crmMembers} still in it by the rules from CRM facts get no handling from it until it is defined again.` : '';
    return redirectWith(reply, groupsHref, `Group "${result.name}" deleted with ${result.membersRemoved} admin-set memberships.${crm}`);
  });

  app.get<{ Querystring: { q?: string } }>('/lookup', { config: { consoleScope: 'lookup' } }, async (request, reply) => {
    const session = request.consoleSession!;
    const q = (request.query.q ?? '').trim().slice(0, 320);
    let answer: VipLookupResult | null = null;
    let error: string | null = null;
    if (q !== '') {
      try {
        answer = await deps.lookup.lookupBy(lookupQueryFromText(q), consoleActor(session));
      } catch (failure) {
        if (!(failure instanceof InvalidEmailError || failure instanceof InvalidPhoneError)) throw failure;
        error = failure.message;
      }
    }
    const withNotes = can(session, 'notes:read');
    return render(request, reply.code(error ? 400 : 200), 'lookup', q ? `Lookup ${q}` : 'Lookup', {
      q, error, answer: answer && shownAnswer(answer, withNotes), withNotes,
      personHref: (email: string) => `/console/vips/${encodeURIComponent(email)}`,
    });
  });
}
