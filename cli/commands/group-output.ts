// How `vipsync lookup` (and the demo) shows a person's groups and the handling that wins.
import type { VipLookupResult } from '../../workflows/contract.js';
import { terminalText as t } from '../output.js';

/** The groups and, for a person whose handling comes from a group, that handling and why. */
export function groupLines(r: VipLookupResult): string[] {
  if (r.groups.length === 0) return [];
  const lines = r.groups.map((g, i) =>
    `  ${i === 0 ? 'groups:   ' : '          '} ${t(g.name)} (${g.handling.priority}, ${g.handling.responseTimeMinutes} min` +
    `${g.handling.escalationTeam ? `, ${t(g.handling.escalationTeam)}` : ''}; ${g.source}: ${t(g.reason)})`);
  if (!r.isVip && r.handling) {
    const h = r.handling;
    lines.push(`  handling:  ${t(`${h.priority}, answer within ${h.responseTimeMinutes} min${h.escalationTeam ? `, escalate to ${h.escalationTeam}` : ''}: ${h.guidance}`)}`);
  }
  if (r.handlingReason) lines.push(`  why:       ${t(r.handlingReason)}`);
  return lines;
}
