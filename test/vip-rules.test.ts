import { describe, expect, it } from 'vitest';
import { evaluateRules, loadRules, parseRules, RulesFileError, type RuleSubject } from '../vip/rules.js';

const rules = loadRules();

function subject(title: string | null, company: Partial<NonNullable<RuleSubject['company']>> | null = null, extra: Partial<RuleSubject> = {}): RuleSubject {
  return {
    title,
    ownerId: null,
    contactProperties: {},
    company: company ? { annualRevenue: null, employees: null, type: null, ...company } : null,
    ...extra,
  };
}

describe('the default rules file', () => {
  it('is valid, versioned and documents its inflation thresholds', () => {
    expect(rules.version).toBe(1);
    expect(rules.rules.map((r) => r.id)).toEqual([
      'strategic-executive', 'executive', 'strategic-vp', 'vp', 'strategic-account', 'director', 'large-account-manager',
    ]);
    expect(rules.maxShare).toEqual({ 5: 0.1, 4: 0.25 });
  });

  it.each([
    // C-suite and founders
    ['CEO', null, 4, 'executive'],
    ['Chief Executive Officer', null, 4, 'executive'],
    ['Chief Revenue Officer', null, 4, 'executive'],
    ['cto', null, 4, 'executive'],
    ['Co-Founder & CTO', null, 4, 'executive'],
    ['Founder', null, 4, 'executive'],
    ['Cofounder', null, 4, 'executive'],
    ['President', null, 4, 'executive'],
    ['Managing Director', null, 4, 'executive'],
    ['Board Member', null, 4, 'executive'],
    ['CEO', { annualRevenue: 2_000_000_000 }, 5, 'strategic-executive'],
    ['CFO', { annualRevenue: 999_999_999 }, 4, 'executive'],
    // VPs
    ['VP Sales', null, 3, 'vp'],
    ['SVP Engineering', null, 3, 'vp'],
    ['Vice President, Marketing', null, 3, 'vp'],
    ['Vice-President Finance', null, 3, 'vp'],
    ['VP Legal', { annualRevenue: 1_000_000_000 }, 4, 'strategic-vp'],
    // Directors and heads
    ['Director of Sales', null, 2, 'director'],
    ['Head of People', null, 2, 'director'],
    ['Engineering Director', null, 2, 'director'],
    // Managers only at large accounts
    ['Sales Manager', { employees: 1000 }, 1, 'large-account-manager'],
    // Account tier
    ['Engineer', { type: 'Strategic' }, 2, 'strategic-account'],
    ['Engineer', { type: ' key account ' }, 2, 'strategic-account'],
  ])('%j at %j is level %i (%s)', (title, company, level, id) => {
    const match = evaluateRules(rules, subject(title, company));
    expect(match?.level).toBe(level);
    expect(match?.rule.id).toBe(id);
  });

  it.each([
    // near misses that must not match any rule
    ['Vice President', null, 3], // a VP, not a president
    ['Executive Assistant to the CEO', null, null],
    ['Assistant to the CEO', null, null],
    ['Office of the CFO Analyst', null, null],
    ['Product Owner', null, null],
    ['Sales Manager', { employees: 999 }, null],
    ['Sales Manager', null, null],
    ['Assistant Manager', { employees: 5000 }, null],
    ['Software Engineer', { annualRevenue: 5_000_000_000, employees: 40_000, type: 'Customer' }, null],
    ['Directory Services Engineer', null, null],
    ['Advisor', null, null],
    ['Recovery Specialist', null, null], // "cro" inside a word
    ['Former CEO', null, null], // a title that says they left never earns a title rule
    ['ex-CTO', null, null],
    ['Retired President', null, null],
    ['', null, null],
    [null, null, null],
  ])('%j at %j is level %j', (title, company, level) => {
    expect(evaluateRules(rules, subject(title, company))?.level ?? null).toBe(level);
  });

  it('names the rule and the facts in its reason material', () => {
    const match = evaluateRules(rules, subject('CEO', { annualRevenue: 3_000_000_000 }))!;
    expect(match.facts).toEqual(['title "CEO" is c-suite', 'account annual revenue 3000000000 >= 1000000000']);
  });
});

describe('rules with owner flags, owners and several conditions', () => {
  const custom = parseRules(`
version: 1
titleGroups:
  exec: { match: ['\\bceo\\b'] }
rules:
  - { id: flagged, level: 3, description: flagged by the owner, when: { contactFlags: [key_contact, Key_Contact__c] } }
  - { id: owner, level: 2, description: strategic team, when: { ownerIds: ['005A'] } }
  - { id: big-ceo, level: 5, description: CEO of a big account, when: { titleGroup: exec, minEmployees: 500, accountTypes: [Customer] } }
`, 'custom.yaml');

  it.each([
    [{ contactProperties: { key_contact: 'true' } }, 3],
    [{ contactProperties: { Key_Contact__c: true } }, 3],
    [{ contactProperties: { key_contact: 'yes' } }, 3],
    [{ contactProperties: { key_contact: 'false' } }, null],
    [{ contactProperties: { key_contact: '' } }, null],
    [{ contactProperties: { Key_Contact__c: false } }, null],
    [{ ownerId: '005A' }, 2],
    [{ ownerId: '005B' }, null],
    [{ ownerId: '005A', contactProperties: { key_contact: 'true' } }, 3],
    [{ title: 'CEO', company: { annualRevenue: null, employees: 500, type: 'customer' } }, 5],
    [{ title: 'CEO', company: { annualRevenue: null, employees: 499, type: 'Customer' } }, null],
    [{ title: 'CEO', company: { annualRevenue: null, employees: 5000, type: 'Prospect' } }, null],
    [{ title: 'CEO', company: null }, null],
  ])('%j is level %j', (extra, level) => {
    expect(evaluateRules(custom, { ...subject(null), ...extra })?.level ?? null).toBe(level);
  });
});

describe('rules file errors name the line and the field', () => {
  const error = (text: string) => {
    try {
      parseRules(text, 'rules.yaml');
    } catch (e) {
      expect(e).toBeInstanceOf(RulesFileError);
      return (e as Error).message;
    }
    throw new Error('expected the rules file to be rejected');
  };

  it.each([
    ['version: 2\nrules: []\n', 'rules.yaml:1:10: version: this vipsync understands rules file version 1'],
    ['version: 1\nrules:\n  - id: a\n    level: 9\n    description: x\n    when: { minEmployees: 1 }\n', 'rules.yaml:4:12: rules[0].level:'],
    ['version: 1\nrules:\n  - id: a\n    level: 2\n    description: x\n    when: { minEmployes: 1 }\n', 'rules.yaml:6:13: rules[0].when.minEmployes: unknown field'],
    ['version: 1\nrules:\n  - id: a\n    level: 2\n    description: x\n    when: {}\n', 'rules[0].when: a rule needs at least one condition'],
    ['version: 1\nrules:\n  - id: a\n    level: 2\n    description: x\n    when: { titleGroup: nope }\n', 'rules.yaml:6:25: rules[0].when.titleGroup: no title group "nope"'],
    ['version: 1\ntitleGroups:\n  x:\n    match: ["(unclosed"]\n', 'rules.yaml:4:13: titleGroups.x.match[0]: not a valid regular expression'],
    ['version: 1\nrules:\n  - { id: a, level: 1, description: x, when: { minEmployees: 1 } }\n  - { id: a, level: 2, description: y, when: { minEmployees: 2 } }\n', 'rules.yaml:4:11: rules[1].id: rule id "a" is used twice'],
    ['version: 1\ndistribution:\n  maxShare:\n    5: 1.5\n', 'rules.yaml:4:8: distribution.maxShare.5:'],
    ['version: 1\nrules:\n  - id: a\n   level: 2\n', 'not valid YAML'],
    ['version: 1\nversion: 1\n', 'rules.yaml:2:1'],
    ['- just a list\n', 'rules.yaml:1:1: the VIP rules file must be a mapping'],
    ['version: 1\nrulez: []\n', 'rules.yaml:2:1: rulez: unknown field'],
    ['rules: []\n', 'version:'],
  ])('%j', (text, message) => {
    expect(error(text)).toContain(message);
  });

  it('says which file cannot be read', () => {
    expect(() => loadRules('/nonexistent/rules.yaml')).toThrow(/cannot read the VIP rules file \/nonexistent\/rules.yaml \(ENOENT\)/);
  });

  it('hashes the text, so a changed file re-derives everyone', () => {
    expect(parseRules('version: 1\n', 'a').hash).not.toBe(parseRules('version: 1\nrules: []\n', 'a').hash);
  });
});
