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
import { MAX_VIP_LEVEL, MIN_VIP_LEVEL } from './level.js';
import { titleSaysDeparted } from './stale.js';

export const DEFAULT_RULES_FILE = fileURLToPath(new URL('./default-rules.yaml', import.meta.url));

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

const pattern = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'iu');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

const titleGroupSchema = z.strictObject({
  description: z.string().optional(),
  /** Regular expressions (case-insensitive); any one matching is enough. */
  match: z.array(pattern).min(1),
  /** Regular expressions that veto a match ("Vice President" is not a president). */
  exclude: z.array(pattern).default([]),
});

const conditionSchema = z
  .strictObject({
    titleGroup: slug.optional(),
    minAnnualRevenue: z.number().nonnegative().optional(),
    minEmployees: z.number().int().nonnegative().optional(),
    accountTypes: z.array(z.string().min(1)).min(1).optional(),
    ownerIds: z.array(z.string().min(1)).min(1).optional(),
    contactFlags: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'a rule needs at least one condition');

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
    distribution: z
      .strictObject({
        maxShare: z.partialRecord(levelKey, z.number().gt(0).lte(1)).default({}),
        /** Shares of a handful of VIPs mean nothing: no warning below this many. */
        minVips: z.number().int().min(0).default(50),
      })
      .default({ maxShare: {}, minVips: 50 }),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [i, rule] of file.rules.entries()) {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule id "${rule.id}" is used twice` });
      seen.add(rule.id);
      const group = rule.when.titleGroup;
      if (group !== undefined && !(group in file.titleGroups)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'when', 'titleGroup'],
          message: `no title group "${group}" under titleGroups (known: ${Object.keys(file.titleGroups).join(', ') || 'none'})`,
        });
      }
    }
  });

type RulesFile = z.infer<typeof rulesFileSchema>;
export type VipRule = z.infer<typeof ruleSchema>;

interface CompiledTitleGroup {
  match: RegExp[];
  exclude: RegExp[];
}

export interface VipRules {
  version: 1;
  rules: VipRule[];
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
        return `${source}:${at}: ${fieldName(path)}: ${message}`;
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
  return { version: file.version, rules: file.rules, titleGroups, maxShare, minVipsForWarnings: file.distribution.minVips, source, hash };
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

/** What the rules look at for one CRM contact and its company/account. */
export interface RuleSubject {
  title: string | null;
  ownerId: string | null;
  contactProperties: Record<string, unknown>;
  company: { annualRevenue: number | null; employees: number | null; type: string | null } | null;
}

export interface RuleMatch {
  rule: VipRule;
  level: number;
  /** The facts that made it match, e.g. 'title "VP Sales"', 'annual revenue 2000000000 >= 1000000000'. */
  facts: string[];
}

function truthy(value: unknown): boolean {
  if (value === true) return true;
  if (typeof value === 'number') return value !== 0;
  return typeof value === 'string' && /^(true|yes|1|on|y)$/i.test(value.trim());
}

export function titleInGroup(title: string | null, group: CompiledTitleGroup): boolean {
  if (!title || !title.trim()) return false;
  return group.match.some((r) => r.test(title)) && !group.exclude.some((r) => r.test(title));
}

function ruleFacts(rule: VipRule, subject: RuleSubject, inGroup: (group: string) => boolean): string[] | null {
  const w = rule.when;
  const facts: string[] = [];
  if (w.titleGroup !== undefined) {
    if (!inGroup(w.titleGroup)) return null;
    facts.push(`title "${subject.title!.trim()}" is ${w.titleGroup}`);
  }
  if (w.minAnnualRevenue !== undefined) {
    const revenue = subject.company?.annualRevenue;
    if (revenue === null || revenue === undefined || revenue < w.minAnnualRevenue) return null;
    facts.push(`account annual revenue ${revenue} >= ${w.minAnnualRevenue}`);
  }
  if (w.minEmployees !== undefined) {
    const employees = subject.company?.employees;
    if (employees === null || employees === undefined || employees < w.minEmployees) return null;
    facts.push(`account employees ${employees} >= ${w.minEmployees}`);
  }
  if (w.accountTypes !== undefined) {
    const type = subject.company?.type?.trim().toLowerCase();
    if (!type || !w.accountTypes.some((t) => t.trim().toLowerCase() === type)) return null;
    facts.push(`account type "${subject.company!.type}"`);
  }
  if (w.ownerIds !== undefined) {
    if (!subject.ownerId || !w.ownerIds.includes(subject.ownerId)) return null;
    facts.push(`owned by ${subject.ownerId}`);
  }
  if (w.contactFlags !== undefined) {
    const flag = w.contactFlags.find((name) => truthy(subject.contactProperties[name]));
    if (!flag) return null;
    facts.push(`contact flag ${flag} is set`);
  }
  return facts;
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
    const facts = ruleFacts(rule, subject, inGroup);
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

/** The contact properties the rules read: every rule's contact flags. */
export function contactPropertiesRead(rules: VipRules): string[] {
  return [...new Set(rules.rules.flatMap((rule) => rule.when.contactFlags ?? []))];
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
