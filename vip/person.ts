// Everything vipsync decides about one person, as one pure function of their CRM records and their
// current row: merged fields, the CRM-derived level and its reason, the effective level (manual
// overrides and the stale grace period), validated, stale, and the CRM references to remember.
import { providerFor } from '../crm/registry.js';
import { mergePersonFields } from './merge.js';
import { companyFacts, evaluateRules, type VipRules } from './rules.js';
import {
  companySignalActive,
  emailMatchesCompanyDomain,
  nextStaleState,
  staleGraceExpired,
  staleSignalsFor,
  type MovedAwayInput,
  type StaleSignal,
} from './stale.js';

/** The CRM a record came from (its connection's `system`, e.g. "hubspot"). */
export type CrmSystemName = string;
export type LevelSource = 'crm' | 'manual' | 'csv';

export interface PersonRecord {
  connectionId: string;
  system: CrmSystemName;
  crmId: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  ownerId: string | null;
  /** Parsed explicit level (1-5) or null; invalid values never get here (quarantined by the sync). */
  explicitLevel: number | null;
  properties: Record<string, unknown>;
  modifiedAt: Date | null;
  deletedAt: Date | null;
  deletionKind: string | null;
  mergedIntoId: string | null;
  companyCrmId: string | null;
  company: { name: string | null; domain: string | null; properties: Record<string, unknown> } | null;
}

/** A reference as stored at the last derivation, with what has become of its baseline company. */
export interface PreviousRef extends Omit<RefRow, 'firstSeenAt'> {
  /** crm_companies.merged_into_id of the baseline company: a company merge is not a move. */
  baselineCompanyMergedIntoId: string | null;
  firstSeenAt: Date;
}

/** A person's row as stored: the derived columns (evidence as stored JSON) plus an admin's level. */
export type ExistingVip = Omit<VipColumns, 'staleEvidence'> & {
  staleEvidence: unknown;
  manualLevel: number | null;
};

export interface PersonInput {
  email: string;
  records: PersonRecord[];
  previousRefs: PreviousRef[];
  /** Contacts in previousRefs that now carry another email or are gone (no row in `records`). */
  movedAway: (MovedAwayInput & { system: CrmSystemName })[];
  existing: ExistingVip | null;
}

export interface DeriveContext {
  rules: VipRules;
  defaultCountry: string;
  staleGraceDays: number;
  now: Date;
}

/** The columns of vips a derivation owns. */
export interface VipColumns {
  name: string | null;
  company: string | null;
  phone: string | null;
  title: string | null;
  fieldSources: unknown;
  level: number | null;
  levelReason: string | null;
  levelSource: LevelSource | null;
  crmLevel: number | null;
  crmLevelReason: string | null;
  validated: boolean;
  validatedAt: Date | null;
  validatedBy: string[];
  stale: boolean;
  staleReason: string | null;
  staleSince: Date | null;
  staleEvidence: StaleSignal[] | null;
  staleConfirmedAt: Date | null;
}

export interface RefRow {
  connectionId: string;
  system: CrmSystemName;
  crmId: string;
  status: string;
  baselineCompanyCrmId: string | null;
  baselineDomainMatched: boolean | null;
  firstSeenAt: Date | null;
}

export interface PersonDecision {
  columns: VipColumns;
  refs: RefRow[];
  levelChange: { oldLevel: number | null; newLevel: number | null; reason: string } | null;
  /** The row differs from `existing` (or there is none). */
  changed: boolean;
  refsChanged: boolean;
}

/** "HubSpot vip_level": where an explicit level was read, as its CRM names it. */
function levelField(system: CrmSystemName): string {
  const provider = providerFor(system);
  return `${provider.label} ${provider.facts.explicitLevelField}`;
}

function where(r: PersonRecord): string {
  return `on contact ${r.crmId} (connection ${r.connectionId})`;
}

function newestFirst(a: PersonRecord, b: PersonRecord): number {
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

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** What JSON.stringify writes for a value in an array: null for undefined, functions and non-finite numbers; a Date's ISO text. */
function jsonLeaf(value: unknown): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Date) return value.toJSON();
  return value;
}

/** An object member JSON.stringify leaves out. */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/**
 * Whether two values are the same JSON, whatever order their keys came in: a value read back from
 * jsonb (keys reordered, Dates as text) equals the freshly built one it was written from. Compares
 * in place: building key-sorted text for both sides cost a sixth of a derivation's time.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  const x = jsonLeaf(a);
  const y = jsonLeaf(b);
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  const left = x as Record<string, unknown>;
  const right = y as Record<string, unknown>;
  let members = 0;
  for (const key of Object.keys(left)) {
    const value = left[key];
    if (omitted(value)) continue;
    members += 1;
    if (!Object.hasOwn(right, key) || omitted(right[key]) || !sameJson(value, right[key])) return false;
  }
  for (const key of Object.keys(right)) if (!omitted(right[key])) members -= 1;
  return members === 0;
}

function sameTime(a: Date | null, b: Date | null): boolean {
  return (a?.getTime() ?? null) === (b?.getTime() ?? null);
}

function columnsEqual(a: VipColumns, b: ExistingVip): boolean {
  // Plain values first: most differences show there, before any JSON is built.
  return a.name === b.name && a.company === b.company && a.phone === b.phone && a.title === b.title &&
    a.level === b.level && a.levelReason === b.levelReason && a.levelSource === b.levelSource &&
    a.crmLevel === b.crmLevel && a.crmLevelReason === b.crmLevelReason &&
    a.validated === b.validated && sameTime(a.validatedAt, b.validatedAt) && a.validatedBy.join(',') === b.validatedBy.join(',') &&
    a.stale === b.stale && a.staleReason === b.staleReason && sameTime(a.staleSince, b.staleSince) && sameTime(a.staleConfirmedAt, b.staleConfirmedAt) &&
    sameJson(a.fieldSources, b.fieldSources) && sameJson(a.staleEvidence, b.staleEvidence);
}

function refKey(r: { connectionId: string; crmId: string }): string {
  return `${r.connectionId}\u0000${r.crmId}`;
}

function refsEqual(next: RefRow[], previous: PreviousRef[]): boolean {
  if (next.length !== previous.length) return false;
  // An array of plain values: JSON.stringify is already canonical.
  const shape = (r: RefRow | PreviousRef) => JSON.stringify([r.connectionId, r.system, r.crmId, r.status, r.baselineCompanyCrmId, r.baselineDomainMatched]);
  const a = next.map(shape).sort();
  const b = previous.map(shape).sort();
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function derivePerson(input: PersonInput, ctx: DeriveContext): PersonDecision {
  const { email, records, existing } = input;
  const previousRefs = new Map(input.previousRefs.map((r) => [refKey(r), r]));

  // Stale signals first: they decide which company links become the new baseline.
  const signals = staleSignalsFor(
    email,
    records.map((r) => {
      const ref = previousRefs.get(refKey(r));
      return {
        connectionId: r.connectionId,
        crmId: r.crmId,
        title: r.title,
        properties: r.properties,
        modifiedAt: r.modifiedAt,
        deletedAt: r.deletedAt,
        deletionKind: r.deletionKind,
        mergedIntoId: r.mergedIntoId,
        companyCrmId: r.companyCrmId,
        companyName: r.company?.name ?? null,
        companyDomain: r.company?.domain ?? null,
        baseline: ref ? { companyCrmId: ref.baselineCompanyCrmId, domainMatched: ref.baselineDomainMatched, companyMergedIntoId: ref.baselineCompanyMergedIntoId } : null,
      };
    }),
    input.movedAway,
  );
  const stale = nextStaleState(existing, signals, ctx.now);

  const refs: RefRow[] = records.map((r) => {
    const previous = previousRefs.get(refKey(r));
    const live = r.deletedAt === null;
    const keepBaseline = previous && (!live || companySignalActive(signals, r.connectionId, r.crmId));
    return {
      connectionId: r.connectionId,
      system: r.system,
      crmId: r.crmId,
      status: live ? 'live' : (r.deletionKind ?? 'deleted'),
      baselineCompanyCrmId: keepBaseline ? previous.baselineCompanyCrmId : r.companyCrmId,
      baselineDomainMatched: keepBaseline ? previous.baselineDomainMatched : emailMatchesCompanyDomain(email, r.company?.domain),
      firstSeenAt: previous?.firstSeenAt ?? null,
    };
  });
  for (const moved of input.movedAway) {
    const previous = previousRefs.get(refKey(moved))!;
    refs.push({
      connectionId: moved.connectionId,
      system: moved.system,
      crmId: moved.crmId,
      status: moved.currentEmail === null ? 'vanished' : 'email-changed',
      baselineCompanyCrmId: previous?.baselineCompanyCrmId ?? null,
      baselineDomainMatched: previous?.baselineDomainMatched ?? null,
      firstSeenAt: previous?.firstSeenAt ?? null,
    });
  }

  const crm = crmLevelFor(records, ctx.rules);
  let level = crm.level;
  let levelReason: string | null = crm.reason;
  let levelSource: LevelSource | null = crm.level === null ? null : 'crm';
  if (existing && existing.manualLevel !== null) {
    // An admin's level is never overwritten by a sync; the CRM's view stays beside it (crm_level).
    level = existing.level;
    levelReason = existing.levelReason;
    levelSource = existing.levelSource;
  } else if (crm.level !== null && staleGraceExpired(stale, ctx.now, ctx.staleGraceDays)) {
    level = null;
    levelReason = `demoted: stale since ${day(stale.staleSince!)}, more than ${ctx.staleGraceDays} days without an admin confirming (vipsync stale confirm): ${stale.staleReason}; the CRM data alone gives level ${crm.level}`;
    levelSource = 'crm';
  }

  const merged = mergePersonFields(
    records.map((r) => ({
      connectionId: r.connectionId,
      crmId: r.crmId,
      live: r.deletedAt === null,
      modifiedAt: r.modifiedAt,
      firstName: r.firstName,
      lastName: r.lastName,
      title: r.title,
      phone: r.phone,
      companyName: r.company?.name ?? null,
    })),
    ctx.defaultCountry,
  );
  const validatedBy = [...new Set(records.filter((r) => r.deletedAt === null).map((r) => r.connectionId))].sort();
  const validated = validatedBy.length > 0;

  const columns: VipColumns = {
    // A value the CRMs no longer hold is kept rather than blanked (an admin may have typed it).
    name: merged.name ?? existing?.name ?? null,
    company: merged.company ?? existing?.company ?? null,
    phone: merged.phone ?? existing?.phone ?? null,
    title: merged.title ?? existing?.title ?? null,
    fieldSources: Object.keys(merged.sources).length > 0 ? merged.sources : (existing?.fieldSources ?? null),
    level,
    levelReason,
    levelSource,
    crmLevel: crm.level,
    crmLevelReason: crm.reason,
    validated,
    validatedAt: validated ? (existing?.validated ? existing.validatedAt : ctx.now) : null,
    validatedBy,
    ...stale,
  };

  const oldLevel = existing?.level ?? null;
  const levelChange = oldLevel !== level ? { oldLevel, newLevel: level, reason: levelReason ?? 'no level' } : null;
  return {
    columns,
    refs,
    levelChange,
    changed: existing === null || !columnsEqual(columns, existing),
    refsChanged: !refsEqual(refs, input.previousRefs),
  };
}
