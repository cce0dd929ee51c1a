// `vipsync vip notes ...`: contact notes about a person, as the OS user. Same functions as the HTTP
// API (admin/contact-notes.ts).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { noteTextFromFile } from '../../admin/contact-note-fields.js';
import { addContactNote, deleteContactNote, editContactNote, listContactNotes } from '../../admin/contact-notes.js';
import { osActor } from '../../db/audit-log.js';
import { describeContactNote } from '../contact-note-display.js';
import { printJson, progress, terminalText as t, UsageError } from '../output.js';
import { withDb } from '../targets.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The note's text from the argument, --file FILE or stdin (`-` as the argument or the file). */
async function noteText(argument: string | undefined, file: string | undefined): Promise<string> {
  if (argument !== undefined && file !== undefined) throw new UsageError('give the text either as an argument or with --file, not both');
  if (argument === undefined && file === undefined) throw new UsageError('give the note\'s text: as an argument, with --file FILE, or - to read it from stdin');
  if (argument !== undefined && argument !== '-') return argument;
  if (argument === '-' || file === '-') return noteTextFromFile(await readStdin());
  const content = await readFile(file!, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(error.code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${error.message}`);
  });
  return noteTextFromFile(content);
}

function positiveWholeNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${name} must be a whole number, got "${value}"`);
    return Number(value);
  };
}

export function registerVipNotes(vip: Command): void {
  const notes = vip
    .command('notes')
    .description('Contact notes about a person (author, time, text): list (the default), add, edit, delete')
    .addHelpText('after', '\nExamples:\n  vipsync vip notes ada@acme.com\n  vipsync vip notes add ada@acme.com "Prefers calls after 3pm"\n' +
      '  echo "..." | vipsync vip notes add ada@acme.com -\n  vipsync vip notes edit 12 --file note.txt\n  vipsync vip notes delete 12');

  notes
    .command('list', { isDefault: true })
    .description("A person's contact notes, newest first")
    .argument('<email>')
    .option('--limit <n>', 'at most this many (1-1000)', positiveWholeNumber('--limit'), 100)
    .option('--json', 'print as JSON')
    .action(async (email: string, opts: { limit: number; json?: boolean }) => {
      const page = await withDb((db) => listContactNotes(db, email, { limit: opts.limit }, osActor()));
      if (opts.json) return printJson(page);
      if (page.contactNotes.length === 0) process.stdout.write(`${t(page.email)}: no contact notes\n`);
      else process.stdout.write(`${t(page.email)}: ${page.total} contact note(s), newest first\n${page.contactNotes.map(describeContactNote).join('\n')}\n`);
      if (page.total > page.contactNotes.length) progress(`showing ${page.contactNotes.length} of ${page.total}; --limit shows more`);
    });

  notes
    .command('add')
    .description('Add a note about a person on the list (at most 2,000 characters; you are its author)')
    .argument('<email>')
    .argument('[text]', 'the note; - reads it from stdin')
    .option('--file <file>', 'read the note from a file (- for stdin); one final line break is dropped')
    .option('--json', 'print the note as JSON')
    .action(async (email: string, text: string | undefined, opts: { file?: string; json?: boolean }) => {
      const body = await noteText(text, opts.file);
      const note = await withDb((db) => addContactNote(db, email, body, osActor()));
      if (opts.json) printJson(note);
      else process.stdout.write(`added note #${note.id} about ${t(note.email)}\n`);
    });

  notes
    .command('edit')
    .description("Replace a note's text (anyone may; the old text goes to the audit log)")
    .argument('<id>', 'the note id, as `vipsync vip notes EMAIL` shows it')
    .argument('[text]', 'the new text; - reads it from stdin')
    .option('--file <file>', 'read the new text from a file (- for stdin)')
    .option('--json', 'print the note as JSON')
    .action(async (id: string, text: string | undefined, opts: { file?: string; json?: boolean }) => {
      const body = await noteText(text, opts.file);
      const note = await withDb((db) => editContactNote(db, { id }, body, osActor()));
      if (opts.json) printJson(note);
      else process.stdout.write(`note #${note.id} about ${t(note.email)}:\n${describeContactNote(note)}\n`);
    });

  notes
    .command('delete')
    .description('Delete a note (its text goes to the audit log)')
    .argument('<id>', 'the note id, as `vipsync vip notes EMAIL` shows it')
    .option('--json', 'print the deleted note as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const note = await withDb((db) => deleteContactNote(db, { id }, osActor()));
      if (opts.json) printJson(note);
      else process.stdout.write(`deleted note #${note.id} about ${t(note.email)}\n`);
    });
}
