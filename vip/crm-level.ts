// The level the CRM data alone gives a person, and why: an explicit level in a CRM (the highest of
// them), else the best rule a live contact matches.
import { providerFor } from '../crm/registry.js';
import type { CrmSystemName, PersonRecord } from './person-types.js';
import { companyFacts, evaluateRules, type VipRules } from './rules.js';

/** "HubSpot vip_level": where an explicit level was read, as its CRM names it. */
function levelField(system: CrmSystemName): string {
  const provider = providerFor(system);
  return `${provider.label} ${provider.facts.explicitLevelField}`;
}

function where(r: PersonRecord): string {
  return `on contact ${r.crmId} (connection ${r.connectionId})`;
}

export function newestFirst(a: PersonRecord, b: PersonRecord): number {
  return (b.modifiedAt?.getTime() ?? -Infinity) - (a.modifiedAt?.getTime() ?? -Infinity);
}

/**
 * The level the CRM data alone gives. An explicit CRM value wins over the rules; between CRMs the
 * highest explicit level wins (a VIP in any CRM is a VIP), and the reason names where it came from.
 */
export function crmLevelFor(records: PersonRecord[], rules: VipRules): { level: number | null; reason: string } {
  const live = records.filter((r) => r.deletedAt === null);
  if (live.length === 0) return { level: null, reason: 'no live CRM contact has this email' };
  const explicit = live.filter((r) => r.explicitLevel !== null).sort((a, b) => b.explicitLevel! - a.explicitLevel! || newestFirst(a, b));
  if (explicit.length > 0) {
    const best = explicit[0]!;
    const others = explicit.slice(1).filter((r) => r.explicitLevel !== best.explicitLevel);
    const also = others.length > 0
      ? `; the highest explicit level wins over ${others.map((r) => `${levelField(r.system)} = ${r.explicitLevel} ${where(r)}`).join(', ')}`
      : '';
    return { level: best.explicitLevel, reason: `${levelField(best.system)} = ${best.explicitLevel} ${where(best)}${also}` };
  }
  let best: { level: number; reason: string } | null = null;
  for (const r of [...live].sort(newestFirst)) {
    const match = evaluateRules(rules, {
      title: r.title,
      ownerId: r.ownerId,
      contactProperties: r.properties,
      company: r.company ? companyFacts(r.company.properties) : null,
    });
    if (match && (!best || match.level > best.level)) {
      best = { level: match.level, reason: `rule "${match.rule.id}" (${match.rule.description}): ${match.facts.join(', ')} ${where(r)}` };
    }
  }
  return best ?? { level: null, reason: 'no explicit VIP level in any CRM and no rule matched' };
}

