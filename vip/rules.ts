// The configurable VIP rules: a versioned YAML file (default: default-rules.yaml beside this file,
// or VIPSYNC_RULES_FILE), validated when the worker starts with errors that name the line and the
// field, and evaluated per CRM contact when the CRM holds no explicit level. Pure, except loadRules.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import type { CrmFacts } from '../crm/provider.js';
import { crmProviders } from '../crm/registry.js';
import { groupRulesSchema, type GroupRule } from './group-rules.js';
import { MAX_VIP_LEVEL, MIN_VIP_LEVEL } from './level.js';
import {
  conditionFacts, conditionSchema, slug, titleGroupSchema, titleInGroup, type CompiledTitleGroup, type RuleSubject,
} from './rule-conditions.js';
import { titleSaysDeparted } from './stale.js';

export { titleInGroup, type RuleSubject } from './rule-conditions.js';

export const DEFAULT_RULES_FILE = fileURLToPath(new URL('./default-rules.yaml', import.meta.url));

const ruleSchema = z.strictObject({
  id: slug,
  level: z.number().int().min(MIN_VIP_LEVEL).max(MAX_VIP_LEVEL),
  description: z.string().min(1),
  when: conditionSchema,
});

const levelKey = z.enum(['1', '2', '3', '4', '5']);

const rulesFileSchema = z
  .strictObject({
    version: z.literal(1, 'this vipsync understands rules file version 1'),
    titleGroups: z.record(slug, titleGroupSchema).default({}),
    rules: z.array(ruleSchema).default([]),
    /** Groups from CRM facts (group-rules.ts). */
    groups: groupRulesSchema,
    distribution: z
      .strictObject({
        maxShare: z.partialRecord(levelKey, z.number().gt(0).lte(1)).default({}),
        /** Shares of a handful of VIPs mean nothing: no warning below this many. */
        minVips: z.number().int().min(0).default(50),
      })
      .default({ maxShare: {}, minVips: 50 }),
  })
  .superRefine((file, ctx) => {
    for (const section of ['rules', 'groups'] as const) {
      const seen = new Set<string>();
      for (const [i, rule] of file[section].entries()) {
        if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [section, i, 'id'], message: `rule id "${rule.id}" is used twice` });
        seen.add(rule.id);
        const group = rule.when?.titleGroup;
        if (group !== undefined && !(group in file.titleGroups)) {
          ctx.addIssue({
            code: 'custom',
            path: [section, i, 'when', 'titleGroup'],
            message: `no title group "${group}" under titleGroups (known: ${Object.keys(file.titleGroups).join(', ') || 'none'})`,
          });
        }
      }
    }
  });

type RulesFile = z.infer<typeof rulesFileSchema>;
export type VipRule = z.infer<typeof ruleSchema>;

export interface VipRules {
  version: 1;
  rules: VipRule[];
  /** The `groups:` section: rules that put people in VIP groups from CRM facts. */
  groups: GroupRule[];
  titleGroups: Record<string, CompiledTitleGroup>;
  /** Largest healthy share of all VIPs at a level, e.g. { 5: 0.1 }. */
  maxShare: Partial<Record<number, number>>;
  minVipsForWarnings: number;
  /** Where the rules came from and a hash of the text, so a changed file re-derives everyone. */
  source: string;
  hash: string;
}

export class RulesFileError extends Error {
  override name = 'RulesFileError';
}

function nodeOffset(doc: Document, path: readonly PropertyKey[]): number | undefined {
  // Walk up from the field to the nearest node that exists (a missing key points at its parent).
  for (let length = path.length; length >= 0; length--) {
    const prefix = path.slice(0, length);
    for (const candidate of [prefix, prefix.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p))]) {
      const node = length === 0 ? doc.contents : doc.getIn(candidate as unknown[], true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return range[0];
    }
  }
  return undefined;
}

/** Where a key itself is written (for unknown fields the key is what is wrong, not its value). */
function keyOffset(doc: Document, mapPath: readonly PropertyKey[], key: string): number | undefined {
  const map = mapPath.length === 0 ? doc.contents : doc.getIn(mapPath as unknown[], true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === key);
  return (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(top level)';
}

/** ' (rule "vp")' for a problem inside a rule of `rules:` or `groups:` that has an id, so the message names it. */
function inRule(doc: Document, path: readonly PropertyKey[]): string {
  if ((path[0] !== 'rules' && path[0] !== 'groups') || typeof path[1] !== 'number') return '';
  const id = doc.getIn([path[0], path[1], 'id']);
  return typeof id === 'string' || typeof id === 'number' ? ` (rule "${String(id)}")` : '';
}

/** Parses and validates a rules file's text; every problem is reported as `source:line:col: field: message`. */
export function parseRules(text: string, source: string): VipRules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return `${source}:${at ? `${at.line}:${at.col}` : '?'}: ${e.message.split('\n')[0]}`;
    });
    throw new RulesFileError(`the VIP rules file is not valid YAML:\n  - ${problems.join('\n  - ')}`);
  }
  if (!isMap(doc.contents)) throw new RulesFileError(`${source}:1:1: the VIP rules file must be a mapping with "version" and "rules"`);
  const result = rulesFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
      return paths.map((path) => {
        const offset = (issue.code === 'unrecognized_keys' ? keyOffset(doc, issue.path, String(path.at(-1))) : undefined) ?? nodeOffset(doc, path);
        const at = offset === undefined ? '?' : (({ line, col }) => `${line}:${col}`)(lineCounter.linePos(offset));
        const message = issue.code === 'unrecognized_keys' ? 'unknown field (check the spelling; see default-rules.yaml)' : issue.message;
        return `${source}:${at}: ${fieldName(path)}: ${message}${inRule(doc, path)}`;
      });
    });
    throw new RulesFileError(`the VIP rules file is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  return compile(result.data, source, createHash('sha256').update(text).digest('hex'));
}

function compile(file: RulesFile, source: string, hash: string): VipRules {
  const titleGroups: Record<string, CompiledTitleGroup> = {};
  for (const [name, group] of Object.entries(file.titleGroups)) {
    titleGroups[name] = { match: group.match.map((p) => new RegExp(p, 'iu')), exclude: group.exclude.map((p) => new RegExp(p, 'iu')) };
  }
  const maxShare: Partial<Record<number, number>> = {};
  for (const [level, share] of Object.entries(file.distribution.maxShare)) maxShare[Number(level)] = share;
  return { version: file.version, rules: file.rules, groups: file.groups, titleGroups, maxShare, minVipsForWarnings: file.distribution.minVips, source, hash };
}

/** Reads the rules file (the shipped default when no path is given); throws RulesFileError. */
export function loadRules(path?: string): VipRules {
  const file = path ?? DEFAULT_RULES_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RulesFileError(`cannot read the VIP rules file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set VIPSYNC_RULES_FILE to a readable file or unset it for the default`);
  }
  return parseRules(text, file);
}

// ---- evaluation ---------------------------------------------------------------------------------

export interface RuleMatch {
  rule: VipRule;
  level: number;
  /** The facts that made it match, e.g. 'title "VP Sales"', 'annual revenue 2000000000 >= 1000000000'. */
  facts: string[];
}

/** The highest-level rule that matches (the earlier one in the file on a tie), or null. */
export function evaluateRules(rules: VipRules, subject: RuleSubject): RuleMatch | null {
  let best: RuleMatch | null = null;
  // A title that says the person has left ("Former CEO") never earns a title rule.
  const departed = titleSaysDeparted(subject.title);
  const groups = new Map<string, boolean>();
  const inGroup = (group: string) => {
    let hit = groups.get(group);
    if (hit === undefined) groups.set(group, (hit = !departed && titleInGroup(subject.title, rules.titleGroups[group]!)));
    return hit;
  };
  for (const rule of rules.rules) {
    const facts = conditionFacts(rule.when, subject, inGroup);
    if (facts && (!best || rule.level > best.level)) best = { rule, level: rule.level, facts };
  }
  return best;
}

function numberOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

type CompanyFact = keyof CrmFacts['companyFields'];

/** The company properties companyFacts reads (a derivation loads no others): every CRM's names. */
export function companyFactProperties(): string[] {
  return [...new Set(crmProviders().flatMap((p) => Object.values(p.facts.companyFields)))];
}

/** The contact properties the rules read: every rule's contact flags and the group rules' properties. */
export function contactPropertiesRead(rules: VipRules): string[] {
  return [...new Set([
    ...rules.rules.flatMap((rule) => rule.when.contactFlags ?? []),
    ...rules.groups.flatMap((rule) => [...(rule.when?.contactFlags ?? []), ...(rule.fromProperties ?? [])]),
  ])];
}

/** A company fact under whichever CRM's name the properties hold it (a HubSpot company, a Salesforce Account). */
function fact(properties: Record<string, unknown>, name: CompanyFact): unknown {
  for (const provider of crmProviders()) {
    const value = properties[provider.facts.companyFields[name]];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

/** Company and account properties of every CRM, read the same way. */
export function companyFacts(properties: Record<string, unknown>): NonNullable<RuleSubject['company']> {
  return {
    annualRevenue: numberOf(fact(properties, 'annualRevenue')),
    employees: numberOf(fact(properties, 'employees')),
    type: textOf(fact(properties, 'type')),
  };
}
