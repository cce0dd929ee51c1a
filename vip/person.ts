// Everything vipsync decides about one person, as one pure function of their CRM records and their
// current row: merged fields, the CRM-derived level and its reason, the effective level (manual
// overrides and the stale grace period), validated, stale, and the CRM references to remember.
import { providerFor } from '../crm/registry.js';
import { crmLevelFor } from './crm-level.js';
import { crmGroupsFor } from './group-rules.js';
import { mergePersonFields } from './merge.js';
import { personPhones } from './phone-index.js';
import type { DeriveContext, ExistingVip, LevelSource, PersonDecision, PersonInput, PreviousRef, RefRow, VipColumns } from './person-types.js';
import { companyFacts } from './rules.js';
import { sameJson } from './same-json.js';
import {
  companySignalActive,
  emailMatchesCompanyDomain,
  nextStaleState,
  staleGraceExpired,
  staleSignalsFor,
} from './stale.js';

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
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
    sameJson(a.fieldSources, b.fieldSources) && sameJson(a.staleEvidence, b.staleEvidence) &&
    a.phones.join(',') === b.phones.join(',') && sameJson(a.crmGroups, b.crmGroups ?? null);
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
  // Groups follow the CRM: only live contacts count, in a fixed order so the reasons do not flap.
  const crmGroups = ctx.rules.groups.length === 0 ? [] : crmGroupsFor(
    ctx.rules,
    records
      .filter((r) => r.deletedAt === null)
      .sort((a, b) => (a.connectionId + '\u0000' + a.crmId < b.connectionId + '\u0000' + b.crmId ? -1 : 1))
      .map((r) => ({
        crmLabel: providerFor(r.system).label,
        connectionId: r.connectionId,
        crmId: r.crmId,
        subject: { title: r.title, ownerId: r.ownerId, contactProperties: r.properties, company: r.company ? companyFacts(r.company.properties) : null },
      })),
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
    phones: personPhones(records.map((r) => ({ live: r.deletedAt === null, phone: r.phone, properties: r.properties })), ctx.defaultCountry),
    crmGroups: crmGroups.length > 0 ? crmGroups : null,
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
