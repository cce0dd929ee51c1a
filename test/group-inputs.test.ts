// What an admin may give for a group (its name and handling) and what a CSV groups cell may hold,
// checked one way for the CLI, the HTTP API and CSV rows: each refusal names the field and what to do.
import { describe, expect, it } from 'vitest';
import { checkGroupCell } from '../admin/import-groups.js';
import { checkHandling, checkName } from '../admin/vip-groups.js';
import { AdminError } from '../admin/errors.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe("a group's handling", () => {
  it('takes a full handling for a new group, priorities case aside and minutes as text from the CLI', () => {
    expect(checkHandling({ priority: ' High ', responseTimeMinutes: '30', escalationTeam: ' press-desk ', guidance: 'No comment.' }, true))
      .toEqual({ priority: 'high', responseTimeMinutes: 30, escalationTeam: 'press-desk', guidance: 'No comment.' });
    expect(checkHandling({ priority: 'low', responseTimeMinutes: 10_080 }, true)).toEqual({ priority: 'low', responseTimeMinutes: 10_080 });
  });

  it('takes any part for an edit; "" or null clears the team and the guidance', () => {
    expect(checkHandling({ escalationTeam: '' }, false)).toEqual({ escalationTeam: null });
    expect(checkHandling({ guidance: null, responseTimeMinutes: 5 }, false)).toEqual({ guidance: null, responseTimeMinutes: 5 });
    expect(checkHandling({}, false)).toEqual({});
  });

  it.each([
    [{ responseTimeMinutes: 30 }, 'priority is missing; use one of immediate, high, elevated, normal, low'],
    [{ priority: 'urgent', responseTimeMinutes: 30 }, 'priority "urgent" is not one vipsync ranks; use one of immediate, high, elevated, normal, low'],
    [{ priority: 3, responseTimeMinutes: 30 }, 'priority "3" is not one vipsync ranks'],
    [{ priority: 'high' }, 'responseTimeMinutes is missing a whole number of minutes from 1 to 10080 (a week)'],
    [{ priority: 'high', responseTimeMinutes: 0 }, 'responseTimeMinutes "0" is not a whole number of minutes from 1 to 10080'],
    [{ priority: 'high', responseTimeMinutes: 10_081 }, 'responseTimeMinutes "10081" is not'],
    [{ priority: 'high', responseTimeMinutes: 1.5 }, 'responseTimeMinutes "1.5" is not'],
    [{ priority: 'high', responseTimeMinutes: '15 min' }, 'responseTimeMinutes "15 min" is not'],
    [{ priority: 'high', responseTimeMinutes: 5, escalationTeam: 7 }, 'escalationTeam must be text'],
    [{ priority: 'high', responseTimeMinutes: 5, escalationTeam: 'x'.repeat(101) }, 'escalationTeam is longer than 100 characters'],
    [{ priority: 'high', responseTimeMinutes: 5, escalationTeam: 'desk\u001b[2J' }, 'escalationTeam contains a control character (U+001B); remove it'],
    [{ priority: 'high', responseTimeMinutes: 5, guidance: 'g'.repeat(501) }, 'guidance is longer than 500 characters'],
  ])('refuses %j: %s', (input, message) => {
    expect(refusal(() => checkHandling(input, true))).toContain(message);
  });

  it('names a group by the rules of group names', () => {
    expect(checkName(' Board ')).toEqual({ ok: true, name: 'Board', key: 'board' });
    expect(refusal(() => checkName('A;B'))).toContain('may hold only letters');
    expect(refusal(() => checkName(undefined))).toBe('a group name must be text');
  });
});

describe('a CSV groups cell', () => {
  it.each([
    ['Board', ['Board']],
    ['Board; Press', ['Board', 'Press']],
    ['Board;board;BOARD', ['Board']],
    [';Board;;', ['Board']],
    [' ; ', []],
  ])('%j holds %j', (cell, names) => {
    expect(checkGroupCell(cell)).toEqual({ ok: true, names });
  });

  it('refuses a name that is not a group name, naming the column', () => {
    expect(checkGroupCell('Board;-Press')).toEqual({ ok: false, reason: expect.stringMatching(/^groups: group name "-Press" may hold only/) });
    expect(checkGroupCell(`Board;${'x'.repeat(65)}`)).toEqual({ ok: false, reason: expect.stringContaining('groups: group name') });
  });
});

describe('the groups column of an import file', () => {
  it('is read by name (groups, group, vip_groups) or mapped, and checked row by row', async () => {
    const { parseVipCsv } = await import('../admin/csv-reading.js');
    const parsed = parseVipCsv('email,level,VIP Groups\na@x.example,3,Board; Press\nb@x.example,2,-x\nc@x.example,1,\n');
    expect(parsed.columns.at(-1)).toEqual({ column: 'VIP Groups', field: 'groups' });
    expect(parsed.rows).toEqual([
      expect.objectContaining({ row: 2, email: 'a@x.example', groups: ['Board', 'Press'] }),
      // An empty cell leaves the groups as they are: no `groups` at all.
      { row: 4, email: 'c@x.example', level: 1, name: undefined, company: undefined, phone: undefined, notes: undefined },
    ]);
    expect(parsed.errors).toEqual([{ row: 3, email: 'b@x.example', message: expect.stringMatching(/^groups: group name "-x"/) }]);
    const { parseColumnMap } = await import('../admin/csv-columns.js');
    const mapped = parseVipCsv('email,level,Teams\na@x.example,3,Board\n', { map: parseColumnMap(['Teams=groups']) });
    expect(mapped.rows[0]?.groups).toEqual(['Board']);
  });
});
