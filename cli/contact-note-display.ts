// How a contact note is shown on a terminal, by `vipsync vip notes` and `vipsync lookup`: here, with
// no imports but the output helpers, so `vipsync lookup` does not load the admin modules.
import { terminalLines, terminalText as t } from './output.js';

export interface ShownContactNote {
  id: string;
  at: Date | string;
  author: string;
  text: string;
  editedAt?: Date | null;
  editedBy?: string | null;
}

/** One note for eyes: its id, time and author on one line, the text (shown, never obeyed) below. */
export function describeContactNote(n: ShownContactNote): string {
  const edited = n.editedAt ? `, edited by ${t(n.editedBy ?? '?')} at ${n.editedAt.toISOString()}` : '';
  const at = typeof n.at === 'string' ? n.at : n.at.toISOString();
  return `  #${n.id}  ${at}  ${t(n.author)}${edited}\n      ${terminalLines(n.text, '      ')}`;
}
