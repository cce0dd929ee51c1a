// The rules file's `groups:` section: rules that put a person in VIP groups from CRM facts, and
// their evaluation over a person's live CRM contacts. Two kinds of rule:
//
// - fromProperties: a multi-valued contact property whose values become groups: a HubSpot
//   "multiple checkboxes" property (values separated by ";", developers.hubspot.com/docs/faq/
//   how-do-i-set-multiple-values-for-checkbox-properties) or a Salesforce picklist or multi-select
//   picklist (a multi-select one reads "AAA;BBB", developer.salesforce.com/docs/atlas.en-us.
//   soql_sosl.meta/api/sforce_api_calls_soql_querying_multiselect_picklists.htm). With `values`,
//   only the values it lists count, each mapped to a group name (case aside); without, each value
//   is the group name itself (a value that is not a valid group name is left out).
// - group + when: everyone whose contact meets the condition (the level rules' conditions) is in
//   that group.
//
// Pure. The groups are stored by name; whether vipsync knows a group's handling is the lookup's
// business (a group nobody defined yet gives no handling until `vipsync groups add` defines it).
import { z } from 'zod';
import { checkGroupName, groupKey, splitGroupList } from './groups.js';
import { conditionFacts, conditionSchema, slug, titleInGroup, type CompiledTitleGroup, type RuleSubject } from './rule-conditions.js';
import { titleSaysDeparted } from './stale.js';

const groupName = z.string().superRefine((value, ctx) => {
  const check = checkGroupName(value);
  if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
});

const groupRuleSchema = z
  .strictObject({
    id: slug,
    description: z.string().min(1),
    /** Contact properties (any CRM's names) whose ";"-separated values become groups. */
    fromProperties: z.array(z.string().min(1)).min(1).optional(),
    /** CRM value -> group name; values not listed are ignored. */
    values: z.record(z.string().min(1), groupName).optional(),
    /** The group a condition rule puts people in. */
    group: groupName.optional(),
    when: conditionSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.fromProperties !== undefined && (rule.group !== undefined || rule.when !== undefined)) {
      ctx.addIssue({
        code: 'custom', path: [rule.group !== undefined ? 'group' : 'when'],
        message: 'give either fromProperties (the CRM values become groups) or group with when (a condition), not both',
      });
    } else if (rule.fromProperties === undefined) {
      if (rule.group === undefined) ctx.addIssue({ code: 'custom', path: ['group'], message: 'missing: name the group (or use fromProperties to take groups from CRM values)' });
      if (rule.when === undefined) ctx.addIssue({ code: 'custom', path: ['when'], message: 'missing: the condition that puts a contact in the group' });
    }
    if (rule.values !== undefined && rule.fromProperties === undefined) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: 'values maps the values of fromProperties; add fromProperties or remove values' });
    }
  });

export const groupRulesSchema = z.array(groupRuleSchema).default([]);
export type GroupRule = z.infer<typeof groupRuleSchema>;

/** One group the CRM facts give a person, with why (stored in vips.crm_groups). */
export interface CrmGroup {
  /** groupKey(group): how group names compare. */
  key: string;
  group: string;
  reason: string;
}

/** One live CRM contact of the person, as the group rules read it. */
export interface GroupRuleContact {
  /** "HubSpot": the CRM, as people name it. */
  crmLabel: string;
  connectionId: string;
  crmId: string;
  subject: RuleSubject;
}

type GroupRulesInput = { groups: readonly GroupRule[]; titleGroups: Record<string, CompiledTitleGroup> };

/** The groups of one value of a fromProperties rule: mapped by `values` (case aside), or the value itself. */
function groupsOfValue(rule: GroupRule, value: string): string[] {
  if (rule.values === undefined) {
    const check = checkGroupName(value);
    return check.ok ? [check.name] : [];
  }
  const wanted = value.trim().toLowerCase();
  return Object.entries(rule.values).filter(([crmValue]) => crmValue.trim().toLowerCase() === wanted).map(([, group]) => group);
}

function propertyText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(';');
  return null;
}

/**
 * The groups a person's live contacts give them, one entry per group (sorted by key); when several
 * contacts or rules give the same group, the reason is the first in the order of `contacts` as
 * given (the caller sorts them) and of the rules in the file.
 */
export function crmGroupsFor(rules: GroupRulesInput, contacts: readonly GroupRuleContact[]): CrmGroup[] {
  const found = new Map<string, CrmGroup>();
  const add = (group: string, reason: string) => {
    const key = groupKey(group);
    if (!found.has(key)) found.set(key, { key, group: group.trim().normalize('NFC'), reason });
  };
  for (const contact of contacts) {
    const where = `on contact ${contact.crmId} (connection ${contact.connectionId})`;
    const departed = titleSaysDeparted(contact.subject.title);
    const inGroup = (name: string) => !departed && titleInGroup(contact.subject.title, rules.titleGroups[name]!);
    for (const rule of rules.groups) {
      if (rule.fromProperties !== undefined) {
        for (const property of rule.fromProperties) {
          const text = propertyText(contact.subject.contactProperties[property]);
          if (text === null) continue;
          for (const value of splitGroupList(text)) {
            for (const group of groupsOfValue(rule, value)) {
              add(group, `rule "${rule.id}": ${contact.crmLabel} ${property} holds "${value}" ${where}`);
            }
          }
        }
      } else if (rule.group !== undefined && rule.when !== undefined) {
        const facts = conditionFacts(rule.when, contact.subject, inGroup);
        if (facts) add(rule.group, `rule "${rule.id}" (${rule.description}): ${facts.join(', ')} ${where}`);
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
