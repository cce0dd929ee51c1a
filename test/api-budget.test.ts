import { describe, expect, it } from 'vitest';
import { API_BUDGET_RECHECK_MS, ApiBudget } from '../crm/budget.js';

function budgetAt(percent: number) {
  let now = 0;
  const budget = new ApiBudget('crm', 'test account', percent, () => now);
  return { budget, advance: (ms: number) => (now += ms) };
}

describe('ApiBudget', () => {
  it('lets calls go before the CRM has said anything', () => {
    expect(() => budgetAt(90).budget.check()).not.toThrow();
  });

  it('lets calls go under the share and refuses them at it, naming the usage and the setting', () => {
    const { budget } = budgetAt(90);
    budget.observe(8_999, 10_000);
    expect(() => budget.check()).not.toThrow();
    budget.observe(9_000, 10_000);
    expect(() => budget.check()).toThrow(
      'connection "crm": the test account has used 9,000 of its 10,000 daily API calls, at or over the 90% vipsync may use (maxApiUsagePercent on the connection)',
    );
  });

  it('lets one call through each recheck interval while over the share', () => {
    const { budget, advance } = budgetAt(50);
    budget.observe(60, 100);
    expect(() => budget.check()).toThrow();
    advance(API_BUDGET_RECHECK_MS - 1);
    expect(() => budget.check()).toThrow();
    advance(1);
    expect(() => budget.check()).not.toThrow();
    expect(() => budget.check()).toThrow();
    advance(API_BUDGET_RECHECK_MS);
    expect(() => budget.check()).not.toThrow();
  });

  it('lets calls go again as soon as the usage it hears of has fallen', () => {
    const { budget } = budgetAt(50);
    budget.observe(60, 100);
    expect(() => budget.check()).toThrow();
    budget.observe(10, 100);
    expect(() => budget.check()).not.toThrow();
    expect(() => budget.check()).not.toThrow();
  });

  it('at 100% refuses only when the whole day is used', () => {
    const { budget } = budgetAt(100);
    budget.observe(99, 100);
    expect(() => budget.check()).not.toThrow();
    budget.observe(100, 100);
    expect(() => budget.check()).toThrow();
  });

  it('counts the whole day as used once the CRM refuses a call for the day, until an answer says otherwise', () => {
    const { budget } = budgetAt(100);
    budget.observe(91, 100);
    budget.usedUp();
    expect(() => budget.check()).toThrow('has used 100 of its 100 daily API calls');
    budget.observe(0, 100);
    expect(() => budget.check()).not.toThrow();
  });

  it('without a known limit, a refusal for the day holds nothing back (there is no figure to name)', () => {
    const { budget } = budgetAt(90);
    budget.usedUp();
    expect(() => budget.check()).not.toThrow();
  });

  it('ignores values that are not counts', () => {
    const { budget } = budgetAt(50);
    for (const [used, limit] of [[undefined, 100], [60, undefined], [Number.NaN, 100], [60, 0], [-1, 100], [60.5, 100], [60, 1.5]] as const) {
      budget.observe(used, limit);
    }
    expect(() => budget.check()).not.toThrow();
  });
});
