// The rules file's groups: section: what it accepts, the errors (naming the line, the field and the
// rule), and the groups it gives a person's live CRM contacts.
import { describe, expect, it } from 'vitest';
import { crmGroupsFor, type GroupRuleContact } from '../vip/group-rules.js';
import { contactPropertiesRead, loadRules, parseRules, RulesFileError } from '../vip/rules.js';

const HEADER = `version: 1
titleGroups:
  board:
    match: ['\\bboard\\b', '\\bchair']
    exclude: ['\\bassistant\\b']
`;

function rulesWith(groups: string) {
  return parseRules(`${HEADER}groups:\n${groups}`, 'rules.yaml');
}

function error(groups: string): string {
  try {
    rulesWith(groups);
  } catch (e) {
    expect(e).toBeInstanceOf(RulesFileError);
    return (e as Error).message;
  }
  throw new Error('expected the rules file to be refused');
}

function contact(properties: Record<string, unknown>, extra: Partial<GroupRuleContact['subject']> = {}, where: Partial<GroupRuleContact> = {}): GroupRuleContact {
  return {
    crmLabel: 'HubSpot', connectionId: 'hubspot', crmId: '201',
    subject: { title: null, ownerId: null, contactProperties: properties, company: null, ...extra },
    ...where,
  };
}

describe('the groups: section of the rules file', () => {
  it('the default file has one: CRM values and board members by title', () => {
    const rules = loadRules();
    expect(rules.groups.map((g) => g.id)).toEqual(['crm-vip-groups', 'board-by-title']);
    // The derivation loads these contact properties, so the rules can read them.
    expect(contactPropertiesRead(rules)).toEqual(expect.arrayContaining(['vip_groups', 'VIP_Group__c']));
  });

  it('is optional: a file without it has no group rules', () => {
    expect(parseRules('version: 1\n', 'rules.yaml').groups).toEqual([]);
  });

  it.each([
    // [groups section, the message it must contain]
    ['  - { id: a, description: x }\n', 'rules.yaml:7:5: groups[0].group: missing: name the group (or use fromProperties to take groups from CRM values) (rule "a")'],
    ['  - { id: a, description: x }\n', 'groups[0].when: missing: the condition that puts a contact in the group (rule "a")'],
    ['  - { id: a, description: x, group: Board }\n', 'groups[0].when: missing: the condition'],
    ['  - { id: a, description: x, fromProperties: [vip_groups], group: Board }\n', 'groups[0].group: give either fromProperties (the CRM values become groups) or group with when (a condition), not both (rule "a")'],
    ['  - { id: a, description: x, fromProperties: [vip_groups], when: { minEmployees: 1 } }\n', 'groups[0].when: give either fromProperties'],
    ['  - { id: a, description: x, group: Board, when: { titleGroup: board }, values: { b: Board } }\n', 'groups[0].values: values maps the values of fromProperties; add fromProperties or remove values (rule "a")'],
    ['  - { id: a, description: x, group: "Board;Press", when: { titleGroup: board } }\n', 'groups[0].group: group name "Board;Press" may hold only letters'],
    ['  - { id: a, description: x, group: "", when: { titleGroup: board } }\n', 'groups[0].group: a group name is empty'],
    ['  - { id: a, description: x, fromProperties: [vip_groups], values: { board: "-Board" } }\n', 'groups[0].values.board: group name "-Board"'],
    ['  - { id: a, description: x, fromProperties: [] }\n', 'groups[0].fromProperties:'],
    ['  - { id: a, description: x, group: Board, when: { titleGroup: nope } }\n', 'groups[0].when.titleGroup: no title group "nope" under titleGroups (known: board) (rule "a")'],
    ['  - { id: a, description: x, group: Board, when: {} }\n', 'groups[0].when: a rule needs at least one condition (rule "a")'],
    ['  - { id: a, description: x, group: Board, when: { titleGrup: board } }\n', 'groups[0].when.titleGrup: unknown field (check the spelling; see default-rules.yaml) (rule "a")'],
    ['  - { id: a, description: x, group: Board, when: { titleGroup: board }, level: 3 }\n', 'groups[0].level: unknown field'],
    ['  - { id: Bad_Id, description: x, group: Board, when: { titleGroup: board } }\n', 'groups[0].id: use lower-case letters, digits and dashes (rule "Bad_Id")'],
    ['  - { id: a, group: Board, when: { titleGroup: board } }\n', 'groups[0].description:'],
    ['  - { id: a, description: x, group: Board, when: { titleGroup: board } }\n  - { id: a, description: y, group: Press, when: { titleGroup: board } }\n', 'rules.yaml:8:11: groups[1].id: rule id "a" is used twice (rule "a")'],
    ['  - { id: a, description: x, fromProperties: vip_groups }\n', 'groups[0].fromProperties:'],
    ['  id: a\n', 'rules.yaml:7:3: groups: Invalid input: expected array'],
  ])('refuses %j, naming the field and the rule', (groups, message) => {
    expect(error(groups)).toContain(message);
  });

  it('reports every problem at once', () => {
    const message = error('  - { id: a, description: x }\n  - { id: b, description: y, group: "x;y", when: { titleGroup: board } }\n');
    expect(message).toContain('(rule "a")');
    expect(message).toContain('groups[1].group');
    expect(message).toContain('(rule "b")');
  });
});

describe('the groups CRM facts give', () => {
  const rules = rulesWith(`  - id: crm
    description: groups picked in the CRM
    fromProperties: [vip_groups, VIP_Group__c]
  - id: mapped
    description: mapped tiers
    fromProperties: [tier]
    values: { gold: Key Partners, "PLATINUM": Key Partners, silver: Partners }
  - id: board
    description: board members
    group: Board
    when: { titleGroup: board }
`);

  it('a HubSpot multi-checkbox value and a Salesforce multi-picklist value, ";"-separated, each value a group', () => {
    expect(crmGroupsFor(rules, [contact({ vip_groups: 'Press;Investors' })])).toEqual([
      { key: 'investors', group: 'Investors', reason: 'rule "crm": HubSpot vip_groups holds "Investors" on contact 201 (connection hubspot)' },
      { key: 'press', group: 'Press', reason: 'rule "crm": HubSpot vip_groups holds "Press" on contact 201 (connection hubspot)' },
    ]);
    const salesforce = contact({ VIP_Group__c: ' Press ; ;Board' }, {}, { crmLabel: 'Salesforce', connectionId: 'sf', crmId: '003A' });
    expect(crmGroupsFor(rules, [salesforce]).map((g) => g.reason)).toEqual([
      'rule "crm": Salesforce VIP_Group__c holds "Board" on contact 003A (connection sf)',
      'rule "crm": Salesforce VIP_Group__c holds "Press" on contact 003A (connection sf)',
    ]);
  });

  it('one group per name, case aside; the first contact given names the reason', () => {
    const groups = crmGroupsFor(rules, [contact({ vip_groups: 'press' }), contact({ VIP_Group__c: 'PRESS' }, {}, { crmLabel: 'Salesforce', connectionId: 'sf', crmId: '003B' })]);
    expect(groups).toEqual([{ key: 'press', group: 'press', reason: 'rule "crm": HubSpot vip_groups holds "press" on contact 201 (connection hubspot)' }]);
  });

  it('maps values through `values` (case aside) and ignores values it does not list', () => {
    expect(crmGroupsFor(rules, [contact({ tier: 'Gold;bronze;platinum;Silver' })]).map((g) => g.group)).toEqual(['Key Partners', 'Partners']);
  });

  it('leaves out a value that is not a valid group name, and empty or missing values', () => {
    expect(crmGroupsFor(rules, [contact({ vip_groups: '=cmd;-x;Board' })]).map((g) => g.group)).toEqual(['Board']);
    expect(crmGroupsFor(rules, [contact({ vip_groups: '' }), contact({ vip_groups: null }), contact({})])).toEqual([]);
  });

  it('reads a value given as a list (a CRM that answers an array)', () => {
    expect(crmGroupsFor(rules, [contact({ vip_groups: ['Press', 'Board'] })]).map((g) => g.group)).toEqual(['Board', 'Press']);
  });

  it('a condition rule puts a contact in its group with the facts that matched', () => {
    expect(crmGroupsFor(rules, [contact({}, { title: 'Chair of the Board' })])).toEqual([
      { key: 'board', group: 'Board', reason: 'rule "board" (board members): title "Chair of the Board" is board on contact 201 (connection hubspot)' },
    ]);
    expect(crmGroupsFor(rules, [contact({}, { title: 'Assistant to the Board' })])).toEqual([]);
  });

  it('a title that says the person left never earns a title group', () => {
    expect(crmGroupsFor(rules, [contact({}, { title: 'Former Chair of the Board' })])).toEqual([]);
  });

  it('no contacts, no rules: no groups', () => {
    expect(crmGroupsFor(rules, [])).toEqual([]);
    expect(crmGroupsFor(parseRules('version: 1\n', 'r.yaml'), [contact({ vip_groups: 'Board' })])).toEqual([]);
  });

  it('is sorted by group, whatever order the rules and values come in', () => {
    expect(crmGroupsFor(rules, [contact({ vip_groups: 'Zeta;alpha;Mid' }, { title: 'Board Member' })]).map((g) => g.key)).toEqual(['alpha', 'board', 'mid', 'zeta']);
  });
});
