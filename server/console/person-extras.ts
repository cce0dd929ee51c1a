// What the person page shows beyond the person's row, and its forms: contact notes (read with
// notes:read; add, edit, delete with vips:write, admin/contact-notes.ts), VIP groups with each
// group's handling and the winning handling as the lookup answers it (add to / remove from a group,
// admin/vip-groups.ts), and the phones a lookup by phone finds the person by. The same services as
// the CLI and the HTTP API: the same checks, the same audit.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkContactNoteId, MAX_CONTACT_NOTE_LENGTH } from '../../admin/contact-note-fields.js';
import { checkEmail } from '../../admin/vip-fields.js';
import { addContactNote, deleteContactNote, editContactNote, listContactNotes, type ContactNoteView } from '../../admin/contact-notes.js';
import { AdminError } from '../../admin/errors.js';
import type { PersonGroup } from '../../admin/person-groups.js';
import { addGroupMembers, removeGroupMembers } from '../../admin/vip-groups.js';
import type { Actor } from '../../db/audit-log.js';
import type { VipGroupMembership } from '../../lookup/answer.js';
import type { ApiDeps } from '../routes/common.js';
import { formText } from './forms.js';
import { redirectWith, render } from './render.js';
import { can, consoleActor, type ConsoleSession } from './session.js';

/** The most contact notes the person page shows (the CLI and API page through more). */
export const NOTES_ON_PAGE = 100;

const personHref = (email: string) => `/console/vips/${encodeURIComponent(email)}`;

/** A textarea's text as people count it: browsers send line breaks as CRLF. */
const noteText = (body: unknown) => formText(body, 'text').replace(/\r\n/g, '\n');

export interface PersonExtras {
  /** Null for a session without notes:read: the page then holds no contact note at all. */
  contactNotes: { total: number; items: ContactNoteView[] } | null;
  groups: (PersonGroup & { handling: VipGroupMembership['handling'] | null })[];
  handling: { priority: string; escalationTeam: string | null; responseTimeMinutes: number; guidance: string } | null;
  handlingReason: string | null;
  /** Every number a lookup by phone finds the person by: the shown phone, then the CRM records'. */
  phones: string[];
  /** The defined groups, for the "add to a group" choice. */
  groupChoices: string[];
}

export async function personExtras(
  deps: ApiDeps, session: ConsoleSession, person: { email: string; phone: string | null; phones: string[]; groups: PersonGroup[] }, actor: Actor,
): Promise<PersonExtras> {
  const [notes, answer, choices] = await Promise.all([
    can(session, 'notes:read') ? listContactNotes(deps.db, person.email, { limit: NOTES_ON_PAGE }, actor) : null,
    // The handling an agent is told, from the lookup service itself (audited as a lookup).
    deps.lookup.lookup(person.email, actor),
    deps.db.vipGroup.findMany({ select: { name: true }, orderBy: { nameKey: 'asc' } }),
  ]);
  const handlingOf = new Map(answer.groups.map((g) => [g.name, g.handling]));
  return {
    contactNotes: notes ? { total: notes.total, items: notes.contactNotes } : null,
    groups: person.groups.map((g) => ({ ...g, handling: handlingOf.get(g.name) ?? null })),
    handling: answer.handling, handlingReason: answer.handlingReason,
    phones: [...new Set([person.phone, ...person.phones].filter((p): p is string => !!p))],
    groupChoices: choices.map((c) => c.name),
  };
}

function noteForm(request: FastifyRequest, reply: FastifyReply, opts: { email: string; noteId: string | null; text: string; error: string | null; status?: number }) {
  return render(request, reply.code(opts.status ?? 200), 'contact-note-form', opts.noteId ? 'Edit contact note' : 'Add a contact note', {
    ...opts, href: personHref(opts.email), max: MAX_CONTACT_NOTE_LENGTH,
  });
}

export async function personExtraPages(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.post<{ Params: { email: string }; Body: unknown }>('/vips/:email/notes', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const text = noteText(request.body);
    try {
      const note = await addContactNote(deps.db, request.params.email, text, consoleActor(request.consoleSession!));
      return redirectWith(reply, personHref(note.email), 'Contact note added.');
    } catch (error) {
      if (!(error instanceof AdminError) || error.kind !== 'invalid') throw error;
      return noteForm(request, reply, { email: request.params.email, noteId: null, text, error: error.message, status: 400 });
    }
  });

  app.get<{ Params: { email: string; id: string } }>('/vips/:email/notes/:id/edit', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    // The form shows the note's text: only to a session that may read notes.
    if (!can(request.consoleSession!, 'notes:read')) {
      return render(request, reply.code(403), 'message', 'Not allowed', { heading: 'Your token cannot do this', message: 'Editing a contact note shows its text: this needs the "notes:read" scope too.' });
    }
    const email = checkEmail(request.params.email);
    const note = await deps.db.vipContactNote.findUnique({ where: { id: checkContactNoteId(request.params.id) }, include: { vip: { select: { email: true } } } });
    if (!note || note.vip.email !== email) throw new AdminError('not_found', `there is no contact note ${request.params.id} of ${email}`);
    return noteForm(request, reply, { email, noteId: note.id.toString(), text: note.text, error: null });
  });

  app.post<{ Params: { email: string; id: string }; Body: unknown }>('/vips/:email/notes/:id', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const text = noteText(request.body);
    try {
      const note = await editContactNote(deps.db, { id: request.params.id, email: request.params.email }, text, consoleActor(request.consoleSession!));
      return redirectWith(reply, personHref(note.email), 'Contact note saved.');
    } catch (error) {
      if (!(error instanceof AdminError) || error.kind !== 'invalid') throw error;
      return noteForm(request, reply, { email: request.params.email, noteId: request.params.id, text, error: error.message, status: 400 });
    }
  });

  app.post<{ Params: { email: string; id: string } }>('/vips/:email/notes/:id/delete', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const note = await deleteContactNote(deps.db, { id: request.params.id, email: request.params.email }, consoleActor(request.consoleSession!));
    return redirectWith(reply, personHref(note.email), 'Contact note deleted (the audit log keeps its text).');
  });

  app.post<{ Params: { email: string }; Body: unknown }>('/vips/:email/groups', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const group = formText(request.body, 'group');
    const result = await addGroupMembers(deps.db, group, [request.params.email], consoleActor(request.consoleSession!));
    const email = [...result.added, ...result.alreadyMembers][0] ?? request.params.email;
    return redirectWith(reply, personHref(email), result.added.length ? `Added to the group "${result.group}".` : `Already a member of "${result.group}" (added by an admin).`);
  });

  app.post<{ Params: { email: string }; Body: unknown }>('/vips/:email/groups/remove', { config: { consoleScope: 'vips:write' } }, async (request, reply) => {
    const group = formText(request.body, 'group');
    const result = await removeGroupMembers(deps.db, group, [request.params.email], consoleActor(request.consoleSession!));
    const email = [...result.removed, ...result.notMembers, ...result.stillByCrm][0] ?? request.params.email;
    const parts = [result.removed.length ? `Removed from the group "${result.group}".` : `Not a member of "${result.group}" by an admin's hand.`];
    if (result.stillByCrm.length) parts.push('Still in it through the rules from CRM facts: change the CRM record to take them out.');
    return redirectWith(reply, personHref(email), parts.join(' '));
  });
}
