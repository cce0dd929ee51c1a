// VIP groups, the pure part: group names, the `;` lists, the priority order and which handling wins
// between a person's level and their groups, with the reason an agent reads.
import { describe, expect, it } from 'vitest';
import { groupHandling } from '../lookup/groups.js';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import {
  checkGroupName, chooseHandling, compareUrgency, groupKey, PRIORITIES, priorityRank, splitGroupList,
} from '../vip/groups.js';

const h = (priority: string, responseTimeMinutes: number) => ({ priority, responseTimeMinutes });
const level = (n: number, priority: string, minutes: number) => ({ level: n, handling: h(priority, minutes) });
const group = (name: string, priority: string, minutes: number) => ({ group: name, handling: h(priority, minutes) });

describe('group names', () => {
  it.each([
    ['Board', 'Board', 'board'],
    ['  Key Partners ', 'Key Partners', 'key partners'],
    ['R&D (EMEA)', 'R&D (EMEA)', 'r&d (emea)'],
    ["O'Reilly Media", "O'Reilly Media", "o'reilly media"],
    ['Tier-1_accounts.2026', 'Tier-1_accounts.2026', 'tier-1_accounts.2026'],
    ['Vorstand Größe', 'Vorstand Größe', 'vorstand größe'],
    ['取締役会', '取締役会', '取締役会'],
    ['C++', 'C++', 'c++'],
    ['x'.repeat(64), 'x'.repeat(64), 'x'.repeat(64)],
    ['Cafe\u0301', 'Café', 'café'],
  ])('%j is the group %j (compared as %j)', (raw, name, key) => {
    expect(checkGroupName(raw)).toEqual({ ok: true, name, key });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['x'.repeat(65), 'at most 64'],
    ['Board;Press', 'may hold only'],
    ['Key/Accounts', 'may hold only'],
    ['-Press', 'starting with a letter or digit'],
    ['Press-', 'may hold only'],
    ['Bo\u0000ard', 'may hold only'],
    ['Bo\nard', 'may hold only'],
    ['=HYPERLINK()', 'may hold only'],
    ['emoji 😀', 'may hold only'],
  ])('%j is refused (%s)', (raw, message) => {
    const check = checkGroupName(raw);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(message);
  });

  it('refuses what is not text', () => {
    expect(checkGroupName(42)).toEqual({ ok: false, reason: 'a group name must be text' });
    expect(checkGroupName(null).ok).toBe(false);
  });

  it('compares case aside and in one Unicode form', () => {
    expect(groupKey('BOARD')).toBe(groupKey('board'));
    expect(groupKey('Cafe\u0301')).toBe(groupKey('Café'));
  });

  it.each([
    ['Board;Press', ['Board', 'Press']],
    [' Board ; Press ;; ', ['Board', 'Press']],
    ['', []],
    [';;', []],
    ['Board', ['Board']],
  ])('splits %j into %j', (text, parts) => {
    expect(splitGroupList(text)).toEqual(parts);
  });
});

describe('the priority order', () => {
  it('ranks immediate, high, elevated, normal, low; anything else below low', () => {
    expect(PRIORITIES.map(priorityRank)).toEqual([0, 1, 2, 3, 4]);
    expect(priorityRank('urgent')).toBe(5);
    expect(priorityRank('')).toBe(5);
    expect(priorityRank(' High ')).toBe(1);
  });

  it('compares priority first, then the shorter response time', () => {
    expect(compareUrgency(h('immediate', 600), h('high', 1))).toBeLessThan(0);
    expect(compareUrgency(h('high', 30), h('high', 60))).toBeLessThan(0);
    expect(compareUrgency(h('high', 60), h('high', 60))).toBe(0);
    expect(compareUrgency(h('low', 1), h('normal', 1440))).toBeGreaterThan(0);
    expect(compareUrgency(h('urgent', 1), h('low', 10_000))).toBeGreaterThan(0);
  });
});

describe('which handling wins', () => {
  it('none at all: no level and no groups', () => {
    expect(chooseHandling(null, [])).toBeNull();
  });

  it('level only: the level handling, and says there is no group', () => {
    const choice = chooseHandling(level(4, 'high', 60), []);
    expect(choice?.winner).toEqual({ kind: 'level', level: 4, handling: h('high', 60) });
    expect(choice?.reason).toBe('level 4 (high, 60 min); no group');
  });

  it('group only (a non-VIP in a group): the group handling', () => {
    const choice = chooseHandling(null, [group('Press', 'high', 30)]);
    expect(choice?.winner).toEqual({ kind: 'group', group: 'Press', handling: h('high', 30) });
    expect(choice?.reason).toBe("group 'Press' (high, 30 min); no VIP level");
  });

  it('a group with a higher priority beats the level, whatever the response times', () => {
    const choice = chooseHandling(level(4, 'high', 60), [group('Board', 'immediate', 15)]);
    expect(choice?.winner.kind).toBe('group');
    expect(choice?.reason).toBe("group 'Board' (immediate, 15 min) is more urgent than level 4 (high, 60 min)");
    expect(chooseHandling(level(4, 'high', 5), [group('Board', 'immediate', 600)])?.winner.kind).toBe('group');
  });

  it('a level with a higher priority beats the groups', () => {
    const choice = chooseHandling(level(5, 'immediate', 15), [group('Press', 'high', 5), group('Investors', 'elevated', 60)]);
    expect(choice?.winner).toEqual({ kind: 'level', level: 5, handling: h('immediate', 15) });
    expect(choice?.reason).toBe("level 5 (immediate, 15 min) is more urgent than group 'Press' (high, 5 min) and group 'Investors' (elevated, 60 min)");
  });

  it('on equal priority the shorter response time wins', () => {
    expect(chooseHandling(level(4, 'high', 60), [group('Press', 'high', 30)])?.winner.kind).toBe('group');
    expect(chooseHandling(level(4, 'high', 30), [group('Press', 'high', 60)])?.winner.kind).toBe('level');
  });

  it('a full tie between the level and a group: the level wins, and the reason says why', () => {
    const choice = chooseHandling(level(4, 'high', 60), [group('Investors', 'high', 60)]);
    expect(choice?.winner.kind).toBe('level');
    expect(choice?.reason).toBe("level 4 (high, 60 min) ties with group 'Investors' (high, 60 min) (the level wins a tie)");
  });

  it('a full tie between groups: the first name in alphabetical order (case aside), whatever order they come in', () => {
    const groups = [group('press', 'high', 30), group('Board', 'high', 30), group('Analysts', 'high', 30)];
    for (const order of [groups, [...groups].reverse(), [groups[1]!, groups[2]!, groups[0]!]]) {
      const choice = chooseHandling(null, order);
      expect(choice?.winner).toMatchObject({ kind: 'group', group: 'Analysts' });
      expect(choice?.reason).toBe("group 'Analysts' (high, 30 min) ties with group 'Board' (high, 30 min) and group 'press' (high, 30 min) (the first group by name wins a tie)");
    }
  });

  it('names both what it beat and what it tied with', () => {
    const choice = chooseHandling(level(2, 'normal', 480), [group('Board', 'immediate', 15), group('Crisis', 'immediate', 15)]);
    expect(choice?.winner).toMatchObject({ kind: 'group', group: 'Board' });
    expect(choice?.reason).toBe("group 'Board' (immediate, 15 min) is more urgent than level 2 (normal, 480 min), ties with group 'Crisis' (immediate, 15 min) (the first group by name wins a tie)");
  });

  it('a priority vipsync does not know ranks below low, and the reason says so', () => {
    const choice = chooseHandling(level(3, 'urgent', 1), [group('Press', 'low', 1440)]);
    expect(choice?.winner).toMatchObject({ kind: 'group', group: 'Press' });
    expect(choice?.reason).toBe("group 'Press' (low, 1440 min) is more urgent than level 3 (urgent, 1 min); priority \"urgent\" is not one of immediate, high, elevated, normal, low and ranks below low");
    // Two unknown priorities compare by response time.
    expect(chooseHandling(level(3, 'urgent', 10), [group('Press', 'asap', 5)])?.winner.kind).toBe('group');
  });

  it('many groups, no level: the most urgent of them', () => {
    const choice = chooseHandling(null, [group('Key Partners', 'elevated', 120), group('Investors', 'high', 60), group('Press', 'high', 30)]);
    expect(choice?.winner).toMatchObject({ group: 'Press' });
  });

  it('agrees with the default level handling table: level 5 ties immediate/15 and keeps its own handling', () => {
    const choice = chooseHandling({ level: 5, handling: DEFAULT_HANDLING[5] }, [group('Board', 'immediate', 15)]);
    expect(choice?.winner.kind).toBe('level');
  });
});

describe("the lookup answer's handling fields", () => {
  const board = { name: 'Board', source: 'manual' as const, reason: 'added by alice via cli', handling: { priority: 'immediate', escalationTeam: 'board-relations', responseTimeMinutes: 15, guidance: null } };

  it('a group without guidance of its own gets a sentence naming the group', () => {
    const answer = groupHandling(null, [board]);
    expect(answer.handling).toEqual({ priority: 'immediate', escalationTeam: 'board-relations', responseTimeMinutes: 15, guidance: "Member of the VIP group 'Board': handle as that group asks." });
    expect(answer.groups).toEqual([board]);
    expect(answer.handlingReason).toBe("group 'Board' (immediate, 15 min); no VIP level");
  });

  it("the level's handling as configured when it wins", () => {
    const answer = groupHandling({ level: 5, handling: DEFAULT_HANDLING[5] }, [{ ...board, handling: { ...board.handling, priority: 'high' } }]);
    expect(answer.handling).toEqual(DEFAULT_HANDLING[5]);
    expect(answer.handlingReason).toContain('level 5 (immediate, 15 min) is more urgent than');
  });

  it('neither: null handling and reason, no groups', () => {
    expect(groupHandling(null, [])).toEqual({ handling: null, groups: [], handlingReason: null });
  });
});
