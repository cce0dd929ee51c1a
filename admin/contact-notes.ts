// Contact notes: what agents and admins share about a person, beside the handling notes (vips.notes).
// One code path per operation for the CLI and the HTTP API. Any writer may edit or delete any note;
// every change is audited in its transaction with the text it replaced or removed, so the audit
// log holds every version a note ever had (the first is the old text of its first edit, or of its
// deletion; the latest is in the table).
import type { Db } from '../db/client.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { checkContactNoteId, checkContactNoteText } from './contact-note-fields.js';
import { AdminError } from './errors.js';
import { characterCount, checkEmail } from './vip-fields.js';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export const MAX_NOTES_PAGE = 1000;

export interface ContactNoteView {
  /** A bigint in the database; text here, as the audit log shows ids. */
  id: string;
  email: string;
  /** Who wrote it: the OS user (CLI) or token:NAME (HTTP). */
  author: string;
  at: Date;
  text: string;
  editedAt: Date | null;
  editedBy: string | null;
}

type NoteRow = { id: bigint; author: string; createdAt: Date; text: string; editedAt: Date | null; editedBy: string | null };

function toView(email: string, n: NoteRow): ContactNoteView {
  return { id: n.id.toString(), email, author: n.author, at: n.createdAt, text: n.text, editedAt: n.editedAt, editedBy: n.editedBy };
}

// Newest first; notes written in one millisecond keep the order they were written in.
const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

async function personId(db: Db | Tx, email: string, lock: boolean): Promise<bigint> {
  const rows = lock
    // The person's row is shared-locked, so a note never lands on a person being removed.
    ? await db.$queryRaw<{ id: bigint }[]>`SELECT id FROM vips WHERE email = ${email} FOR KEY SHARE`
    : await db.$queryRaw<{ id: bigint }[]>`SELECT id FROM vips WHERE email = ${email}`;
  if (!rows[0]) throw new AdminError('not_found', `${email} is not on the VIP list (add the person with \`vipsync vip add\` first)`);
  return rows[0].id;
}

export interface ContactNotesPage {
  email: string;
  total: number;
  contactNotes: ContactNoteView[];
}

/** A person's contact notes, newest first. */
export async function listContactNotes(
  db: Db, rawEmail: string, q: { limit?: number; offset?: number }, actor: Actor,
): Promise<ContactNotesPage> {
  const email = checkEmail(rawEmail);
  const limit = q.limit ?? 100;
  const offset = q.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NOTES_PAGE) throw new AdminError('invalid', `limit ${limit} is outside 1-${MAX_NOTES_PAGE}`);
  if (!Number.isInteger(offset) || offset < 0) throw new AdminError('invalid', `offset ${offset} must be 0 or more`);
  const vipId = await personId(db, email, false);
  const [total, rows] = await Promise.all([
    db.vipContactNote.count({ where: { vipId } }),
    db.vipContactNote.findMany({ where: { vipId }, orderBy: [...NEWEST_FIRST], take: limit, skip: offset }),
  ]);
  await writeAudit(db, { actor, action: 'vip.note.list', subject: email, details: { returned: rows.length, total, offset } });
  return { email, total, contactNotes: rows.map((n) => toView(email, n)) };
}

export async function addContactNote(db: Db, rawEmail: string, rawText: unknown, actor: Actor): Promise<ContactNoteView> {
  const email = checkEmail(rawEmail);
  const text = checkContactNoteText(rawText);
  return db.$transaction(async (tx) => {
    const vipId = await personId(tx, email, true);
    const note = await tx.vipContactNote.create({ data: { vipId, text, author: actor.name } });
    await writeAudit(tx, { actor, action: 'vip.note.add', subject: email, details: { noteId: note.id.toString(), characters: characterCount(text) } });
    return toView(email, note);
  });
}

/** The note, locked until the transaction ends; with `email`, it must be that person's note. */
async function lockedNote(tx: Tx, id: bigint, email: string | undefined): Promise<{ note: NoteRow; email: string }> {
  const [row] = await tx.$queryRaw<{ email: string }[]>`
    SELECT v.email FROM vip_contact_notes n JOIN vips v ON v.id = n.vip_id WHERE n.id = ${id} FOR UPDATE OF n`;
  if (!row || (email !== undefined && row.email !== email)) {
    throw new AdminError('not_found', `there is no contact note ${id}${email ? ` of ${email}` : ''} (\`vipsync vip notes EMAIL\` lists a person's notes)`);
  }
  return { note: await tx.vipContactNote.findUniqueOrThrow({ where: { id } }), email: row.email };
}

export interface NoteRef {
  id: unknown;
  /** The person the caller believes the note is about (the HTTP path names one); checked when given. */
  email?: string;
}

/** Replaces a note's text; its author and time stay, the editor and edit time are kept beside them. */
export async function editContactNote(db: Db, ref: NoteRef, rawText: unknown, actor: Actor): Promise<ContactNoteView> {
  const id = checkContactNoteId(ref.id);
  const expectedEmail = ref.email === undefined ? undefined : checkEmail(ref.email);
  const text = checkContactNoteText(rawText);
  return db.$transaction(async (tx) => {
    const { note, email } = await lockedNote(tx, id, expectedEmail);
    if (note.text === text) return toView(email, note);
    const updated = await tx.vipContactNote.update({ where: { id }, data: { text, editedAt: new Date(), editedBy: actor.name } });
    await writeAudit(tx, {
      actor, action: 'vip.note.edit', subject: email,
      details: { noteId: id.toString(), author: note.author, oldText: note.text, characters: characterCount(text) },
    });
    return toView(email, updated);
  });
}

export async function deleteContactNote(db: Db, ref: NoteRef, actor: Actor): Promise<ContactNoteView> {
  const id = checkContactNoteId(ref.id);
  const expectedEmail = ref.email === undefined ? undefined : checkEmail(ref.email);
  return db.$transaction(async (tx) => {
    const { note, email } = await lockedNote(tx, id, expectedEmail);
    await tx.vipContactNote.delete({ where: { id } });
    await writeAudit(tx, {
      actor, action: 'vip.note.delete', subject: email,
      details: { noteId: id.toString(), author: note.author, at: note.createdAt.toISOString(), oldText: note.text },
    });
    return toView(email, note);
  });
}

/**
 * The notes removing these people deletes with them (the foreign key cascades), for the removal's
 * audit entry: nothing is deleted without its text in the audit log.
 */
export async function contactNotesGoingWith(tx: Tx, vipIds: bigint[]): Promise<Map<bigint, Record<string, string>[]>> {
  const rows = vipIds.length === 0 ? [] : await tx.vipContactNote.findMany({ where: { vipId: { in: vipIds } }, orderBy: [...NEWEST_FIRST] });
  const byPerson = new Map<bigint, Record<string, string>[]>();
  for (const n of rows) {
    const list = byPerson.get(n.vipId) ?? [];
    list.push({ noteId: n.id.toString(), author: n.author, at: n.createdAt.toISOString(), oldText: n.text });
    byPerson.set(n.vipId, list);
  }
  return byPerson;
}
