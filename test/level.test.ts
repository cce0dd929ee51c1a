import { describe, expect, it } from 'vitest';
import { parseExplicitVipLevel } from '../vip/level.js';

describe('parseExplicitVipLevel', () => {
  it.each([
    [1, 1], [5, 5], ['1', 1], ['3', 3], [' 4 ', 4], ['5.0', 5], ['+2', 2], [3.0, 3],
  ])('reads %j as level %j', (raw, level) => {
    expect(parseExplicitVipLevel(raw)).toEqual({ kind: 'level', level });
  });

  it.each([[null], [undefined], [''], ['   '], [0], ['0'], ['0.0'], ['-0']])('reads %j as no explicit level', (raw) => {
    expect(parseExplicitVipLevel(raw)).toEqual({ kind: 'none' });
  });

  it.each([
    [6, 'outside 1-5'], ['6', 'outside 1-5'], [-1, 'outside 1-5'], ['-3', 'outside 1-5'], [100, 'outside 1-5'],
    [2.5, 'not a whole number'], ['2.5', 'not a whole number'], ['gold', 'not a whole number'], ['3a', 'not a whole number'],
    ['1e1', 'not a whole number'], [Number.NaN, 'not a whole number'], [Number.POSITIVE_INFINITY, 'not a whole number'],
    [true, 'not a number'], [{}, 'not a number'], [[3], 'not a number'],
  ])('rejects %j as invalid (%s)', (raw, reason) => {
    const result = parseExplicitVipLevel(raw);
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid') expect(result.reason).toContain(reason);
  });
});
