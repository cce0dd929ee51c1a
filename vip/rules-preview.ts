// What a new rules file would do to the VIP list before it is used: every person's CRM-derived
// level under the rules in use and under the proposed ones, from the records a derivation reads.
// Nothing is written.
import { bulkTransaction, type Db } from '../db/client.js';
import { crmLevelFor } from './crm-level.js';
import { loadBatch, toRecord } from './derive-sql.js';
import { levelDistribution, type LevelDistribution } from './distribution.js';
import { companyFactProperties, contactPropertiesRead, type VipRules } from './rules.js';
import { bounceProperties } from './stale.js';

const PREVIEW_BATCH = 2_000;

export interface LevelMove {
  /** null: no level. */
  from: number | null;
  to: number | null;
  people: number;
}

export interface PreviewSampleRow {
  email: string;
  from: number | null;
  to: number | null;
  /** Why the proposed rules give `to`. */
  reason: string;
  /** An admin's level stays whatever the rules say (the CRM level beside it changes). */
  manualLevel: number | null;
}

export interface RulesPreview {
  people: number;
  /** People whose CRM-derived level the proposed rules change. */
  changed: number;
  moves: LevelMove[];
  /** Effective levels under the proposed rules (manual levels kept), with their inflation check. */
  distribution: LevelDistribution;
  /** Up to `sampleSize` changed people, the highest new level first. */
  sample: PreviewSampleRow[];
}

export async function previewRules(db: Db, current: VipRules, proposed: VipRules, opts: { sampleSize?: number } = {}): Promise<RulesPreview> {
  const sampleSize = opts.sampleSize ?? 20;
  const contactProperties = [...new Set([...bounceProperties(), ...contactPropertiesRead(current), ...contactPropertiesRead(proposed)])];
  const companyProperties = companyFactProperties();
  const emails = (await db.$queryRawUnsafe<{ email: string }[]>('SELECT email FROM vips ORDER BY email')).map((r) => r.email);
  const moves = new Map<string, LevelMove>();
  const counts: Record<number, number> = {};
  const changedRows: PreviewSampleRow[] = [];
  for (let start = 0; start < emails.length; start += PREVIEW_BATCH) {
    const batch = emails.slice(start, start + PREVIEW_BATCH);
    const { records, vips } = await bulkTransaction(db, (sql) => loadBatch(sql, batch, contactProperties, companyProperties));
    const recordsBy = new Map<string, typeof records>();
    for (const r of records) {
      const list = recordsBy.get(r.email);
      if (list) list.push(r);
      else recordsBy.set(r.email, [r]);
    }
    const manualBy = new Map(vips.map((v) => [v.email, v.manual_level]));
    for (const email of batch) {
      const personRecords = (recordsBy.get(email) ?? []).map(toRecord);
      const before = crmLevelFor(personRecords, current);
      const after = crmLevelFor(personRecords, proposed);
      const manualLevel = manualBy.get(email) ?? null;
      const effective = manualLevel ?? after.level;
      if (effective !== null) counts[effective] = (counts[effective] ?? 0) + 1;
      if (before.level === after.level) continue;
      const key = `${before.level}>${after.level}`;
      const move = moves.get(key) ?? { from: before.level, to: after.level, people: 0 };
      move.people += 1;
      moves.set(key, move);
      changedRows.push({ email, from: before.level, to: after.level, reason: after.reason, manualLevel });
    }
  }
  const rank = (level: number | null) => level ?? 0;
  changedRows.sort((a, b) => rank(b.to) - rank(a.to) || rank(b.from) - rank(a.from) || a.email.localeCompare(b.email));
  return {
    people: emails.length,
    changed: changedRows.length,
    moves: [...moves.values()].sort((a, b) => b.people - a.people || rank(b.to) - rank(a.to)),
    distribution: levelDistribution(counts, emails.length, proposed.maxShare, proposed.minVipsForWarnings),
    sample: changedRows.slice(0, sampleSize),
  };
}
