// Contact notes about a person: list (notes:read), add, edit, delete (vips:write). Any writer may
// change any note; each change is audited with the old text (admin/contact-notes.ts). A writer
// without notes:read gets its own note back without the text, as it gets no `notes` back.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_CONTACT_NOTE_LENGTH } from '../../admin/contact-note-fields.js';
import { addContactNote, deleteContactNote, editContactNote, listContactNotes, MAX_NOTES_PAGE, type ContactNoteView } from '../../admin/contact-notes.js';
import { canReadNotes, requestActor } from '../auth.js';
import { email, errors, nullableString, secured, type ApiDeps } from './common.js';

const contactNoteView = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the note id' }, email: { type: 'string' },
    author: { type: 'string', description: 'token:NAME (HTTP) or the OS user (CLI) who wrote it' },
    at: { type: 'string', format: 'date-time', description: 'when it was written' },
    text: { type: 'string', description: 'only with the notes:read scope' },
    editedAt: { type: ['string', 'null'], format: 'date-time' }, editedBy: nullableString,
  },
} as const;

const noteParams = { type: 'object', properties: { email, id: { type: 'string', maxLength: 40, description: 'the note id' } } } as const;
const noteBody = {
  type: 'object', additionalProperties: false, required: ['text'],
  properties: { text: { type: 'string', maxLength: MAX_CONTACT_NOTE_LENGTH, description: 'at most 2,000 characters; line breaks and tabs, no other control characters' } },
} as const;

function shown(request: FastifyRequest, note: ContactNoteView): Partial<ContactNoteView> {
  if (canReadNotes(request)) return note;
  const { text: _text, ...rest } = note;
  return rest;
}

export async function contactNoteRoutes(app: FastifyInstance, { deps }: { deps: ApiDeps }): Promise<void> {
  app.get<{ Params: { email: string }; Querystring: { limit?: number; offset?: number } }>('/v1/vips/:email/notes', {
    config: { scope: 'notes:read' },
    schema: {
      summary: "A person's contact notes, newest first", security: secured,
      params: { type: 'object', properties: { email } },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_NOTES_PAGE }, offset: { type: 'integer', minimum: 0, maximum: 2_147_483_647 } },
      },
      response: {
        200: { type: 'object', properties: { email: { type: 'string' }, total: { type: 'integer' }, contactNotes: { type: 'array', items: contactNoteView } } },
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request) => listContactNotes(deps.db, request.params.email, request.query, requestActor(request)));

  app.post<{ Params: { email: string }; Body: { text: string } }>('/v1/vips/:email/notes', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Add a contact note about a person on the list (the token is its author)', security: secured,
      params: { type: 'object', properties: { email } }, body: noteBody,
      response: { 201: contactNoteView, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => reply.code(201).send(shown(request, await addContactNote(deps.db, request.params.email, request.body.text, requestActor(request)))));

  app.patch<{ Params: { email: string; id: string }; Body: { text: string } }>('/v1/vips/:email/notes/:id', {
    config: { scope: 'vips:write' },
    schema: {
      summary: "Replace a contact note's text (audited with the old text); its author and time stay", security: secured,
      params: noteParams, body: noteBody,
      response: { 200: contactNoteView, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => shown(request, await editContactNote(deps.db, request.params, request.body.text, requestActor(request))));

  app.delete<{ Params: { email: string; id: string } }>('/v1/vips/:email/notes/:id', {
    config: { scope: 'vips:write' },
    schema: {
      summary: 'Delete a contact note (audited with its text)', security: secured,
      params: noteParams,
      response: { 204: { type: 'null' }, ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await deleteContactNote(deps.db, request.params, requestActor(request));
    return reply.code(204).send();
  });
}
