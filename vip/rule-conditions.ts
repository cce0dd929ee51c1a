// The conditions a rules file's rules test on one CRM contact (title groups, company size and type,
// owner, contact flags), shared by the level rules and the group rules: their schema and their
// evaluation, which also says the facts that matched. Pure.
import { z } from 'zod';

export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

const pattern = z.string().min(1).superRefine((source, ctx) => {
  try {
    new RegExp(source, 'iu');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

export const titleGroupSchema = z.strictObject({
  description: z.string().optional(),
  /** Regular expressions (case-insensitive); any one matching is enough. */
  match: z.array(pattern).min(1),
  /** Regular expressions that veto a match ("Vice President" is not a president). */
  exclude: z.array(pattern).default([]),
});

export const conditionSchema = z
  .strictObject({
    titleGroup: slug.optional(),
    minAnnualRevenue: z.number().nonnegative().optional(),
    minEmployees: z.number().int().nonnegative().optional(),
    accountTypes: z.array(z.string().min(1)).min(1).optional(),
    ownerIds: z.array(z.string().min(1)).min(1).optional(),
    contactFlags: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), 'a rule needs at least one condition');

export type RuleCondition = z.infer<typeof conditionSchema>;

export interface CompiledTitleGroup {
  match: RegExp[];
  exclude: RegExp[];
}

/** What the rules look at for one CRM contact and its company/account. */
export interface RuleSubject {
  title: string | null;
  ownerId: string | null;
  contactProperties: Record<string, unknown>;
  company: { annualRevenue: number | null; employees: number | null; type: string | null } | null;
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

/** The facts that make the condition hold, e.g. 'title "VP Sales" is vp', or null when it does not. */
export function conditionFacts(w: RuleCondition, subject: RuleSubject, inGroup: (group: string) => boolean): string[] | null {
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
